// rebalance_planner.hpp — which chunk replicas to move between chunk servers
// while nothing needs repair. Pure decision logic: no CAF, no SQLite, no
// clock, no randomness; the same view always gives the same moves. The
// repair actor runs each move as a fenced copy to `to_cs` followed, once the
// copy is confirmed, by the journaled drop of the replica on `from_cs`, so a
// chunk never has fewer live replicas than its norm.
//
// Spec (administrator's guide):
//  * "Using Storage Tiers": "if you try to write data to the tier 2 and it is
//    full, Parallels Cloud Storage will attempt to write that data to tier 1,
//    then to tier 0, and then to tier 3. If you add more storage to tier 2
//    later, the aforementioned data, now stored on the tier 1, or 0, or 3,
//    will be moved back to the tier 2 where it was meant to be stored
//    originally."                                        -> tier_return
//  * "Automatic Data Balancing": chunks are moved "from drives under high
//    load to those under less load" on the same tier.   -> fill
//  * "Recommendations on Failure Domains": the domain policy is strict
//    (default) or advisory (mds.alloc.strict_failure_domain); rebalancing
//    never breaks it.
//  Issue 4: rebalancing is "throttled below recovery".
//
// Rules (pinned by tests/unit/rebalance_planner_test.cpp):
//  1. Nothing at all when max_moves == 0 (mds.repl.rebalance_jobs=0), when
//     recovery work exists (`recovery_work` > 0: chunks queued, deferred or
//     being copied by repair, or the repair planner is halted), or when
//     `running_moves` already reach max_moves. `idle_reason` says why.
//  2. Movable chunk: has a file, is not being deleted, and has exactly
//     effective_norm replicas, every one live (current version, sound, not
//     being copied or deleted) on a CS that is in the CS list and active.
//     Anything else is repair's business.
//  3. A move (from -> to) is allowed only if `to` is active, does not hold
//     the chunk, has room for the chunk above its reserve (placement's
//     has_room, mds.alloc.fill_margin / free_space_margin, with the space of
//     moves planned before in this plan), both CSs have a job slot
//     (load < max_jobs_per_cs, planned moves counted), and the replicas after
//     the move keep the failure-domain rule at the chunk's level: strict =
//     the target's domain holds none of the chunk's replicas other than the
//     source (actors/mds/placement_domains.hpp rules 1, 2: the source gives
//     way), so a move between two disks of one host is allowed when the
//     chunk's other replicas are elsewhere (issue 15). The copy and its
//     source coexist only inside the copy's hold: once the copy is
//     confirmed the source is dropped in that hold, even if the chunk
//     changed meanwhile (rule 3; before it, a cut-short move inside one
//     domain left two replicas there: pstorage-sim --scenario
//     data-rebalance); advisory = no fewer distinct domains than before.
//     Never two replicas on one CS.
//  4. tier_return first: a replica on a CS whose tier differs from the
//     chunk's wanted tier moves to a CS of the wanted tier (chunks by id,
//     replicas by CS id).
//  5. fill: within one tier, from the CS with the highest fill fraction
//     (used / total, projected with the moves planned so far; ties: lower
//     id) to the one with the lowest (ties: lower load, then lower id), only
//     while source fill - target fill > threshold_percent / 100 and the
//     target stays no fuller than the source after the move (no
//     ping-pong). Only replicas on their chunk's wanted tier move for fill;
//     the source gives its movable chunks in id order. A source with nothing
//     movable is skipped for the rest of the plan.
//  6. At most max_moves - running_moves moves; each uses one job slot on
//     both CSs.
//  7. A pinned replica (rebalance_chunk::pinned) is never a move's source;
//     the chunk's other replicas may move. A cooldown of the whole chunk
//     kept a CS's every replica in place once same-host moves had touched
//     its chunks (pstorage-sim --seed 23 --scenario data-rebalance).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/mds/chunk_state.hpp"
#include "actors/mds/placement.hpp"

namespace pstorage::repair {

enum class move_reason { fill, tier_return };
const char* to_string(move_reason r);  // "fill" | "tier-fallback-return"

// A chunk as rebalancing sees it: replicas plus the file's placement wishes.
struct rebalance_chunk {
  mds::chunk_view view;
  uint32_t tier = 0;                                  // the file's wanted tier
  mds::domain_level domain = mds::domain_level::host; // the file's failure domain
  // Replicas a move just put here (the MDS's cooldown, fill figures lag the
  // moves): never a move's source, so the chunk does not go straight back;
  // its other replicas may still move (rule 7).
  std::vector<uint32_t> pinned;
};

struct rebalance_config {
  uint32_t threshold_percent = 10;  // mds.repl.rebalance_threshold (1..100)
  uint32_t max_moves = 2;           // mds.repl.rebalance_jobs (0 disables)
  uint32_t max_jobs_per_cs = 2;     // mds.repl.max_jobs_per_cs
  uint64_t chunk_size = 64ull << 20;
  mds::placement_tunables placement;  // fill margins, strict_failure_domain
};

// The MDS's view. `css`: every registered CS with its space, location and
// `load` = job slots in use (repair jobs and moves already running);
// `active` false for anything that cannot take part (inactive, offline,
// not connected, being released).
struct rebalance_view {
  std::vector<mds::placement_cs> css;
  std::vector<rebalance_chunk> chunks;
  uint64_t recovery_work = 0;   // see rule 1
  uint32_t running_moves = 0;   // moves started earlier and still running
};

struct rebalance_move {
  uint64_t chunk_id = 0;
  uint64_t version = 0;  // chunk version when planned
  uint32_t from_cs = 0;
  uint32_t to_cs = 0;
  move_reason reason = move_reason::fill;
  std::string why;       // for logs: fill fractions or tiers involved
};

struct rebalance_plan {
  std::vector<rebalance_move> moves;  // tier returns first, then fill moves
  std::string idle_reason;            // set when rule 1 stops all planning
};

rebalance_plan plan_rebalance(const rebalance_view& view, const rebalance_config& cfg);

}  // namespace pstorage::repair
