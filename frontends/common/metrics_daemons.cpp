#include "frontends/common/metrics_daemons.hpp"

#include "frontends/common/process_stats.hpp"

#include <chrono>
#include <map>

#include "actors/license/license_doc.hpp"
#include "actors/mds/chunk_state.hpp"
#include "frontends/common/stat_view.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::frontend {

namespace {
const char* cs_status_word(proto::CsStatus s) {
  switch (s) {
    case proto::CsStatus::ACTIVE: return "active";
    case proto::CsStatus::INACTIVE: return "inactive";
    case proto::CsStatus::OFFLINE: return "offline";
    case proto::CsStatus::DROPPED: return "dropped";
  }
  return "unknown";
}
constexpr const char* cs_status_words[] = {"active", "inactive", "offline", "dropped"};
constexpr const char* cluster_status_words[] = {"healthy", "unknown", "degraded", "failure"};
constexpr const char* smart_words[] = {"ok", "warn", "failed", "unknown"};  // disk_health::smart
constexpr const char* license_words[] = {"NONE", "VALID", "ACTIVE", "GRACED", "EXPIRED", "INVALID"};
double d(uint64_t v) { return static_cast<double>(v); }

// The guide's "License:" line ("Checking the License Status") as the
// master's checker judges it, and the days left before the installed
// license's `expiration` (read from its text; none in evaluation mode).
void add_license_metrics(metrics_registry& r, proto::LicenseState::Reader l, int64_t now_unix_s) {
  const std::string status = l.getStatus().cStr();
  for (auto w : license_words)
    r.gauge("pstorage_license_status",
            "License status: 1 for the current one (NONE: evaluation mode, VALID, ACTIVE, GRACED, EXPIRED, INVALID).",
            status == w ? 1 : 0, {{"status", w}});
  r.gauge("pstorage_license_capacity_bytes", "Licensed capacity for data chunks (evaluation mode: 100 GB).",
          d(l.getCapacityBytes()));
  r.gauge("pstorage_license_used_bytes", "Logical space of data chunks, counted against the licensed capacity.",
          d(l.getUsedBytes()));
  r.gauge("pstorage_license_allocatable_bytes", "Data chunks may use up to this now (0: no new data).",
          d(l.getAllocatableBytes()));
  if (!l.hasText() || l.getText().size() == 0) return;
  std::string err;
  auto lic = license::parse_license(l.getText().cStr(), &err);
  if (!lic || lic->doc.expiration <= 0) return;
  const int64_t exp = lic->doc.expiration;
  r.gauge("pstorage_license_expiration_timestamp_seconds",
          "The installed license's expiration (valid up to and including this second), seconds since the epoch.",
          static_cast<double>(exp));
  r.gauge("pstorage_license_days_left",
          "Days until the installed license expires (negative once expired; the grace period follows).",
          static_cast<double>(exp - now_unix_s) / 86400.0);
}
}  // namespace

int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void add_cs_metrics(metrics_registry& r, const cs_metrics_input& in) {
  const metric_labels id{{"cs_id", std::to_string(in.cs_id)}};
  auto with = [&](metric_labels extra) {
    auto l = id;
    l.insert(l.end(), extra.begin(), extra.end());
    return l;
  };
  r.gauge("pstorage_cs_info", "Always 1; labels name this chunk server (cs_id 0 until it first registered).", 1,
          with({{"cluster", in.cluster}}));
  r.gauge("pstorage_cs_registered", "1 while this CS is registered with the master MDS.", in.registered ? 1 : 0, id);
  r.gauge("pstorage_cs_space_bytes", "SPACE: total size of the file system holding the CS repository.",
          d(in.space_bytes), id);
  r.gauge("pstorage_cs_free_bytes", "FREE: free space on the file system holding the CS repository.",
          d(in.free_bytes), id);
  const auto& t = in.totals;
  r.counter("pstorage_cs_read_bytes_total", "Bytes read by clients, chain peers and replicating CSs.",
            d(t.read_bytes), id);
  r.counter("pstorage_cs_write_bytes_total", "Bytes written by clients and chain predecessors.", d(t.write_bytes),
            id);
  r.counter("pstorage_cs_ops_total", "Read, write and sync requests served, by kind.", d(t.read_ops),
            with({{"op", "read"}}));
  r.counter("pstorage_cs_ops_total", "Read, write and sync requests served, by kind.", d(t.write_ops),
            with({{"op", "write"}}));
  r.counter("pstorage_cs_ops_total", "Read, write and sync requests served, by kind.", d(t.sync_ops),
            with({{"op", "sync"}}));
  r.counter("pstorage_cs_failed_ops_total", "Requests answered with an error status.", d(t.failed_ops), id);
  r.counter("pstorage_cs_unaligned_writes_total",
            "Write requests with a piece off 4 KiB boundaries (JRMW: potential Read-Modify-Write cycles).",
            d(t.unaligned_writes), id);
  r.counter("pstorage_cs_storage_busy_seconds_total", "Time the CS spent in storage calls (disk I/O).",
            static_cast<double>(t.storage_busy.count()) / 1e9, id);
  r.histogram("pstorage_cs_io_latency_seconds",
              "Service time of each request, from its arrival to its answer (a chained write includes the "
              "downstream CSs).",
              cs::io_latency_bounds_s, t.latency_buckets, t.latency_sum_s, id);
  const auto& f = in.io;
  r.gauge("pstorage_cs_read_bytes_per_second", "IO read bytes/s over the last 20 s.", f.read_bytes_per_s, id);
  r.gauge("pstorage_cs_write_bytes_per_second", "IO write bytes/s over the last 20 s.", f.write_bytes_per_s, id);
  r.gauge("pstorage_cs_ops_per_second", "IO operations/s over the last 20 s, by kind.", f.read_ops_per_s,
          with({{"op", "read"}}));
  r.gauge("pstorage_cs_ops_per_second", "IO operations/s over the last 20 s, by kind.", f.write_ops_per_s,
          with({{"op", "write"}}));
  r.gauge("pstorage_cs_ops_per_second", "IO operations/s over the last 20 s, by kind.", f.sync_ops_per_s,
          with({{"op", "sync"}}));
  r.gauge("pstorage_cs_io_latency_avg_seconds", "IOLAT avg: mean service time of requests over the last 20 s.",
          f.latency_avg_ms / 1e3, id);
  r.gauge("pstorage_cs_io_latency_max_seconds", "IOLAT max: longest service time of a request over the last 20 s.",
          f.latency_max_ms / 1e3, id);
  r.gauge("pstorage_cs_queue_depth", "QDEPTH: average number of requests in service over the last 20 s.",
          f.queue_depth, id);
  r.gauge("pstorage_cs_ops_in_flight", "Requests in service now.", d(f.in_flight), id);
  r.gauge("pstorage_cs_iowait_ratio", "IOWAIT / 100: share of the last 20 s spent in storage calls.",
          f.iowait_percent / 100, id);
  if (in.disk) {  // guide: "Monitoring Physical Disks"
    const auto& dh = *in.disk;
    for (auto w : smart_words)
      r.gauge("pstorage_cs_disk_smart_status",
              "S.M.A.R.T. status of the disk under the repository: 1 for the current one (ok, warn: a pre-failure "
              "counter is not 0, failed: self-assessment failed, unknown: no smartctl or no disk).",
              dh.smart == w ? 1 : 0, with({{"disk", dh.disk}, {"status", w}}));
    if (dh.temperature_c >= 0)
      r.gauge("pstorage_cs_disk_temperature_celsius", "Temperature of the disk under the repository (smartctl).",
              dh.temperature_c, with({{"disk", dh.disk}}));
  }
}

void add_mds_metrics(metrics_registry& r, uint32_t self_id, const std::string& cluster,
                     const proto::MdsToClientStat::Reader* stat, int64_t now_unix_s) {
  const std::string self = std::to_string(self_id);
  r.gauge("pstorage_mds_info", "Always 1; labels name this metadata server.", 1,
          {{"mds_id", self}, {"cluster", cluster}});
  add_journal_time_metrics(r);  // this MDS's own %CTIME
  const bool answered = stat && stat->getStatus().getCode() == proto::STATUS_OK;
  bool self_master = false;
  if (answered)
    for (auto m : stat->getMdses())
      if (m.getId() == self_id && m.getIsMaster()) self_master = true;
  r.gauge("pstorage_mds_master", "1 if this MDS is the master (the M before MDSID).", self_master ? 1 : 0,
          {{"mds_id", self}});
  r.gauge("pstorage_mds_cluster_view",
          "1 if this MDS exported the cluster figures below (it is the master, or no master exists); 0 on a "
          "follower.",
          answered ? 1 : 0, {{"mds_id", self}});
  if (!answered) return;
  const auto& s = *stat;

  // Cluster status (guide: "Monitoring General Cluster Parameters"): one
  // series per status, 1 for the current one.
  std::string status = s.hasClusterStatus() && s.getClusterStatus().size() ? s.getClusterStatus().cStr() : "unknown";
  for (auto w : cluster_status_words)
    r.gauge("pstorage_cluster_status", "Cluster status: 1 for the current one (healthy, unknown, degraded, failure).",
            status == w ? 1 : 0, {{"status", w}});

  uint32_t master_id = 0;
  size_t mds_avail = 0, mds_inactive = 0;
  for (auto m : s.getMdses()) {
    if (m.getIsMaster()) master_id = m.getId();
    (m.getStatus() == proto::MdsStatus::AVAIL ? mds_avail : mds_inactive)++;
  }
  r.gauge("pstorage_cluster_master_id", "MDSID of the master MDS (0: no master).", master_id);
  r.gauge("pstorage_election_epoch", "The master's election epoch (grows at every election).", d(s.getEpoch()));
  r.gauge("pstorage_election_epoch_age_seconds", "epoch time: time since the master was elected.",
          d(s.getEpochAgeMs()) / 1e3);
  r.counter("pstorage_journal_commits_total",
            "The replicated journal's commit index: entries committed since the cluster was made (rate() gives "
            "COMMITS).",
            d(s.getCommitIndex()));
  r.gauge("pstorage_mds_nodes", "MDS nodes by status (avail, inactive).", d(mds_avail), {{"status", "avail"}});
  r.gauge("pstorage_mds_nodes", "MDS nodes by status (avail, inactive).", d(mds_inactive), {{"status", "inactive"}});
  for (auto m : s.getMdses()) {
    const metric_labels l{{"mds_id", std::to_string(m.getId())}};
    r.gauge("pstorage_cluster_mds_up", "1 if the MDS is avail (the master's view).",
            m.getStatus() == proto::MdsStatus::AVAIL ? 1 : 0, l);
    r.gauge("pstorage_cluster_mds_lag_entries", "Journal entries the MDS is behind the master's last one.",
            d(m.getLag()), l);
    r.gauge("pstorage_cluster_mds_last_ack_seconds", "Time since the MDS last answered the master (0: the master).",
            d(m.getLastAckMs()) / 1e3, l);
  }

  // CSs (guide: "Monitoring Chunk Servers"). Space counts active CSs only,
  // as `pstorage stat` does.
  std::map<std::string, uint64_t> by_status;
  uint64_t total = 0, free = 0, releasing = 0;
  for (auto c : s.getCss()) {
    const std::string st = cs_status_word(c.getStatus());
    ++by_status[st];
    releasing += c.getReleasing();
    if (c.getStatus() == proto::CsStatus::ACTIVE) {
      total += c.getTotalBytes();
      free += c.getFreeBytes();
    }
  }
  r.gauge("pstorage_cluster_space_bytes", "Space: total disk space of the active CSs.", d(total));
  r.gauge("pstorage_cluster_free_bytes", "Space: free disk space of the active CSs.", d(free));
  r.gauge("pstorage_cluster_space_used_ratio",
          "Share of the active CSs' space in use (the guide's 'The cluster is filled up to N%', / 100).",
          total ? 1.0 - d(free) / d(total) : 0);
  const auto allocatable = stat_allocatable(s);  // the Space line's "allocatable A of B"
  r.gauge("pstorage_cluster_allocatable_bytes",
          "Space: allocatable, the logical bytes new data can still take with the root's replicas, failure "
          "domains and license.",
          d(allocatable.free_bytes));
  r.gauge("pstorage_cluster_allocatable_total_bytes",
          "Space: the allocatable figure of the active CSs' whole space ('allocatable A of B': B).",
          d(allocatable.total_bytes));
  for (auto w : cs_status_words)
    r.gauge("pstorage_cs_nodes", "CS nodes by status (active, inactive, offline, dropped).", d(by_status[w]),
            {{"status", w}});
  r.gauge("pstorage_cs_nodes_releasing", "CSs being released by rm-cs.", d(releasing));
  for (auto c : s.getCss()) {
    const std::string id = std::to_string(c.getId());
    const std::string st = cs_status_word(c.getStatus());
    for (auto w : cs_status_words)
      r.gauge("pstorage_cluster_cs_status", "CS STATUS as the master sees it: 1 for the current one.",
              st == w ? 1 : 0, {{"cs_id", id}, {"host", c.getHost().cStr()}, {"status", w}});
  }
  for (auto c : s.getCss()) {
    const metric_labels l{{"cs_id", std::to_string(c.getId())}};
    r.gauge("pstorage_cluster_cs_space_bytes", "CS SPACE as the master sees it.", d(c.getTotalBytes()), l);
    r.gauge("pstorage_cluster_cs_free_bytes", "CS FREE as the master sees it.", d(c.getFreeBytes()), l);
    r.gauge("pstorage_cluster_cs_replicas", "CS REPLICAS: replicas stored on the CS.", d(c.getReplicas()), l);
  }

  // Chunks (guide: "Exploring Chunk States"): every state, 0 when absent.
  if (s.hasChunks()) {
    std::map<std::string, uint64_t> counts;
    for (auto c : s.getChunks()) counts[c.getState().cStr()] = c.getCount();
    for (size_t i = 0; i < mds::chunk_state_count; ++i) {
      const char* w = mds::to_string(static_cast<mds::chunk_state>(i));
      r.gauge("pstorage_chunks", "Chunks by state (the guide's Chunks line).", d(counts[w]), {{"state", w}});
    }
  }
  if (s.hasReplication()) {
    auto rep = s.getReplication();
    r.gauge("pstorage_replication_queued_chunks", "Chunks waiting for a repair copy.", d(rep.getQueued()));
    r.gauge("pstorage_replication_running_copies", "Repair copies in progress.", d(rep.getRunning()));
    r.counter("pstorage_replication_copied_bytes_total",
              "Bytes copied by finished repair and rebalancing copies, as counted by the master MDS process (restarts with it).", d(rep.getBytesCopied()));
    r.gauge("pstorage_rebalance_running_moves", "Rebalancing moves in progress.", d(rep.getMovesRunning()));
    r.counter("pstorage_rebalance_moved_chunks_total", "Chunks moved by rebalancing, as counted by the master MDS process (restarts with it).",
              d(rep.getChunksMoved()));
  }
  if (s.getReplicationNorm()) {  // the guide's "Replication:  3 norm,  2 limit" line
    r.gauge("pstorage_replication_norm", "Replicas of the root directory (what new files inherit): the norm.",
            s.getReplicationNorm());
    r.gauge("pstorage_replication_limit", "Minimum replicas of the root directory: the limit.",
            s.getReplicationLimit());
  }
  if (s.hasIo()) {  // the guide's IO line: the active CSs' latest figures, summed by the master
    auto io = s.getIo();
    r.gauge("pstorage_cluster_read_bytes_per_second", "IO: read bytes/s of the active CSs over their last 20 s.",
            d(io.getReadBytesPerSec()));
    r.gauge("pstorage_cluster_write_bytes_per_second", "IO: write bytes/s of the active CSs over their last 20 s.",
            d(io.getWriteBytesPerSec()));
    r.gauge("pstorage_cluster_ops_per_second", "IO: read and write ops/s of the active CSs over their last 20 s.",
            io.getReadOpsPerSec(), {{"op", "read"}});
    r.gauge("pstorage_cluster_ops_per_second", "IO: read and write ops/s of the active CSs over their last 20 s.",
            io.getWriteOpsPerSec(), {{"op", "write"}});
  }
  r.gauge("pstorage_clients", "Mounts that sent their figures to the master in the last 60 s (the clients table).",
          d(s.getClients().size()));
  if (s.hasLicense()) add_license_metrics(r, s.getLicense(), now_unix_s);
}

}  // namespace pstorage::frontend
