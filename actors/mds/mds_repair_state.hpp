// mds_repair_state.hpp — state of the MDS's repair and administration part
// (issue 4), shared by mds_repair_actor.cpp (cluster status, planner tick,
// repair-job actors, rm-cs evacuation) and mds_admin_actor.cpp (set-config /
// get-config, get-event, rm-cs requests, stat extras). Internal to the MDS.
//
// Guide: "Monitoring General Cluster Parameters", "Exploring Chunk States",
// "Exploring Basic Events", "Removing Chunk Servers", "Cluster Parameters
// Overview".
#pragma once

#include <caf/all.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "actors/mds/chunk_state.hpp"
#include "actors/mds/cluster_params.hpp"
#include "actors/mds/mds_state.hpp"
#include "actors/repair/chunk_state_table.hpp"
#include "actors/repair/full_scan.hpp"
#include "actors/repair/repair_queue.hpp"
#include "actors/repair/repair_support.hpp"
#include "persistence/event_log.hpp"

namespace pstorage::mds_impl {

// Sent by the MDS to a repair-job actor: "run; answer when done".
using repair_run_atom = caf::atom_constant<caf::atom("rprun")>;

struct repair_state {
  mds::cluster_params params;             // defaults overlaid with md_params
  repair::live_config live;               // params applied
  mds::cs_liveness_config base_liveness;  // mds_deps values: used for params never set
  mds::placement_tunables base_placement;
  std::unique_ptr<persistence::event_log> events;
  repair::work_in_progress wip;           // copies / deletions running, rm-cs releasing
  repair::replication_tracker replication;
  repair::fill_tracker fill;
  mds::cluster_health health;             // last evaluated
  std::string last_health_text;           // last cluster status event emitted
  bool evaluating = false;                // guards emit -> evaluate recursion
  caf::actor_clock::time_point started{};
  caf::actor_clock::time_point last_plan{};
  uint64_t queued = 0;                    // chunks waiting for copies (last plan)
  // Chunks below NORM with a lagging replica that still holds every
  // acknowledged write (md_validate.hpp, write_floor): the next round that
  // may confirm it again is not before this time (one try per 10 s).
  std::map<uint64_t, caf::actor_clock::time_point> promote_after;
  uint64_t bytes_copied = 0;              // by finished copy jobs
  uint64_t copies_done = 0;
  // Rebalancing (actors/repair/rebalance_planner.hpp): moves running, by
  // chunk — a fenced copy to `to_cs` (also in wip.copying), then the drop of
  // the replica on `from_cs`; erased when the drop's round is over.
  std::map<uint64_t, repair::rebalance_move> moving;
  uint64_t chunks_moved = 0;              // moves finished (source dropped)
  // Chunks whose move failed: not planned again before this time.
  std::map<uint64_t, caf::actor_clock::time_point> move_retry_after;
  // Chunks just moved: the CSs moves put them on, whose replicas are no
  // move's source before the time given (rebalance_planner.hpp rule 7).
  std::map<uint64_t, std::map<uint32_t, caf::actor_clock::time_point>> move_pinned;
  repair::rebalance_tracker rebalance;
  std::set<uint32_t> force_dropped;       // rm-cs -f: replicas still to forget
  // Incremental repair (actors/repair/repair_queue.hpp; docs/scale.md): the
  // chunks to plan next, and what was seen last of the CSs (a status
  // change marks a CS's chunks), rm-cs releases and bad-replica reports.
  repair::repair_queue queue;
  // Marks of applied commands (md_store's apply observer, repair_marks),
  // taken by the next pass. Shared with the observer so that it never
  // outlives what it writes to; past `marks_cap` it only says "scan all".
  struct applied_marks {
    std::vector<repair::command_marks> marks;
    bool overflow = false;
  };
  std::shared_ptr<applied_marks> applied = std::make_shared<applied_marks>();
  std::map<uint32_t, mds::cs_status> seen_status;
  std::set<uint32_t> was_active;          // active at some point while this MDS served
  std::set<uint32_t> seen_releasing;
  std::set<std::pair<uint64_t, uint32_t>> seen_bad;
  int64_t scan_master_since = -1;         // master_since_ns the state above belongs to
  // A full scan (every chunk classified, the queue seeded, rebalancing
  // planned; actors/repair/full_scan.hpp): every pass in a small cluster;
  // in a big one once the cluster status is known after start, then
  // whenever next_full_scan has come (20x a scan's estimated cost later:
  // the actor spends at most ~5% in them), in slices of `scan`'s rows, one
  // per MDS message. full_scan_due: a command that may change any chunk
  // was applied, or marks were lost: the next pass starts a scan.
  bool full_scan_due = true;
  caf::actor_clock::time_point next_full_scan{};
  uint64_t full_scans = 0;
  uint64_t last_scan_chunks = 0;          // chunks seen by the last full scan
  repair::scan_cursor scan;
  // Each chunk's state at its last classification: stat's chunk counts
  // (actors/repair/chunk_state_table.hpp).
  repair::chunk_state_table states;

  // Repair copies running: wip.copying without the moves' copies.
  uint64_t repair_copies() const {
    uint64_t n = 0;
    for (auto& [chunk, targets] : wip.copying) n += !moving.count(chunk);
    return n;
  }
};

// mds_repair_actor.cpp
// Chunks planned per master tick from the front of the repair queue, and
// after a copy finished (a slot is free: plan the next jobs at once).
inline constexpr size_t repair_tick_batch = 4096;
inline constexpr size_t repair_progress_batch = 256;
// One planning pass: a full scan when due (see repair_state), else the
// front `batch` chunks of the queue.
void plan_repairs_pass(self_ptr self, size_t batch);
void evaluate_health(self_ptr self);  // emits the cluster status event on change
// Sets every live tunable from rs.params (registry, placement, planner).
void apply_params(self_ptr self);
// drop_replicas({cs}) (fence + round for the rest), then DeleteChunk to
// `cs` if it was dropped; calls done() when the CSs answered. Refused (no
// delete) for the last up-to-date copy unless `mode` is forced.
void remove_replica(self_ptr self, uint64_t chunk, uint32_t cs, std::function<void()> done,
                    mds::drop_mode mode = mds::drop_mode::keep_last_newest);
// Marks the CS dropped (registry + mds_store), emits its event.
void drop_cs(self_ptr self, uint32_t cs);

}  // namespace pstorage::mds_impl
