// Configuration root, identity, addresses and the password digest
// (issue 2, "Configuration and identity").
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "persistence/auth_digest.hpp"
#include "persistence/cs_repo.hpp"
#include "persistence/host_config.hpp"
#include "persistence/mds_store.hpp"

using namespace pstorage;
using namespace pstorage::persistence;
namespace fs = std::filesystem;

namespace {
struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/pstorage-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("cluster names allow letters, digits, '-' and '_' only") {
  CHECK_FALSE(validate_cluster_name("pcs1"));
  CHECK_FALSE(validate_cluster_name("A-b_9"));
  auto bad = validate_cluster_name("pcs 1");
  REQUIRE(bad);
  CHECK(bad->find("' '") != std::string::npos);
  CHECK(validate_cluster_name("a/b"));
  CHECK(validate_cluster_name(""));
  CHECK(validate_cluster_name(std::string(64, 'a')));
}

TEST_CASE("config dir: option beats environment beats /etc/pstorage") {
  ::setenv("PSTORAGE_CONFIG_DIR", "/tmp/from-env", 1);
  CHECK(resolve_config_dir(std::string("/tmp/from-opt")) == "/tmp/from-opt");
  CHECK(resolve_config_dir(std::nullopt) == "/tmp/from-env");
  ::unsetenv("PSTORAGE_CONFIG_DIR");
  CHECK(resolve_config_dir(std::nullopt) == "/etc/pstorage");
}

TEST_CASE("host_id is generated once and then stable; location defaults") {
  temp_dir t;
  host_config h(t.path);
  auto id = h.host_id();
  CHECK(id.size() == 32);
  CHECK(host_config(t.path).host_id() == id);
  CHECK(h.location() == "0.0.0");
}

TEST_CASE("one-value settings: first line that is not empty or a comment, trimmed") {
  temp_dir t;
  host_config h(t.path);
  CHECK_FALSE(h.setting("ka_server"));
  {
    std::ofstream f(h.setting_path("ka_server"));
    f << "# the KA server of update-license\n\n  ka.example.com:8443 \t\nother\n";
  }
  CHECK(h.setting("ka_server") == "ka.example.com:8443");
  {
    std::ofstream f(h.setting_path("license_public_key"));
    f << "# nothing here\n   \n";
  }
  CHECK_FALSE(h.setting("license_public_key"));
}

TEST_CASE("bs.list: entries added once, default port 2510, comments skipped") {
  temp_dir t;
  host_config h(t.path);
  CHECK(h.bs_list("c").empty());
  h.add_to_bs_list("c", {"10.0.0.1", 2510});
  h.add_to_bs_list("c", {"10.0.0.1", 2510});
  h.add_to_bs_list("c", {"::1", 4110});
  auto l = h.bs_list("c");
  REQUIRE(l.size() == 2);
  CHECK(l[1].host == "::1");
  CHECK(l[1].port == 4110);
}

TEST_CASE("endpoints parse IPv4, IPv6 and ports; bad ones explain themselves") {
  CHECK(parse_endpoint("10.30.100.101")->port == 0);
  CHECK(parse_endpoint("10.30.100.101:4110")->port == 4110);
  CHECK(parse_endpoint("[::1]:2510")->host == "::1");
  CHECK(parse_endpoint("fd00::1")->host == "fd00::1");
  std::string err;
  CHECK_FALSE(parse_endpoint("1.2.3.4:99999", &err));
  CHECK(err.find("out of range") != std::string::npos);
  CHECK_FALSE(parse_endpoint("1.2.3.4:x", &err));
  CHECK_FALSE(parse_endpoint("", &err));
}

TEST_CASE("password digest: salted, stable for the right password, file round trip") {
  auto d = make_auth_digest("pcs1", "secret");
  CHECK(d.digest == derive_digest("secret", d.salt, d.iterations));
  CHECK_FALSE(digest_equal(d.digest, derive_digest("Secret", d.salt, d.iterations)));
  CHECK(make_auth_digest("pcs1", "secret").salt != d.salt);
  auto text = d.serialize();
  CHECK(text.find("secret") == std::string::npos);
  auto back = auth_digest::parse(text);
  REQUIRE(back);
  CHECK(back->digest == d.digest);
  CHECK_FALSE(auth_digest::parse("garbage"));
}

TEST_CASE("MDS store keeps cluster identity and CS ids across reopen; ids start at 1025") {
  temp_dir t;
  auto path = mds_store::db_path(t.path).string();
  {
    mds_store s(path);
    s.init_cluster("pcs1", 1, "127.0.0.1:2510", make_auth_digest("pcs1", "pw"));
    CHECK_THROWS_AS(s.init_cluster("pcs1", 1, "x", make_auth_digest("pcs1", "pw")), store_error);
    cs_record r;
    r.repo_uuid = "a";
    CHECK(s.add_cs(r) == 1025);
    CHECK(s.add_cs(r) == 1026);
  }
  mds_store s(path);
  CHECK(s.cluster() == "pcs1");
  CHECK(s.self_address() == "127.0.0.1:2510");
  CHECK(s.css().size() == 2);
  cs_record r;
  CHECK(s.add_cs(r) == 1027);
}

TEST_CASE("CS repository keeps its id and settings; a second make-cs in it is refused") {
  temp_dir t;
  cs_settings s;
  s.cluster = "pcs1";
  s.repo_uuid = "u";
  s.tier = 2;
  s.checksums = false;
  cs_repo::create(t.path, s);
  CHECK_THROWS_AS(cs_repo::create(t.path, s), store_error);
  {
    cs_repo r(cs_repo::db_path(t.path).string());
    r.set_cs_id(1030);
  }
  cs_repo r(cs_repo::db_path(t.path).string());
  auto got = r.settings();
  CHECK(got.cs_id == 1030);
  CHECK(got.tier == 2);
  CHECK_FALSE(got.checksums);
}
