// io_monitor.hpp — io_window_stats shared between the CS actor (which
// records ops and storage calls) and the daemon's HTTP thread (which reads
// the figures for /status and /metrics): the same class behind a mutex.
// Times are passed in, as for io_window_stats.
#pragma once

#include <mutex>

#include "actors/cs/io_stats.hpp"

namespace pstorage::cs {

class io_monitor {
 public:
  using time_point = io_window_stats::time_point;
  explicit io_monitor(time_point start) : stats_(start) {}

  void op_started(time_point now) {
    std::lock_guard lock(mu_);
    stats_.op_started(now);
  }
  void op_finished(time_point started, time_point now, io_kind kind, uint64_t bytes, bool ok) {
    std::lock_guard lock(mu_);
    stats_.op_finished(started, now, kind, bytes, ok);
  }
  void unaligned_write(time_point now) {
    std::lock_guard lock(mu_);
    stats_.unaligned_write(now);
  }
  void storage_call(std::chrono::nanoseconds took, time_point now) {
    std::lock_guard lock(mu_);
    stats_.storage_call(took, now);
  }
  // The window's figures and the totals, read together.
  std::pair<io_figures, io_totals> read(time_point now) {
    std::lock_guard lock(mu_);
    auto f = stats_.figures(now);
    return {f, stats_.totals()};
  }

 private:
  std::mutex mu_;
  io_window_stats stats_;
};

}  // namespace pstorage::cs
