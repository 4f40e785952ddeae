// alloc_order.hpp — chunk allocations proposed in the order of their ids.
//
// The master gives a new chunk its id when it starts the allocation, then
// waits for the CSs to create the replicas, then proposes cmd_alloc_chunk.
// md.db refuses a chunk id not above every id allocated before it ("chunk id
// N is not new", md_store.cpp: ids are never reused, so a stale replica of a
// deleted chunk can never pass for a new one). Two allocations whose CS
// answers come back in the other order (after a master change, when parked
// writes of several chunks allocate at once) would propose the larger id
// first, and the smaller one's commit was refused: the writer's fsync got
// EINVAL (tests/integration/mds_failover.sh with fio, 1 run in 2 before).
// This gate holds an allocation's proposal until every smaller id still
// waiting for its CSs has proposed or given up. Pure; mds_files_actor.cpp
// allocate_chunk uses it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace pstorage::mds {

class alloc_order {
 public:
  using action = std::function<void()>;

  // Id `id` was given to an allocation that now waits for its CSs.
  void begin(uint64_t id) { waiting_.insert(id); }

  // The allocation of `id` is ready to propose (`propose` non-empty) or gave
  // up (`propose` empty: it proposes nothing and blocks nobody any more).
  // Returns the proposals to run now, in id order: `id`'s own once no
  // smaller id still waits, and those held for it.
  std::vector<action> finish(uint64_t id, action propose) {
    waiting_.erase(id);
    if (propose) held_.emplace(id, std::move(propose));
    std::vector<action> now;
    while (!held_.empty() && (waiting_.empty() || held_.begin()->first < *waiting_.begin())) {
      now.push_back(std::move(held_.begin()->second));
      held_.erase(held_.begin());
    }
    return now;
  }

  size_t waiting() const { return waiting_.size(); }
  size_t held() const { return held_.size(); }

 private:
  std::set<uint64_t> waiting_;        // ids whose CSs have not answered yet
  std::map<uint64_t, action> held_;   // ready, held for a smaller waiting id
};

}  // namespace pstorage::mds
