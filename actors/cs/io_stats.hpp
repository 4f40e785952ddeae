// io_stats.hpp — a chunk server's own I/O figures (guide: "Monitoring Chunk
// Servers": IOWAIT, IOLAT, QDEPTH; "Monitoring General Cluster Parameters":
// IO read/write bytes/s and ops/s), over a sliding window of the last 20
// seconds, plus totals since start for Prometheus counters.
//
// Pure: no clock inside. Every call passes the time it happened at (the CS
// actor passes CAF's clock, the HTTP thread the steady clock the actor's clock
// reads in production). A time earlier than one already seen counts as that
// time (the HTTP thread may race an actor update by microseconds).
//
// What is counted (docs/monitoring.md):
// - an op is one client-facing request the CS serves: ClientToCsRead /
//   ClientToCsWrite / ClientToCsSync, from a mount, a chain predecessor or a
//   replicating CS, from the moment its handler starts until its answer is
//   delivered (a chained write waits for the downstream answer);
// - IOLAT avg/max: the service time of the ops that finished in the window;
// - QDEPTH: the time-average number of ops in service over the window
//   (Little's law: ops/s x average latency);
// - IOWAIT: the share of the window during which a storage call (disk read,
//   write, fsync, ...) was running, in percent (storage calls are serialized
//   by the actor, so they never overlap);
// - rates: bytes and ops of the ops that finished in the window, divided by
//   the window's length (shorter than 20 s only in the first 20 s).
// The window is kept as one slot per second; the current second is partial.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

namespace pstorage::cs {

enum class io_kind { read, write, sync };

// Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied.
inline constexpr std::array<double, 14> io_latency_bounds_s = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                               0.1,    0.25,  0.5,    1,     2.5,   5,     10};

// Since start (monotonic, for Prometheus counters and the histogram).
struct io_totals {
  uint64_t read_bytes = 0, write_bytes = 0;
  uint64_t read_ops = 0, write_ops = 0, sync_ops = 0;
  uint64_t failed_ops = 0;  // answered with a status other than OK (counted in the kinds too)
  // latency_buckets[i]: ops with latency <= io_latency_bounds_s[i] and above
  // the previous bound (not cumulative); the last element is the +Inf bucket.
  std::array<uint64_t, io_latency_bounds_s.size() + 1> latency_buckets{};
  double latency_sum_s = 0;
  uint64_t latency_count = 0;
  std::chrono::nanoseconds storage_busy{0};
  uint64_t unaligned_writes = 0;  // JRMW: write requests not on 4 KiB boundaries
};

// Over the window (guide's 20 s).
struct io_figures {
  double window_s = 0;  // the length the rates are over
  double read_bytes_per_s = 0, write_bytes_per_s = 0;
  double read_ops_per_s = 0, write_ops_per_s = 0, sync_ops_per_s = 0;
  double latency_avg_ms = 0, latency_max_ms = 0;  // IOLAT; 0 when no op finished
  double queue_depth = 0;                         // QDEPTH
  double iowait_percent = 0;                      // IOWAIT, 0..100
  uint64_t in_flight = 0;                         // ops in service now
  // JRMW (guide "Improving High-Capacity HDD Performance": without SSD
  // journals, "the number of unaligned requests which potentially generate
  // Read-Modify-Write cycles"): unaligned writes in the window, a count.
  uint64_t unaligned_writes = 0;
};

// A write piece that starts or ends off a 4 KiB boundary (a 4 KiB-sector
// disk reads the head or tail sector first: a Read-Modify-Write cycle).
inline bool unaligned_4k(uint64_t offset, uint64_t length) { return offset % 4096 != 0 || length % 4096 != 0; }

class io_window_stats {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::seconds default_window{20};

  explicit io_window_stats(time_point start, std::chrono::seconds window = default_window);

  // An op's handler started at `now`.
  void op_started(time_point now);
  // The op started at `started` was answered at `now` (ok: with status OK).
  // Every op_finished pairs with one earlier op_started.
  void op_finished(time_point started, time_point now, io_kind kind, uint64_t bytes, bool ok);
  // A write request with an unaligned piece (unaligned_4k) arrived at `now`.
  void unaligned_write(time_point now);
  // A storage call that ended at `now` ran for `took`.
  void storage_call(std::chrono::nanoseconds took, time_point now);

  // The window's figures as of `now` (advances the window).
  io_figures figures(time_point now);
  const io_totals& totals() const { return totals_; }

 private:
  struct slot {
    int64_t second = -1;  // seconds since start_ this slot holds; -1: empty
    uint64_t read_bytes = 0, write_bytes = 0, read_ops = 0, write_ops = 0, sync_ops = 0;
    double latency_sum_ms = 0, latency_max_ms = 0;
    uint64_t latency_count = 0;
    double depth_ns = 0;  // integral of ops in service over time, in op x ns
    double busy_ns = 0;   // storage-call time in this second
    uint64_t unaligned_writes = 0;
  };

  time_point clamp(time_point now) const { return now < last_ ? last_ : now; }
  int64_t second_of(time_point t) const;
  slot& slot_for(int64_t second);
  // Moves the depth integral up to `now`.
  void advance(time_point now);
  // Calls add(slot, ns) for each second-slot [from, to) overlaps (within the window).
  template <class F>
  void spread(time_point from, time_point to, F&& add);

  time_point start_;
  std::chrono::seconds window_;
  std::vector<slot> slots_;
  time_point last_;  // latest time seen
  uint64_t depth_ = 0;
  io_totals totals_;
};

}  // namespace pstorage::cs
