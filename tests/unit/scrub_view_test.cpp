// Unit tests of what scrub status / stat / top print about scrubbing
// (frontends/common/scrub_view.hpp).
#include <doctest/doctest.h>

#include "frontends/common/scrub_view.hpp"

using namespace pstorage::frontend;
using nlohmann::json;

namespace {
json running(uint64_t done, uint64_t total, uint64_t elapsed_ms, uint64_t bad = 0) {
  return {{"state", "running"}, {"chunks_done", done},      {"chunks_total", total}, {"bytes_done", done * 1000},
          {"bytes_total", total * 1000}, {"started_ns", 5},  {"elapsed_ms", elapsed_ms}, {"bad_found", bad}};
}
}  // namespace

TEST_CASE("progress, rate and ETA of a running scrub come from its own elapsed time") {
  auto v = scrub_view_of(running(30, 120, 10000));
  CHECK(v.percent == doctest::Approx(25));
  REQUIRE(v.chunks_per_s);
  CHECK(*v.chunks_per_s == doctest::Approx(3.0));
  REQUIRE(v.eta_s);
  CHECK(*v.eta_s == doctest::Approx(30.0));  // 90 left at 3/s
  REQUIRE(v.bytes_per_s);
  CHECK(*v.bytes_per_s == doctest::Approx(3000.0));
}

TEST_CASE("no rate nor ETA before a chunk is done or a second has passed, none when not running") {
  CHECK_FALSE(scrub_view_of(running(0, 10, 5000)).chunks_per_s);
  CHECK_FALSE(scrub_view_of(running(0, 10, 5000)).eta_s);
  CHECK_FALSE(scrub_view_of(running(3, 10, 500)).eta_s);
  auto done = running(10, 10, 4000);
  done["state"] = "scheduled";
  auto v = scrub_view_of(done);
  CHECK(v.percent == doctest::Approx(100));
  CHECK_FALSE(v.chunks_per_s);
  json empty_run = {{"state", "idle"}, {"started_ns", 9}, {"chunks_total", 0}};
  CHECK(scrub_view_of(empty_run).percent == doctest::Approx(100));
  CHECK(scrub_view_of(json::object()).state == "idle");
  CHECK(scrub_view_of(json::object()).percent == 0);
}

TEST_CASE("the header line sums the running CSs, takes the slowest ETA and fits 80 columns") {
  json stat = {{"cs", json::array({{{"id", 1025}, {"scrub", running(30, 120, 10000, 1)}},
                                   {{"id", 1026}, {"scrub", running(10, 20, 10000)}},
                                   {{"id", 1027}, {"scrub", {{"state", "scheduled"}}}}})}};
  CHECK(scrub_line(stat) == "Scrubbing: 2 running, 29% (40/140 chunks), 4.0 chunks/s, ETA 30s, 1 bad");
  json idle = {{"cs", json::array({{{"id", 1027}, {"scrub", {{"state", "scheduled"}}}}})}};
  CHECK(scrub_line(idle) == "");
  json worst = {{"cs", json::array({{{"id", 1025}, {"scrub", running(1, 99999999, 999999999, 99999)}}})}};
  for (int i = 0; i < 20; ++i) worst["cs"].push_back(worst["cs"][0]);
  CHECK(scrub_line(worst).size() <= 80);
}

TEST_CASE("scrub status: one line per CS (dropped ones left out) and the JSON form") {
  json stat = {{"cs", json::array({{{"id", 1025}, {"status", "active"}, {"scrub", running(30, 120, 10000, 1)}},
                                   {{"id", 1026}, {"status", "dropped"}, {"scrub", running(1, 2, 1000)}},
                                   {{"id", 1027},
                                    {"status", "active"},
                                    {"scrub",
                                     {{"state", "scheduled"}, {"chunks_done", 7}, {"chunks_total", 7},
                                      {"started_ns", 1}, {"last_completed_ns", 1700000000000000000},
                                      {"last_cycle_ms", 2000}}}}})}};
  auto lines = scrub_status_lines(stat);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].find("1025  running") == 0);
  CHECK(lines[1].find(" 25% 30/120") != std::string::npos);
  CHECK(lines[1].find("3.0 chunks/s") != std::string::npos);
  CHECK(lines[1].find("ETA 30s") != std::string::npos);
  CHECK(lines[1].find("never") != std::string::npos);
  CHECK(lines[2].find("1027  scheduled  100% 7/7") == 0);
  CHECK(lines[2].find("(2s)") != std::string::npos);
  auto j = scrub_status_json(stat);
  REQUIRE(j.size() == 2);
  CHECK(j[0]["id"] == 1025);
  CHECK(j[0]["eta_s"].get<double>() == doctest::Approx(30));
  CHECK(j[1]["percent"].get<double>() == doctest::Approx(100));
  CHECK_FALSE(j[1].contains("eta_s"));
}
