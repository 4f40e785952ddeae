// repair_planner.hpp — which repair jobs to start now. Pure decision logic:
// no CAF, no SQLite, no clock; the same view always gives the same plan.
// The repair actor feeds it the MDS's view and runs the jobs; target CSs are
// chosen afterwards by placement (actors/mds/placement.hpp), so a job names
// only how many copies to make, where to read them from and which CSs must
// not receive one.
//
// Spec (administrator's guide):
//  * "Monitoring General Cluster Parameters": once a CS is offline "the
//    cluster starts replicating data to restore the chunks that were stored
//    on the offline chunk server"; "failure. The cluster has too many
//    inactive chunk servers; the automatic replication is disabled".
//  * Event table: "When the cluster fails, the automatic replication is not
//    scheduled any more" (mds.wd.max_offline_cs, 2 by default, 0 disables
//    the failed mode); "Replication started, N chunks are queued".
//  * "Recommendations on Failure Domains": mds.wd.max_offline_cs_hosts —
//    the number of failed hosts still "a normal disaster worth recovering in
//    the automatic mode" (semantics in chunk_state.hpp, evaluate_cluster).
//  * "Exploring Chunk States": pending chunks "must be replicated in the
//    first place"; blocked / urgent / degraded (chunk_state.hpp).
//
// Rules (pinned by tests/unit/repair_planner_test.cpp):
//  1. Cluster status (mds::evaluate_cluster): unknown (just elected) or
//     failure => halted: no job at all, halted_reason says why; the counts
//     below are still computed.
//  2. Chunks being deleted or without a file are skipped (deletion is not
//     repair). Offline chunks (no live replica) cannot be copied: counted in
//     `unrecoverable`.
//  3. Replicate, ranked by danger_state: pending > blocked > urgent >
//     degraded. New copies needed = NORM - live - in flight, where in flight
//     = max(replicas flagged being_replicated, copies of running replicate
//     jobs of the chunk). Degraded chunks also count standby replicas (on an
//     inactive CS, back within mds.wd.offline_tout) as present, so a short
//     CS outage starts no copying; pending/blocked/urgent chunks do not wait.
//  4. Sources are live replicas (current version, active CS, sound). Copy i
//     of a job reads from sources[i]; each pick takes the live replica whose
//     CS has the fewest slots in use (running + planned), preferring CSs not
//     yet used by this job, then the lowest CS id — so recovery pulls from
//     all survivors in parallel. Each source pick uses one slot of that CS.
//  5. delete_overcommitted (priority other): live > NORM, nothing in flight,
//     no delete job running for the chunk: delete live - NORM replicas,
//     preferring a replica whose host holds another live replica of the
//     chunk, then the CS with most slots in use, then the highest CS id.
//  6. delete_stale (priority other): replicas on active CSs with an old
//     version or a checksum error, not already being deleted — only when the
//     chunk has all its replicas (healthy or overcommitted), so a possibly
//     last copy is never removed from an endangered chunk. Each victim uses
//     one slot of its CS.
//  7. Order: priority, then fewer live replicas first, then chunk id, then
//     kind. Jobs are granted in this order while max_total_jobs (running +
//     planned) and max_jobs_per_cs allow; a job may get fewer copies /
//     deletions than needed (the rest waits: `deferred`). Target CSs of new
//     copies are not counted here — placement should weigh `cs_load`.
//  Move-for-rebalance jobs are not planned yet.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/mds/chunk_state.hpp"

namespace pstorage::repair {

enum class job_kind { replicate, delete_overcommitted, delete_stale };
const char* to_string(job_kind k);  // "replicate" | "delete-overcommitted" | "delete-stale"

// Lower value = more urgent.
enum class job_priority : uint8_t { pending = 0, blocked = 1, urgent = 2, degraded = 3, other = 4 };
const char* to_string(job_priority p);

// A job started earlier and still running.
struct running_job {
  uint64_t chunk_id = 0;
  job_kind kind = job_kind::replicate;
  uint32_t copies = 0;             // replicate: copies being made
  std::vector<uint32_t> busy_cs;   // every CS it keeps busy (sources, targets, victims); one slot each
};

struct planner_config {
  // Concurrent jobs a CS may take part in (as source, target or deletion).
  // Ours; the guide names no such parameter.
  uint32_t max_jobs_per_cs = 2;
  // Jobs running at once in the whole cluster (running + newly planned).
  uint32_t max_total_jobs = 64;
  mds::cluster_health_config health;  // mds.wd.max_offline_cs(_hosts)
  mds::chunk_policy policy;
};

// The MDS's view. Replica statuses inside the chunk views must agree with
// `css`, which only supplies host ids and the cluster status.
struct cluster_view {
  std::vector<mds::chunk_view> chunks;
  std::vector<mds::cs_brief> css;
  std::vector<running_job> running;
  bool just_elected = false;  // master MDS elected a moment ago => unknown
};

struct repair_job {
  uint64_t chunk_id = 0;
  uint64_t version = 0;              // chunk version the job works on
  job_kind kind = job_kind::replicate;
  job_priority priority = job_priority::other;
  mds::chunk_state state = mds::chunk_state::healthy;  // classify() of the chunk
  uint32_t copies = 0;               // replicate: new copies (== sources.size())
  std::vector<uint32_t> sources;     // replicate: copy i reads from sources[i]
  std::vector<uint32_t> delete_from; // delete kinds: CSs whose replica goes
  // CSs with a live replica: the failure domains in use. Replicas being
  // released by rm-cs or with bad pages are not live, so they give way to
  // their replacement (actors/mds/placement_domains.hpp rule 1, which the
  // repair actor applies to these holders and again after the fence).
  std::vector<uint32_t> holders;
  std::vector<uint32_t> avoid_cs;    // every CS with a replica at the chunk's version (or a copy under way): never a target
  std::string reason;
};

struct repair_plan {
  mds::cluster_health health;
  bool halted = false;
  std::string halted_reason;
  std::vector<repair_job> jobs;      // in priority order
  uint32_t queued = 0;         // chunks needing new copies that have a source
  uint32_t deferred = 0;       // chunks whose work (or part) waits for limits or halt
  uint32_t unrecoverable = 0;  // chunks needing copies with no live replica
  std::map<uint32_t, uint32_t> cs_load;  // slots in use per CS: running + planned
};

repair_plan plan_repairs(const cluster_view& view, const planner_config& cfg);

}  // namespace pstorage::repair
