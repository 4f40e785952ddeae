// The journaled security state (protocol/md_model/md_security_commands.hpp;
// persistence/md_security.cpp): revoked hosts and the cluster CA, applied on
// every MDS, kept across a reopen and in a snapshot (a new master or a
// resynced MDS has them; docs/security.md "Revocation").
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "persistence/md_store.hpp"
#include "protocol/md_model/md_command.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;
namespace fs = std::filesystem;

namespace {
pstorage::persistence::apply_result commit(md_store& s, const md_command& c) {
  return s.commit_local(make_entry(s.last_index() + 1, 1, c));
}
}  // namespace

TEST_CASE("revoke_node and set_cluster_ca encode and decode") {
  md_command r = cmd_revoke_node{"a1b2c3", "host-1", 77};
  CHECK(std::string(command_name(r)) == "revoke_node");
  CHECK(decode_command(encode_command(r)) == r);
  md_command ca = cmd_set_cluster_ca{"-----BEGIN PRIVATE KEY-----\nx\n", "-----BEGIN CERTIFICATE-----\ny\n"};
  CHECK(std::string(command_name(ca)) == "set_cluster_ca");
  CHECK(decode_command(encode_command(ca)) == ca);
}

TEST_CASE("revocations: rejected when empty or repeated, kept across a reopen and in a snapshot") {
  auto dir = fs::temp_directory_path() / ("pstorage_md_security_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto path = (dir / "md.db").string();
  std::vector<uint8_t> image;
  {
    md_store s(path);
    CHECK(s.revoked_hosts().empty());
    CHECK_FALSE(s.cluster_ca());
    CHECK(commit(s, cmd_revoke_node{"h2", "two", 10}).ok());
    CHECK(commit(s, cmd_revoke_node{"h1", "", 20}).ok());
    auto again = commit(s, cmd_revoke_node{"h2", "two", 30});
    REQUIRE(again.rejected);
    CHECK(again.rejected->code == EEXIST);
    auto empty = commit(s, cmd_revoke_node{"", "x", 30});
    REQUIRE(empty.rejected);
    CHECK(empty.rejected->code == EINVAL);
    CHECK(commit(s, cmd_set_cluster_ca{"K", "C"}).ok());
    CHECK(commit(s, cmd_set_cluster_ca{"K", "C"}).ok());  // the same CA again: no-op
    auto other = commit(s, cmd_set_cluster_ca{"K2", "C2"});
    REQUIRE(other.rejected);
    CHECK(other.rejected->code == EEXIST);
    image = s.export_snapshot();
  }
  md_store reopened(path);
  auto r = reopened.revoked_hosts();
  REQUIRE(r.size() == 2);
  CHECK(r[0].host_id == "h1");
  CHECK(r[1].host_id == "h2");
  CHECK(r[1].host == "two");
  CHECK(r[1].time == 10);
  REQUIRE(reopened.cluster_ca());
  CHECK(reopened.cluster_ca()->key_pem == "K");
  md_store other(":memory:");
  other.install_snapshot(image);
  CHECK(other.revoked_hosts().size() == 2);
  REQUIRE(other.cluster_ca());
  CHECK(other.cluster_ca()->cert_pem == "C");
  CHECK(other.canonical_dump() == reopened.canonical_dump());
  CHECK(other.canonical_dump().find("revoked 'h2' 'two' 10") != std::string::npos);
  CHECK(other.canonical_dump().find("cluster_ca key 1 bytes 'C'") != std::string::npos);  // the key by its length only
  fs::remove_all(dir);
}
