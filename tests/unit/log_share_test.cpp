// make-report's log tails from other nodes (frontends/common/log_share.hpp):
// only a host holding the cluster's auth digest may ask, within the clock
// window; the answer is the tail of each log file. POST /config: the same
// check; the answer holds only the whitelisted configuration files and the
// repository's settings and entry names, never a key file or a database.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "frontends/common/log_share.hpp"

using namespace pstorage::frontend;
namespace fs = std::filesystem;

namespace {
const std::string digest(32, '\x5a');
constexpr int64_t now = 1'800'000'000;
}  // namespace

TEST_CASE("a request signed with the cluster's digest is accepted, anything else refused with why") {
  auto good = log_share::request(digest, "pcs1", now);
  CHECK_FALSE(log_share::check(good, digest, "pcs1", now));
  CHECK_FALSE(log_share::check(good, digest, "pcs1", now + log_share::max_skew_s));
  CHECK(good.dump().find(std::string(32, '\x5a')) == std::string::npos);  // the digest does not travel
  // Another digest (a host not authenticated to this cluster).
  auto other = log_share::request(std::string(32, 'x'), "pcs1", now);
  REQUIRE(log_share::check(other, digest, "pcs1", now));
  CHECK(log_share::check(other, digest, "pcs1", now)->find("wrong proof") != std::string::npos);
  // Replayed too late, or with the time changed.
  CHECK(log_share::check(good, digest, "pcs1", now + log_share::max_skew_s + 1)->find("clock") != std::string::npos);
  auto moved = good;
  moved["time"] = now + 10;
  CHECK(log_share::check(moved, digest, "pcs1", now)->find("wrong proof") != std::string::npos);
  // Another cluster, a malformed body, a daemon without a digest.
  CHECK(log_share::check(good, digest, "pcs2", now));
  CHECK(log_share::check(nlohmann::json::object(), digest, "pcs1", now));
  CHECK(log_share::check(good, "", "pcs1", now));
}

TEST_CASE("the answer: the tail of each .log file, 403 without a good proof") {
  const fs::path dir = fs::temp_directory_path() / ("log_share_test." + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "csd.log") << std::string(100, 'a') << "last line\n";
  std::ofstream(dir / "other.txt") << "not a log\n";
  std::ofstream(dir / "bad.log") << "\xff\xfe invalid UTF-8\n";
  auto t = log_share::tails(dir, 10);
  REQUIRE(t["files"].size() == 2);
  CHECK(t["files"][1]["name"] == "csd.log");
  CHECK(t["files"][1]["text"] == "last line\n");  // the last 10 bytes
  CHECK(t["files"][1]["bytes"] == 110);
  auto [code, body] = log_share::answer(log_share::request(digest, "pcs1", now).dump(), digest, "pcs1", dir, now);
  CHECK(code == 200);
  auto j = nlohmann::json::parse(body);
  CHECK(j["files"].size() == 2);
  CHECK(j["files"][1]["text"].get<std::string>().find("last line") != std::string::npos);
  auto [refused, why] = log_share::answer("{\"cluster\":\"pcs1\",\"time\":1,\"proof\":\"00\"}", digest, "pcs1", dir, now);
  CHECK(refused == 403);
  CHECK(why.find("clock") != std::string::npos);
  CHECK(log_share::answer("not json", digest, "pcs1", dir, now).first == 403);
  fs::remove_all(dir);
}

TEST_CASE("only known-safe configuration files go in (the one whitelist)") {
  CHECK(log_share::config_file_allowed("host_id", "pcs1"));
  CHECK(log_share::config_file_allowed("location", "pcs1"));
  CHECK(log_share::config_file_allowed("services", "pcs1"));
  CHECK(log_share::config_file_allowed("clusters/pcs1/bs.list", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("clusters/pcs1/auth_digest.key", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("clusters/pcs1/node.key", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("clusters/pcs1/ca.key", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("clusters/other/bs.list", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("clusters/pcs1/../other/bs.list", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("license_public_key", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("license.pem", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("ssh/id_rsa", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("/etc/shadow", "pcs1"));
  CHECK_FALSE(log_share::config_file_allowed("", "pcs1"));
}

TEST_CASE("POST /config: the whitelisted files and the repository's settings, nothing secret, 403 without a proof") {
  const fs::path dir = fs::temp_directory_path() / ("log_share_config_test." + std::to_string(::getpid()));
  const fs::path root = dir / "etc", repo = dir / "repo";
  fs::create_directories(root / "clusters" / "pcs1");
  fs::create_directories(root / "clusters" / "other");
  fs::create_directories(repo / "logs");
  std::ofstream(root / "host_id") << "0123456789abcdef0123456789abcdef\n";
  std::ofstream(root / "services") << "cs pcs1 /srv/cs1\n";
  std::ofstream(root / "clusters" / "pcs1" / "bs.list") << "10.0.0.1:2510\n";
  // Secrets beside them: none may be in the answer.
  std::ofstream(root / "clusters" / "pcs1" / "auth_digest.key") << "pstorage-auth-v1 pcs1 SALTSECRET 1000 DIGESTSECRET\n";
  std::ofstream(root / "clusters" / "pcs1" / "node.key") << "-----BEGIN PRIVATE KEY-----\nKEYSECRET\n-----END PRIVATE KEY-----\n";
  std::ofstream(root / "clusters" / "other" / "bs.list") << "OTHERCLUSTER:2510\n";
  std::ofstream(root / "password.conf") << "password=PWSECRET\n";
  fs::create_symlink(root / "clusters" / "pcs1" / "auth_digest.key", root / "location");  // a symlink is not followed
  std::ofstream(repo / "cs.db") << "DBSECRET";
  std::ofstream(repo / "repo.conf") << "password=REPOSECRET\n";

  auto f = log_share::config_files(root, "pcs1")["files"];
  REQUIRE(f.size() == 3);
  CHECK(f[0]["name"] == "host_id");
  CHECK(f[0]["text"] == "0123456789abcdef0123456789abcdef\n");
  CHECK(f[0]["bytes"] == 33);
  CHECK(f[1]["name"] == "services");
  CHECK(f[2]["name"] == "clusters/pcs1/bs.list");
  CHECK(f[2]["text"] == "10.0.0.1:2510\n");

  const nlohmann::json settings = {{"kind", "cs"}, {"cluster", "pcs1"}, {"cs_id", 1025}};
  auto [code, body] =
      log_share::config_answer(log_share::request(digest, "pcs1", now).dump(), digest, "pcs1", root, repo, settings, now);
  REQUIRE(code == 200);
  for (const char* secret : {"SALTSECRET", "DIGESTSECRET", "KEYSECRET", "PRIVATE KEY", "OTHERCLUSTER", "PWSECRET",
                             "DBSECRET", "REPOSECRET", "pstorage-auth-v1"})
    CHECK_MESSAGE(body.find(secret) == std::string::npos, secret);
  auto j = nlohmann::json::parse(body);
  CHECK(j["files"].size() == 3);
  auto r = j["repository"];
  CHECK(r["kind"] == "cs");
  CHECK(r["cs_id"] == 1025);
  CHECK(r["path"] == fs::absolute(repo).string());
  REQUIRE(r["entries"].size() == 3);  // names, kinds and sizes only
  CHECK(r["entries"][0] == nlohmann::json{{"name", "cs.db"}, {"kind", "file"}, {"bytes", 8}});
  CHECK(r["entries"][1] == nlohmann::json{{"name", "logs"}, {"kind", "directory"}});
  CHECK(r["entries"][2]["name"] == "repo.conf");

  // The same proof check as POST /log.
  auto [refused, why] =
      log_share::config_answer(log_share::request(std::string(32, 'x'), "pcs1", now).dump(), digest, "pcs1", root,
                               repo, settings, now);
  CHECK(refused == 403);
  CHECK(why.find("wrong proof") != std::string::npos);
  CHECK(why.find("host_id") == std::string::npos);
  CHECK(log_share::config_answer("{}", digest, "pcs1", root, repo, settings, now).first == 403);
  fs::remove_all(dir);
}
