// repair_support.hpp — pure glue between the MDS's stores and the repair
// planner / chunk classifier / stat: building chunk views, mapping set-config
// values onto the live tunables, event severities, and the replication
// start/complete events. No CAF, no SQLite access, no clock reads.
//
// Spec (administrator's guide, "Exploring Basic Events"):
//   "The cluster is healthy with N active CS"            info
//   "The cluster is degraded with N active, M inactive, K offline CS"  warn
//   "The cluster failed with ..."                         err
//   "The cluster is filled up to N%"                      info, warn at >= 80%
//   "Replication started, N chunks are queued"            info
//   "Replication completed"                               info
//   "CS#N has reported hard error on 'path'"              warn
//   "CS#N has not registered during ... inactive/offline" warn
//   "Failed to allocate N replicas ..."                   (placement) warn
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/mds/chunk_state.hpp"
#include "actors/mds/cluster_params.hpp"
#include "actors/mds/cs_registry.hpp"
#include "actors/mds/placement.hpp"
#include "actors/repair/rebalance_planner.hpp"
#include "actors/repair/repair_planner.hpp"
#include "persistence/md_store.hpp"

namespace pstorage::repair {

// Severity of an event text: "info" | "warn" | "err" (table above; anything
// unknown is info). Fill level: warn at >= 80%. Licenses: EXPIRED and
// INVALID err, GRACED and the expiry warning warn, refused allocations warn.
std::string event_severity(const std::string& text);
// The event's SYS column (guide "Monitoring Event Logs": the component
// where the event happened): "JRN" for the guide's journal events (MDS#N
// became master / lags behind / didn't accept commits / full resync);
// "CS#N" for what CS#N reported itself ("CS#N has reported hard error on
// ..."); "CL#N" / "client" for what a mount reported (client_event_text); else "MDS#<mds_id>", the MDS that raised it (the master; "MDS"
// when mds_id is 0). docs/monitoring.md "Events".
std::string event_source(const std::string& text, uint32_t mds_id);
// The text of an event a mount reported (its SYS is the mount: event_source
// gives "CL#N", its CLID in the clients table, or "client" when it has none;
// severity warn): "CL#2 (node1:412:ab12) reported WHAT", or without a CLID
// "Client node1:412:ab12 reported WHAT".
std::string client_event_text(uint32_t clid, const std::string& client_id, const std::string& what);

// Values of set-config applied to the running MDS.
struct live_config {
  mds::cs_liveness_config liveness;  // mds.wd.inactive_tout, mds.wd.offline_tout
  mds::placement_tunables placement; // mds.alloc.*
  planner_config planner;            // mds.repl.max_jobs(_per_cs), mds.wd.max_offline_cs(_hosts)
  uint32_t verify_chunks = 2;        // mds.wd.verify_chunks (per minute, per CS)
  uint64_t bandwidth = 0;            // mds.repl.bandwidth, bytes/s per copy, 0 = unlimited
  // mds.repl.rebalance_threshold / rebalance_jobs, max_jobs_per_cs; the
  // caller fills chunk_size and placement (the tunables in force).
  rebalance_config rebalance;
};
live_config make_live_config(const mds::cluster_params& p);

// What the MDS knows about chunks being worked on (not in the journal).
struct work_in_progress {
  std::map<uint64_t, std::vector<uint32_t>> copying;   // chunk -> target CSs of running copies
  std::map<uint64_t, std::vector<uint32_t>> deleting;  // chunk -> CSs whose replica is being removed
  std::set<uint32_t> releasing;                        // rm-cs in progress: replicas to evacuate
  // (chunk, CS) replicas that failed a checksum: kept (their other pages may
  // be the only good copy) but not live; deleted once the chunk is healthy.
  std::set<std::pair<uint64_t, uint32_t>> bad_replicas;
  // chunk -> pages a copy found bad on every holder and carried over marked
  // bad (docs/chunk-versions.md, "A bad page in a copy"): a report of bad
  // pages all among these does not make a replica bad (no replica has them
  // good, so it is as sound as the chunk can be). Not journaled: after a
  // restart the next copy learns them again.
  std::map<uint64_t, std::set<uint64_t>> lost_pages;
  // Running copies whose target is `cs`: until they end, a copy may still
  // land (and be confirmed) there, so a CS being removed is not empty yet.
  size_t copies_to(uint32_t cs) const {
    size_t n = 0;
    for (auto& [chunk, targets] : copying)
      for (auto t : targets) n += t == cs;
    return n;
  }
};

// One chunk view per stored chunk. Replica CS statuses come from the registry
// (unknown CS => offline). Replicas on releasing CSs are marked being_deleted
// (they no longer count, but stay until evacuated); running copies appear as
// being_replicated replicas of the target; replicas being removed as
// being_deleted. Orphan chunks count as having a file (they still hold data).
// `hold_floor` (stat's counts only): chunk -> its version when the current
// hold on it began (with_chunk, mds_version_rounds.cpp). Inside a hold the
// chunk's version moves ahead (a copy's fence, a move's drop, a write round)
// of what the store records for its holders until the hold's confirm; a
// replica recorded at or above the floor holds every acknowledged write and
// is shown live meanwhile. Without it stat showed each chunk under a copy or
// a move as "offline" (and the cluster as [ERR]) for the copy's whole
// duration and the map-lease wait after each drop (CI run of b1b3477,
// integration/rebalancing). The planners get no floor: a held chunk seen as
// live there had copies planned that queued behind the hold (simulator
// `--seed 143 --scenario data-disk` then missed replicas-restored).
std::vector<mds::chunk_view> build_chunk_views(const std::vector<persistence::chunk_with_attrs>& chunks,
                                               const std::map<uint32_t, mds::cs_entry>& css,
                                               const work_in_progress& wip,
                                               const std::map<uint64_t, uint64_t>* hold_floor = nullptr);

// CS list for evaluate_cluster / the planner.
std::vector<mds::cs_brief> cs_briefs(const std::map<uint32_t, mds::cs_entry>& css);

// The REPLICAS column of stat: md_store::usage().replicas_per_cs.

// "Replication started, N chunks are queued" once work appears, "Replication
// completed" once nothing is queued nor running any more (each exactly once
// per episode, in that order).
class replication_tracker {
 public:
  // queued: chunks needing new copies that have a source (plan.queued);
  // running: copy jobs in flight. Returns the event to emit, if any.
  std::optional<std::string> update(uint64_t queued, uint64_t running);
  bool active() const { return active_; }

 private:
  bool active_ = false;
};

// "Rebalancing started" once moves appear, "Rebalancing completed, N chunks
// moved" once none has been planned nor running for `quiet` (ours, in the
// style of the replication events; each exactly once per episode, in that
// order). The quiet period spans a few CS heartbeats (1 s each): fill figures
// lag the moves (a source's delete, a target's write show in its next
// heartbeat), so a plan empty on the MDS's estimate may find another move on
// the figures that follow — that move belongs to the same episode. Without
// it the CI run of b1b3477 saw "completed, 6 chunks moved" and a new
// "Rebalancing started" 250 ms later (integration/rebalancing).
class rebalance_tracker {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::milliseconds default_quiet{3000};
  explicit rebalance_tracker(std::chrono::milliseconds quiet = default_quiet) : quiet_(quiet) {}
  // planned: moves planned this tick; running: moves in flight (including
  // those just started); moved: chunks moved since the MDS started.
  std::optional<std::string> update(uint64_t planned, uint64_t running, uint64_t moved, time_point now);
  bool active() const { return active_; }

 private:
  std::chrono::milliseconds quiet_;
  bool active_ = false;
  uint64_t moved_at_start_ = 0;
  std::optional<time_point> idle_since_;
};

// "The cluster is filled up to N%": emitted when the used percentage (of all
// active CSs' space, floor) changes its decade at or above 50%, so a filling
// cluster reports 50, 60, 70, 80 (warn), 90 (warn) — not every percent.
class fill_tracker {
 public:
  std::optional<std::string> update(uint64_t total_bytes, uint64_t free_bytes);

 private:
  int last_decade_ = -1;
};

}  // namespace pstorage::repair
