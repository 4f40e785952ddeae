// get-event's pure part (frontends/cli/event_query.hpp): --since forms and
// the cursor that walks the event log across answers.
#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

#include "frontends/cli/event_query.hpp"

using namespace pstorage::cli;

namespace {
constexpr int64_t s = 1000000000;
struct utc_zone {  // local time = UTC while a test runs
  utc_zone() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};
nlohmann::json ev(int64_t id, int64_t t) { return {{"id", id}, {"time_ns", t}, {"text", "e" + std::to_string(id)}}; }
}  // namespace

TEST_CASE("--since: durations count back from now") {
  const int64_t now = 1796600000 * s;
  std::string why;
  CHECK(parse_since("30s", now, &why) == now - 30 * s);
  CHECK(parse_since("10m", now, &why) == now - 600 * s);
  CHECK(parse_since("2h", now, &why) == now - 7200 * s);
  CHECK(parse_since("1d", now, &why) == now - 86400 * s);
  CHECK(parse_since("@1796600000", now, &why) == 1796600000 * s);
}

TEST_CASE("--since: local dates and times, also as the TIME column prints them") {
  utc_zone utc;
  std::string why;
  const int64_t day = 1796515200 * s;  // 2026-12-06 00:00:00 UTC
  CHECK(parse_since("2026-12-06", 0, &why) == day);
  CHECK(parse_since("2026-12-06 23:40", 0, &why) == day + (23 * 3600 + 40 * 60) * s);
  CHECK(parse_since("2026-12-06T23:40:05", 0, &why) == day + (23 * 3600 + 40 * 60 + 5) * s);
  CHECK(parse_since("2026-12-06 23:40:05", 0, &why) == day + (23 * 3600 + 40 * 60 + 5) * s);
  CHECK(parse_since("06-12-26 23:40:05", 0, &why) == day + (23 * 3600 + 40 * 60 + 5) * s);
}

TEST_CASE("--since: anything else is refused with the accepted forms") {
  for (const char* bad : {"", "yesterday", "10", "10x", "m", "2026-02-31", "2026-13-01", "2026-12-06 24:00",
                          "@", "@12a", "2026-12-06 23:40:05 extra", "-5m"}) {
    std::string why;
    CAPTURE(bad);
    CHECK_FALSE(parse_since(bad, 1796600000 * s, &why));
    CHECK(why.find("30s, 10m, 2h, 1d") != std::string::npos);
  }
}

TEST_CASE("the cursor goes on after the newest id and never repeats an event") {
  event_cursor c;
  auto a = c.take(nlohmann::json::array({ev(1, 10), ev(2, 20), ev(3, 30)}));
  CHECK(a.size() == 3);
  CHECK(c.after_id() == 3);
  // A repeated or overlapping answer (a new master answering the same request)
  auto b = c.take(nlohmann::json::array({ev(3, 30), ev(4, 40)}));
  REQUIRE(b.size() == 1);
  CHECK(b[0]["id"] == 4);
  CHECK(c.after_id() == 4);
  CHECK(c.take(nlohmann::json::array()).empty());
  CHECK(c.after_id() == 4);
}

TEST_CASE("--since drops older events but the cursor still moves past them") {
  event_cursor c(25);
  // Event 3 has an earlier time than event 2 (another master's clock).
  auto a = c.take(nlohmann::json::array({ev(1, 10), ev(2, 30), ev(3, 20), ev(4, 40)}));
  REQUIRE(a.size() == 2);
  CHECK(a[0]["id"] == 2);
  CHECK(a[1]["id"] == 4);
  CHECK(c.after_id() == 4);
}
