// chunk_state.hpp — what state a chunk is in, how many chunks are in each
// state, and the overall cluster status. Pure decision logic: no CAF, no
// SQLite, no clock (the "just elected" fact is a parameter).
//
// Spec (administrator's guide):
//  * "Exploring Chunk States" — the eleven states below, text quoted.
//  * "Monitoring the Status of Replication Parameters" / "Monitoring Disk
//    Space Usage" — the `Chunks:` line of `pstorage top`.
//  * "Configuring Replication Parameters" — replicas=NORM:MIN, 1..15 each.
//  * "Monitoring General Cluster Parameters" — Cluster status
//    healthy / unknown / degraded / failure.
//  * Event table — "The cluster is healthy with N active CS", "The cluster is
//    degraded with N active, M inactive, K offline CS", "The cluster failed
//    with N active, M inactive, K offline CS (mds.wd.max_offline_cs=n)";
//    mds.wd.max_offline_cs is 2 by default, 0 disables the failed mode.
//  * "Recommendations on Failure Domains" — mds.wd.max_offline_cs_hosts
//    "controls the number of failed hosts to be considered as a normal
//    disaster worth recovering in the automatic mode".
//
// Chunk states (guide text, then the exact rule used here):
//
//  state         | guide: "Percentage of chunks that ..."          | rule (first match wins, top to bottom)
//  --------------+--------------------------------------------------+------------------------------------------
//  deleting      | (top: "deleting"; FAQ: seen while decreasing      | 1. chunk being deleted, or owned by no
//                |  replication parameters)                         |    file
//  offline       | "have no active replicas."                       | 2. live == 0
//  pending       | "must be replicated in the first place because   | 3. blocked (rule 4) and a client waits
//                |  all operations with these chunks are suspended  |    on the chunk (client_waiting)
//                |  and the client is waiting for the replication   |
//                |  to complete."                                   |
//  blocked       | "whose number of replicas is equal or below the  | 4. live < NORM and live <= MIN
//                |  minimum replicas limit. No write operations to  |    (live < MIN with block_at_min=false)
//                |  these chunks are allowed."                      |
//  urgent        | "that are nearing the minimum replicas limit."   | 5. live < NORM and live == blocking
//                |                                                  |    threshold + 1
//  void          | "that have one or more replicas whose state      | 6. some replica has state_unknown
//                |  cannot be parsed."                              |
//  replicating   | "whose replicas are being replicated."           | 7. some replica is being_replicated
//  standby       | "that have one or more replicas in the standby   | 8. some current-version replica sits on
//                |  state. A replica is marked standby if it is     |    an inactive CS (not yet offline)
//                |  inactive no more than 5 minutes."               |
//  degraded      | "that do not have enough active replicas."       | 9. live < NORM
//  deleting      | (same row as above)                              | 10. some replica is being_deleted
//  overcommitted | "that have an excessive amount of replicas."     | 11. live > NORM
//  healthy       | "that have enough active replicas."              | 12. otherwise (live == NORM)
//
// "live" replicas: version == the chunk's version, on an active CS, and not
// checksum_bad, being_deleted, being_replicated (an unfinished copy) nor
// state_unknown. Only those can serve reads and be replication sources.
// MIN is clamped to 1..NORM (NORM >= 1).
//
// Reading of "equal or below the minimum": the states table says a chunk
// with exactly MIN replicas is blocked, while "Configuring Replication
// Parameters" says writes stop when replicas fall *below* the minimum. The
// default (block_at_min = true) follows the states table; a chunk that has
// all NORM replicas is never blocked (replicas=1:1 healthy chunks have one
// replica). block_at_min = false gives the "below" reading, where "urgent"
// (one step above blocking) is live == MIN.
//
// Precedence reasoning: danger to the data first (offline, pending, blocked,
// urgent), then states that explain why a missing replica is not being
// repaired yet (void, replicating, standby), then degraded, then the
// cleanup states. The top counts therefore add up to the chunk total.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/mds/cs_registry.hpp"

namespace pstorage::mds {

enum class chunk_state : uint8_t {
  healthy,
  degraded,
  urgent,
  blocked,
  offline,
  replicating,
  overcommitted,
  deleting,
  void_,  // "void"
  pending,
  standby,
};
inline constexpr size_t chunk_state_count = 11;
// The guide's word: "healthy", ..., "void", ...
const char* to_string(chunk_state s);
// May a client write to a chunk in this state? No when offline, blocked or
// pending (guide: "No write operations to these chunks are allowed").
bool writes_allowed(chunk_state s);
// May a client read it? Yes whenever some live replica exists (not offline).
bool reads_allowed(chunk_state s);

// One replica of a chunk as the MDS knows it.
struct replica_view {
  uint32_t cs_id = 0;
  uint64_t version = 0;
  cs_status cs = cs_status::active;  // status of the CS holding it
  bool being_replicated = false;     // target of a copy still in progress
  bool being_deleted = false;        // removal scheduled / in progress
  bool checksum_bad = false;         // the CS reported a checksum error
  bool state_unknown = false;        // the reported state cannot be parsed
  bool holds_acked = false;          // recorded at or above the write floor (md_validate.hpp holds_acked_writes)
};

struct chunk_view {
  uint64_t id = 0;
  uint32_t norm = 1;        // replicas=NORM:MIN
  uint32_t min = 1;
  uint64_t version = 0;     // the chunk's current version
  std::vector<replica_view> replicas;
  bool being_deleted = false;   // the file was deleted / truncated away
  bool has_file = true;         // false: orphan chunk, no file owns it
  bool client_waiting = false;  // a client's operation waits for replication
};

struct chunk_policy {
  bool block_at_min = true;  // see "Reading of ..." above
};

// Per-replica tally of one chunk.
struct replica_tally {
  uint32_t live = 0;         // see definition above
  uint32_t standby = 0;      // current version, CS inactive, otherwise sound
  uint32_t in_progress = 0;  // being_replicated
  uint32_t being_deleted = 0;
  uint32_t stale = 0;        // version != chunk version (any CS status)
  uint32_t bad = 0;          // checksum_bad
  uint32_t unknown = 0;      // state_unknown
  uint32_t unreachable = 0;  // current version, CS offline or dropped
};

bool is_live(const replica_view& r, uint64_t chunk_version);
replica_tally tally(const chunk_view& c);
// MIN clamped to 1..NORM (NORM itself raised to at least 1).
uint32_t effective_norm(const chunk_view& c);
uint32_t effective_min(const chunk_view& c);
// Highest live count at which a chunk below NORM is blocked (MIN or MIN-1).
uint32_t blocking_threshold(const chunk_view& c, const chunk_policy& p = {});

// The state by replica counts alone (offline / pending / blocked / urgent /
// degraded / overcommitted / healthy), ignoring deletion and the masking
// states void / replicating / standby. The repair planner ranks work by it.
chunk_state danger_state(const chunk_view& c, const chunk_policy& p = {});

// The chunk's state per the table above.
chunk_state classify(const chunk_view& c, const chunk_policy& p = {});

// Counts of chunks per state for the whole cluster.
struct chunk_counts {
  std::array<uint64_t, chunk_state_count> by_state{};
  uint64_t total = 0;
  uint64_t operator[](chunk_state s) const { return by_state[static_cast<size_t>(s)]; }
  void add(chunk_state s, uint64_t n = 1);
};
chunk_counts count_states(const std::vector<chunk_view>& chunks, const chunk_policy& p = {});

// Percent shown in top: floor(n * 100 / total), except that a non-zero count
// never shows as 0% (so a single blocked chunk is visible); 0 when total = 0.
// Floor means 100% appears only when every chunk is counted.
unsigned percent(uint64_t n, uint64_t total);

// Severity tag of the Chunks line. The guide shows only "[OK]"; ours:
// "[ERR]" if any chunk is offline, blocked or pending; else "[WARN]" if any
// is urgent, degraded, standby or void; else "[OK]".
const char* chunks_tag(const chunk_counts& c);

// The `Chunks:` field of `pstorage top` (guide, "Monitoring the Status of
// Replication Parameters"):
//
//   Chunks: [OK] 431 (100%) healthy,  0 (0%) degraded,  0 (0%) urgent,
//                0 (0%) blocked,  0 (0%) offline,  0 (0%) replicating,
//                0 (0%) overcommitted,  0 (0%) deleting,  0 (0%) void
//
// Items are joined with ",  ", three per line; continuation lines are
// indented by the width of "Chunks: [TAG] ". pending and standby, absent
// from the guide's sample, follow on a fourth line only when non-zero.
// No trailing newline.
std::string format_chunks_line(const chunk_counts& c);

// ---- Cluster status ("Monitoring General Cluster Parameters") ----------

enum class cluster_status { healthy, unknown, degraded, failure };
// "healthy" | "unknown" | "degraded" | "failure"
const char* to_string(cluster_status s);

// A CS as the status evaluation sees it.
struct cs_brief {
  uint32_t cs_id = 0;
  cs_status status = cs_status::active;
  std::string host_id;  // /etc/pstorage/host_id; CSs of one host share it
};

struct cluster_health_config {
  // mds.wd.max_offline_cs: more offline CSs than this => failure
  // (unless excused by max_offline_cs_hosts). 0 disables the failed mode.
  uint32_t max_offline_cs = 2;
  // mds.wd.max_offline_cs_hosts: if all offline CSs sit on at most this many
  // hosts, the loss is "a normal disaster worth recovering" (e.g. one host
  // with many disks died) and the cluster is degraded, not failed; offline
  // CSs spread over more hosts (a whole rack, a "huge domain") => failure.
  // 0: no exemption, max_offline_cs alone decides. The guide gives no
  // default; ours is 1 (one failed host — the default failure domain — is
  // always recovered).
  uint32_t max_offline_cs_hosts = 1;
};

struct cluster_health {
  cluster_status status = cluster_status::healthy;
  uint32_t active = 0;
  uint32_t inactive = 0;
  uint32_t offline = 0;
  uint32_t offline_hosts = 0;  // distinct host_ids with >= 1 offline CS
  // The guide's event text for this status, e.g. "The cluster is degraded
  // with 2 active, 1 inactive, 0 offline CS". Empty for unknown.
  std::string text;
};

// Rules, first match wins:
//   unknown  — just_elected: the master MDS was elected a moment ago and has
//              "not enough information about the cluster state";
//   failure  — max_offline_cs > 0, offline > max_offline_cs, and
//              offline_hosts > max_offline_cs_hosts;
//   degraded — some CS inactive or offline ("Some of the chunk servers in the
//              cluster are inactive");
//   healthy  — "All chunk servers in the cluster are active" (also with none).
// Dropped CSs are not part of the cluster and are ignored. Inactive CSs never
// cause failure: only offline ones trigger replication.
cluster_health evaluate_cluster(const std::vector<cs_brief>& css, const cluster_health_config& cfg,
                                bool just_elected);

}  // namespace pstorage::mds
