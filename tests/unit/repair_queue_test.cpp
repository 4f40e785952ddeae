// Tests of actors/repair/repair_queue.hpp: the order in which the planner
// looks at marked chunks, when a chunk leaves the queue, and which chunks a
// journaled command marks (issue 15 "Repair and rebalance become
// incremental"; docs/scale.md).
#include "actors/repair/repair_queue.hpp"

#include <doctest/doctest.h>

using namespace pstorage;
using namespace pstorage::repair;
using mds::cs_status;

namespace {

// A chunk at version 1 with replicas=3:2 on CSs 1..n, statuses as given.
mds::chunk_view chunk(uint64_t id, std::vector<cs_status> st) {
  mds::chunk_view v;
  v.id = id;
  v.norm = 3;
  v.min = 2;
  v.version = 1;
  uint32_t cs = 1;
  for (auto s : st) {
    mds::replica_view r;
    r.cs_id = cs++;
    r.version = 1;
    r.cs = s;
    v.replicas.push_back(r);
  }
  return v;
}

constexpr auto A = cs_status::active;
constexpr auto I = cs_status::inactive;
constexpr auto O = cs_status::offline;

}  // namespace

TEST_CASE("fresh marks come first, then by danger, then by chunk id") {
  repair_queue q;
  q.settle(50, 4);  // degraded
  q.settle(60, 1);  // pending
  q.settle(70, rank_other);
  q.mark(90);
  q.mark(80);
  CHECK(q.front(10) == std::vector<uint64_t>{80, 90, 60, 50, 70});
  CHECK(q.front(2) == std::vector<uint64_t>{80, 90});
  CHECK(q.size() == 5);
  CHECK(q.count(rank_fresh, 4) == 4);
  // Marking a ranked chunk again moves it to the front; settling moves it back.
  q.mark(70);
  CHECK(q.front(1) == std::vector<uint64_t>{70});
  q.settle(70, std::nullopt);
  CHECK_FALSE(q.contains(70));
  CHECK(q.size() == 4);
  CHECK(q.count(rank_fresh, rank_other) == 4);
  q.drop(12345);  // not queued: nothing happens
  CHECK(q.size() == 4);
}

TEST_CASE("a healthy chunk leaves; an endangered one keeps its danger's rank") {
  CHECK_FALSE(repair_rank(chunk(1, {A, A, A}), false));
  CHECK(repair_rank(chunk(1, {A, A, A}), true) == rank_other);  // a job runs for it
  CHECK(repair_rank(chunk(1, {A, A, O}), false) == 2);          // blocked at MIN 2: 2 of 3 live
  CHECK(repair_rank(chunk(1, {A, O, O}), false) <= 2);          // below MIN: blocked or pending
  CHECK_FALSE(repair_rank(chunk(1, {O, O, O}), false));         // offline: waits for a CS to return
  auto v = chunk(1, {A, A, A, A});
  CHECK(repair_rank(v, false) == rank_other);  // overcommitted
  v = chunk(1, {A, A, A});
  v.replicas[2].version = 0;  // stale
  CHECK(repair_rank(v, false).has_value());
  v = chunk(1, {A, A, A});
  v.being_deleted = true;
  CHECK_FALSE(repair_rank(v, false));
}

TEST_CASE("a chunk with a replica on an inactive CS leaves until that CS's status changes") {
  auto v = chunk(1, {A, A, I});  // blocked by counts, one replica standby
  CHECK_FALSE(repair_rank(v, false));
  CHECK(repair_rank(v, true).has_value());  // a job runs for it: stays
}

TEST_CASE("the chunks a journaled command marks") {
  CHECK(repair_marks(mds::cmd_alloc_chunk{2, 0, 7, 1, {1, 2}}).chunks == std::vector<uint64_t>{7});
  CHECK(repair_marks(mds::cmd_drop_replica{8, 1, 2}).chunks == std::vector<uint64_t>{8});
  CHECK(repair_marks(mds::cmd_fence_chunk{9, 2}).chunks == std::vector<uint64_t>{9});
  CHECK(repair_marks(mds::cmd_confirm_replicas{10, 2, {1}}).chunks == std::vector<uint64_t>{10});
  mds::cmd_set_repl one;
  one.ino = 5;
  CHECK(repair_marks(one).files == std::vector<uint64_t>{5});
  one.recursive = true;
  CHECK(repair_marks(one).all);
  mds::cmd_setattr trunc;
  trunc.ino = 6;
  trunc.size = 0;
  CHECK(repair_marks(trunc).files == std::vector<uint64_t>{6});
  mds::cmd_setattr chmod;
  chmod.ino = 6;
  chmod.mode = 0600;
  auto m = repair_marks(chmod);
  CHECK((m.chunks.empty() && m.files.empty() && m.css.empty() && !m.all));
  CHECK(repair_marks(mds::cmd_drop_cs{1030}).css == std::vector<uint32_t>{1030});
  CHECK(repair_marks(mds::cmd_set_param{"mds.alloc.strict_failure_domain", 1}).all);
  CHECK(repair_marks(mds::cmd_set_size{2, 100, 0}).chunks.empty());
}
