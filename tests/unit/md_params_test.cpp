// Cluster parameters journaled through cmd_set_param (persistence/md_store.hpp
// params(), protocol/md_model/md_command.hpp) and the all_chunks() repair view.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "protocol/md_model/md_command.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;
using pstorage::persistence::md_store_options;
namespace fs = std::filesystem;

namespace {
void commit(md_store& s, const md_command& c) {
  auto r = s.commit_local(make_entry(s.last_index() + 1, 1, c));
  REQUIRE(r.ok());
}
}  // namespace

TEST_CASE("set_param encodes, decodes and survives a reopen") {
  md_command c = cmd_set_param{"mds.wd.offline_tout", 3000};
  CHECK(std::string(command_name(c)) == "set_param");
  auto bytes = encode_command(c);
  CHECK(decode_command(bytes) == c);

  auto dir = fs::temp_directory_path() / ("pstorage_md_params_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto path = (dir / "md.db").string();
  {
    md_store s(path);
    CHECK(s.params().empty());
    commit(s, cmd_set_param{"mds.wd.offline_tout", 3000});
    commit(s, cmd_set_param{"mds.wd.max_offline_cs", 5});
    commit(s, cmd_set_param{"mds.wd.offline_tout", 4000});  // overwrites
    CHECK(s.params().size() == 2);
    CHECK(s.canonical_dump().find("param mds.wd.offline_tout 4000") != std::string::npos);
  }
  {
    md_store s(path);
    auto p = s.params();
    CHECK(p.at("mds.wd.offline_tout") == 4000);
    CHECK(p.at("mds.wd.max_offline_cs") == 5);
  }
  fs::remove_all(dir);
}

TEST_CASE("an empty parameter name is rejected deterministically") {
  md_store s(":memory:");
  auto r = s.commit_local(make_entry(1, 1, cmd_set_param{"", 1}));
  CHECK_FALSE(r.ok());
  CHECK(s.params().empty());
}

TEST_CASE("all_chunks lists every chunk with replicas in chain order and its file's attributes") {
  md_store s(":memory:", md_store_options{1024, 0});
  repl_attrs a;
  a.replicas_norm = 3;
  a.replicas_min = 2;
  a.tier = 1;
  commit(s, cmd_create{root_inode, "f", 2, 0644, 1, a});
  commit(s, cmd_alloc_chunk{2, 0, 10, 1, {1027, 1025, 1026}});
  commit(s, cmd_alloc_chunk{2, 1, 11, 1, {1026}});
  commit(s, cmd_drop_replica{10, 1025, 2});
  auto all = s.all_chunks();
  REQUIRE(all.size() == 2);
  CHECK(all[0].chunk.id == 10);
  CHECK(all[0].chunk.version == 2);
  REQUIRE(all[0].chunk.replicas.size() == 2);
  CHECK(all[0].chunk.replicas[0].cs == 1027);
  CHECK(all[0].chunk.replicas[1].cs == 1026);
  CHECK(all[0].attrs.replicas_norm == 3);
  CHECK(all[0].attrs.replicas_min == 2);
  CHECK(all[0].attrs.tier == 1);
  CHECK_FALSE(all[0].orphan);
  CHECK(all[1].chunk.id == 11);
  CHECK(all[1].chunk.replicas.size() == 1);
}
