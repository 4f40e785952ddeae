// client_io.hpp — a mount's own I/O figures over the last 20 seconds (guide
// "Monitoring Clients": LEASES, READ, WRITE, RD_OPS, WR_OPS, FSYNCS, IOLAT),
// reported to the master with every Watch (ClientToMdsWatch.io) and shown
// in stat/top's clients table (docs/monitoring.md "Clients").
//
// What is counted: an op is one call of the session's read, write, fsync
// (the mount's fsync: flush and namespace sync) or sync_namespace (its
// fsyncdir), from its start to its return, as the application waits for it: a write that only fills the
// write-behind buffer is short, the fsync after it long. LEASES is the
// time-average number of open file handles (open/create to release).
//
// The windows and their arithmetic are the CS's (actors/cs/io_stats.hpp, one
// copy): ops in one window, open handles in a second one whose "ops in
// service" are the open handles (its queue depth is their time-average).
// No clock inside: every call passes the time. Thread-safe (FUSE calls from
// several threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "actors/cs/io_stats.hpp"

namespace pstorage::client {

enum class client_op { read, write, fsync };

struct client_io_figures {
  double window_s = 0;
  double read_bytes_per_s = 0, write_bytes_per_s = 0;
  double read_ops_per_s = 0, write_ops_per_s = 0, fsyncs_per_s = 0;
  double latency_avg_ms = 0, latency_max_ms = 0;
  double open_files = 0;  // LEASES
};

class client_io_meter {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit client_io_meter(time_point start) : ops_(start), opens_(start) {}

  // An op started at `now`; pass the returned time to finished().
  time_point started(time_point now);
  void finished(time_point started, time_point now, client_op op, uint64_t bytes, bool ok);
  // A file handle was opened / released at `now`.
  void opened(time_point now);
  void released(time_point now);

  client_io_figures figures(time_point now);

 private:
  std::mutex m_;
  cs::io_window_stats ops_;
  cs::io_window_stats opens_;  // in service = open handles
  int64_t open_now_ = 0;
};

}  // namespace pstorage::client
