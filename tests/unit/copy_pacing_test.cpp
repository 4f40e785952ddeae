// Tests of actors/cs/copy_pacing.hpp: mds.repl.bandwidth on a copy.
#include "actors/cs/copy_pacing.hpp"

#include <doctest/doctest.h>

using pstorage::cs::copy_pace_delay;
using namespace std::chrono;

TEST_CASE("unlimited or nothing copied yet: no wait") {
  CHECK(copy_pace_delay(64 << 20, 0, nanoseconds(0)) == nanoseconds(0));
  CHECK(copy_pace_delay(0, 1 << 20, nanoseconds(0)) == nanoseconds(0));
}

TEST_CASE("the next piece waits until done / rate seconds after the start") {
  const uint64_t MiB = 1 << 20;
  CHECK(copy_pace_delay(MiB, MiB, milliseconds(0)) == seconds(1));
  CHECK(copy_pace_delay(MiB, MiB, milliseconds(300)) == milliseconds(700));
  CHECK(copy_pace_delay(4 * MiB, 2 * MiB, milliseconds(1500)) == milliseconds(500));
  CHECK(copy_pace_delay(MiB, MiB, seconds(2)) == nanoseconds(0));  // behind schedule: go on
}

TEST_CASE("huge values do not overflow") {
  CHECK(copy_pace_delay(UINT64_MAX, 1, nanoseconds(0)) > hours(24 * 365));
}
