// repair_queue.hpp — which chunks the repair planner looks at next (issue
// 15 "Repair and rebalance become incremental"; docs/scale.md). Pure: no
// CAF, no SQLite.
//
// Instead of classifying every chunk of the cluster on every tick, the MDS
// marks the chunks whose state may have changed — those of a CS whose
// status changed (chunks_on(cs), indexed), those a journaled command
// touched, those with a new bad-replica report — and the planner loads and
// plans only the front of this queue, a bounded batch per tick. After
// planning, settle() keeps a chunk at the rank of its danger (pending
// first, as the guide's "Exploring Chunk States" orders them) while work
// remains, or drops it once nothing is left to do now (healthy, or waiting
// for a CS whose next status change marks it again).
//
// Order: fresh marks (rank 0: not classified yet) first, then pending,
// blocked, urgent, degraded, then other work (overcommitted, stale or bad
// replicas, a job running); ties by chunk id.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "actors/mds/chunk_state.hpp"
#include "protocol/md_model/md_command.hpp"

namespace pstorage::repair {

inline constexpr uint8_t rank_fresh = 0;
inline constexpr uint8_t rank_other = 5;
inline constexpr size_t rank_count = 6;

// The rank a planned chunk keeps in the queue, nullopt when it can leave:
//   being deleted / no file                     -> leaves
//   a replica on an inactive CS, no job running -> leaves (nothing is copied
//                                                  for it; the CS's next status
//                                                  change marks it)
//   pending 1, blocked 2, urgent 3, degraded 4   (danger_state)
//   offline (no live replica)                   -> leaves (a CS's return marks it)
//   overcommitted, stale / bad / deleted replicas, or `busy` (a job runs) -> 5
//   otherwise (healthy)                         -> leaves
std::optional<uint8_t> repair_rank(const mds::chunk_view& v, bool busy);

// What an applied journal command may have changed for repair: chunks
// (alloc, drop, fence, confirm), files whose chunks change (set-attr
// replicas / tier / domain, truncate), CSs whose chunks' domains changed
// (a registration's new details, a drop) — or anything (`all`: cluster
// parameters, a recursive set-attr): a full scan.
struct command_marks {
  std::vector<uint64_t> chunks;
  std::vector<uint64_t> files;
  std::vector<uint32_t> css;
  bool all = false;
};
command_marks repair_marks(const mds::md_command& c);

class repair_queue {
 public:
  // The chunk's state may have changed: evaluate it first.
  void mark(uint64_t chunk);
  // The `n` chunks to evaluate now, most urgent first.
  std::vector<uint64_t> front(size_t n) const;
  // After planning: keep at `rank`, or drop (nullopt).
  void settle(uint64_t chunk, std::optional<uint8_t> rank);
  void drop(uint64_t chunk) { settle(chunk, std::nullopt); }
  bool contains(uint64_t chunk) const { return rank_.count(chunk) > 0; }
  size_t size() const { return rank_.size(); }
  // Chunks at ranks [from, to].
  uint64_t count(uint8_t from, uint8_t to) const;

 private:
  std::set<std::pair<uint8_t, uint64_t>> order_;
  std::unordered_map<uint64_t, uint8_t> rank_;
  std::array<uint64_t, rank_count> per_rank_{};
};

}  // namespace pstorage::repair
