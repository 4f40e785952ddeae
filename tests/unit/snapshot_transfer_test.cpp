// The chunked snapshot transfer and the compaction rule
// (actors/election/snapshot_transfer.hpp).
#include <doctest/doctest.h>

#include "actors/election/snapshot_transfer.hpp"

using namespace pstorage::election;

namespace {
transfer_options small() {
  transfer_options o;
  o.chunk_bytes = 10;
  o.window_chunks = 2;
  o.stall_ticks = 3;
  o.give_up_ticks = 8;
  return o;
}
}  // namespace

TEST_CASE("the sender keeps at most the window unacknowledged and finishes when all is acknowledged") {
  snapshot_sender s({2, 50, 35}, small());
  CHECK(s.next() == std::vector<chunk_range>{{0, 10}, {10, 10}});
  CHECK(s.next().empty());  // window full
  s.acked(10);
  CHECK(s.next() == std::vector<chunk_range>{{20, 10}});
  s.acked(30);
  CHECK(s.next() == std::vector<chunk_range>{{30, 5}});  // the last, short chunk
  CHECK_FALSE(s.done());
  s.acked(35);
  CHECK(s.done());
  CHECK(s.next().empty());
}

TEST_CASE("a stalled transfer resends after the acknowledged bytes; a silent one is given up") {
  snapshot_sender s({2, 50, 35}, small());
  CHECK(s.next().size() == 2);
  s.acked(10);
  (void)s.next();
  CHECK(s.tick());
  CHECK(s.tick());
  CHECK(s.next().empty());
  CHECK(s.tick());  // third idle tick: resend from 10
  CHECK(s.next() == std::vector<chunk_range>{{10, 10}, {20, 10}});
  // a repeated acknowledgement (no progress) keeps it alive but idle
  for (int i = 0; i < 7; ++i) {
    s.acked(10);
    CHECK(s.tick());
  }
  for (int i = 0; i < 6; ++i) CHECK(s.tick());
  CHECK_FALSE(s.tick());  // the 8th tick without any answer
}

TEST_CASE("the receiver stores bytes in order only and a new transfer from offset 0 replaces the old") {
  snapshot_receiver r;
  const transfer_id a{2, 50, 25}, b{3, 60, 15};
  CHECK(r.on_chunk(a, 10, 10) == snapshot_receiver::verdict::ignore);  // unknown transfer, not from 0
  CHECK(r.on_chunk(a, 0, 10) == snapshot_receiver::verdict::start);
  r.stored(10);
  CHECK(r.on_chunk(a, 0, 10) == snapshot_receiver::verdict::ignore);   // duplicate
  CHECK(r.on_chunk(a, 20, 5) == snapshot_receiver::verdict::ignore);   // gap
  CHECK(r.on_chunk(a, 10, 10) == snapshot_receiver::verdict::store);
  r.stored(10);
  CHECK(r.held() == 20);
  CHECK(r.on_chunk(a, 20, 10) == snapshot_receiver::verdict::ignore);  // beyond the total
  CHECK(r.on_chunk(b, 0, 10) == snapshot_receiver::verdict::start);   // a newer master's
  r.stored(10);
  CHECK(r.current() == b);
  CHECK(r.on_chunk(b, 10, 5) == snapshot_receiver::verdict::store);
  r.stored(5);
  CHECK(r.complete());
}

TEST_CASE("compaction keeps the newest entries and waits for enough new ones") {
  CHECK_FALSE(compaction_point(0, 100, 200, 50));   // fewer applied than kept
  CHECK_FALSE(compaction_point(0, 240, 200, 50));   // 40 beyond keep: not yet
  CHECK(compaction_point(0, 250, 200, 50) == 50u);
  CHECK_FALSE(compaction_point(50, 290, 200, 50));  // 90 < 50 + 50
  CHECK(compaction_point(50, 300, 200, 50) == 100u);
}
