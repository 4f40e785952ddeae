// The repair's pass choice and the sliced full scan (actors/repair/
// full_scan.hpp), and stat's chunk-state table (chunk_state_table.hpp):
// slices cover every id once, in order; the table's counts equal a recount
// of what was recorded after a random sequence of sets, erases and scans.
#include <doctest/doctest.h>

#include <limits>
#include <map>
#include <random>

#include "actors/repair/chunk_state_table.hpp"
#include "actors/repair/full_scan.hpp"

using namespace pstorage::repair;
using pstorage::mds::chunk_state;

TEST_CASE("small clusters scan whole every pass; big ones start a sliced scan when due, else take the queue") {
  pass_inputs in;
  in.chunks = whole_scan_below - 1;
  CHECK(choose_pass(in) == pass_kind::whole_scan);  // even with the status unknown, as before the queue
  in.chunks = whole_scan_below;
  CHECK(choose_pass(in) == pass_kind::queue_batch);  // status unknown: not yet
  in.status_known = true;
  CHECK(choose_pass(in) == pass_kind::queue_batch);  // not due
  in.scan_due = true;
  CHECK(choose_pass(in) == pass_kind::start_scan);
  in.scan_running = true;
  CHECK(choose_pass(in) == pass_kind::queue_batch);  // its slices go on as their own messages
  in.scan_running = false;
  in.scan_due = false;
  in.marks_lost = true;
  CHECK(choose_pass(in) == pass_kind::start_scan);
  CHECK(scan_interval(1000000) == std::chrono::seconds(40));
}

TEST_CASE("a sliced scan covers every id exactly once, in order, and ends at the table's end") {
  std::mt19937_64 rng(3);
  for (size_t rows : {1u, 3u, 7u, 64u}) {
    CAPTURE(rows);
    std::vector<uint64_t> table;
    for (uint64_t id = 1; table.size() < 200; ++id)
      if (rng() % 3) table.push_back(id);
    scan_cursor cur(rows);
    cur.start();
    std::vector<uint64_t> seen;
    uint64_t next_from = 0;
    int slices = 0;
    while (cur.running()) {
      REQUIRE(++slices <= 1000);
      CHECK(cur.from() == next_from);
      std::vector<uint64_t> slice;
      for (auto id : table)
        if (id >= cur.from() && slice.size() < cur.rows()) slice.push_back(id);
      auto c = cur.advance(slice);
      CHECK(c.from == next_from);
      for (auto id : slice) CHECK((id >= c.from && id <= c.to));
      // every table id in [from, to] is in the slice: nothing skipped
      for (auto id : table)
        if (id >= c.from && id <= c.to) CHECK(std::count(slice.begin(), slice.end(), id) == 1);
      seen.insert(seen.end(), slice.begin(), slice.end());
      if (c.last) CHECK(c.to == std::numeric_limits<uint64_t>::max());
      else next_from = c.to + 1;
    }
    CHECK(seen == table);
    CHECK(cur.scanned() == table.size());
    CHECK(slices == static_cast<int>(table.size() / rows + 1));
  }
}

TEST_CASE("the chunk-state table's counts equal a recount after random sets, erases and range scans") {
  std::mt19937_64 rng(11);
  chunk_state_table t;
  std::map<uint64_t, chunk_state> ref;
  auto recount_ok = [&] {
    pstorage::mds::chunk_counts c;
    for (auto& [id, s] : ref) c.add(s);
    if (c.total != t.counts().total || c.by_state != t.counts().by_state) return false;
    for (auto& [id, s] : ref)
      if (t.get(id) != s) return false;
    return true;
  };
  for (int step = 0; step < 5000; ++step) {
    const uint64_t id = rng() % 20000;  // several pages of 4096 ids
    const auto k = rng() % 10;
    if (k < 6) {
      auto s = static_cast<chunk_state>(rng() % pstorage::mds::chunk_state_count);
      t.set(id, s);
      ref[id] = s;
    } else if (k < 8) {
      t.erase(id);
      ref.erase(id);
    } else {
      const uint64_t to = id + rng() % 9000;
      std::vector<uint64_t> present;
      for (auto it = ref.lower_bound(id); it != ref.end() && it->first <= to;)
        if (rng() % 2) {
          present.push_back(it->first);
          ++it;
        } else {
          it = ref.erase(it);
        }
      t.erase_range_except(id, to, present);
    }
    if (step % 97 == 0) REQUIRE(recount_ok());
  }
  CHECK(recount_ok());
  t.erase_range_except(0, std::numeric_limits<uint64_t>::max(), {});
  CHECK(t.size() == 0);
  CHECK_FALSE(t.get(5));
}
