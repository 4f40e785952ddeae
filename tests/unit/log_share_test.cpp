// make-report's log tails from other nodes (frontends/common/log_share.hpp):
// only a host holding the cluster's auth digest may ask, within the clock
// window; the answer is the tail of each log file.
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

TEST_CASE("the answer: the tail of each .log file; 403 without a good proof") {
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
