#include <doctest/doctest.h>

#include <cerrno>

#include "actors/client/retry_policy.hpp"

using namespace pstorage::client;
using std::chrono::milliseconds;

TEST_CASE("backoff doubles from 100 ms and stays at 1 s") {
  CHECK(backoff_delay(0) == milliseconds(100));
  CHECK(backoff_delay(1) == milliseconds(200));
  CHECK(backoff_delay(3) == milliseconds(800));
  CHECK(backoff_delay(4) == milliseconds(1000));
  CHECK(backoff_delay(1000) == milliseconds(1000));
}

TEST_CASE("chunk map answers") {
  CHECK(on_map_answer(0, 0, false).what == action::done);
  SUBCASE("below MIN: writes block, they do not fail") { CHECK(on_map_answer(7, 0, false).what == action::wait_retry); }
  SUBCASE("no space waits unless --fail-on-nospace") {
    CHECK(on_map_answer(5, 0, false).what == action::wait_retry);
    CHECK(on_map_answer(5, 0, true) == decision{action::fail, ENOSPC});
  }
  SUBCASE("the MDS's errno is passed through") {
    CHECK(on_map_answer(4, ENOENT, false) == decision{action::fail, ENOENT});
    CHECK(on_map_answer(9, EBUSY, false) == decision{action::fail, EBUSY});
    CHECK(on_map_answer(9, 0, false) == decision{action::fail, EBUSY});
    CHECK(on_map_answer(6, 0, false) == decision{action::fail, EIO});
  }
  CHECK(on_map_answer(8, 0, false).what == action::refresh_map);
}

TEST_CASE("chain write answers") {
  CHECK(on_chain_answer(false, 0, 0, 1025).what == action::done);
  SUBCASE("no answer from the first CS reports the first CS") {
    CHECK(on_chain_answer(true, 0, 0, 1025) == decision{action::report_failure, 0, 1025});
  }
  SUBCASE("a failure down the chain reports the named CS") {
    CHECK(on_chain_answer(false, 6, 1027, 1025) == decision{action::report_failure, 0, 1027});
  }
  SUBCASE("stale version refreshes the map without a report") {
    CHECK(on_chain_answer(false, 8, 1026, 1025).what == action::refresh_map);
  }
  SUBCASE("an error without a culprit reports the first CS") {
    CHECK(on_chain_answer(false, 6, 0, 1025) == decision{action::report_failure, 0, 1025});
  }
}

TEST_CASE("read answers fail over to the next replica") {
  CHECK(on_read_answer(false, 0).what == action::done);
  CHECK(on_read_answer(true, 0).what == action::next_replica);
  CHECK(on_read_answer(false, 6).what == action::next_replica);
  auto c = on_read_answer(false, 10);
  CHECK(c.what == action::next_replica);
  CHECK(c.checksum);
  CHECK_FALSE(on_read_answer(false, 6).checksum);
  CHECK(on_read_answer(false, 8).what == action::refresh_map);
}
