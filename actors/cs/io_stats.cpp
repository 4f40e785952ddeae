#include "actors/cs/io_stats.hpp"

#include <algorithm>

namespace pstorage::cs {

using std::chrono::nanoseconds;
using std::chrono::seconds;

io_window_stats::io_window_stats(time_point start, seconds window)
    : start_(start), window_(std::max(window, seconds(1))), slots_(static_cast<size_t>(window_.count())), last_(start) {}

int64_t io_window_stats::second_of(time_point t) const {
  if (t <= start_) return 0;
  return std::chrono::duration_cast<seconds>(t - start_).count();
}

io_window_stats::slot& io_window_stats::slot_for(int64_t second) {
  auto& s = slots_[static_cast<size_t>(second % window_.count())];
  if (s.second != second) s = slot{.second = second};
  return s;
}

template <class F>
void io_window_stats::spread(time_point from, time_point to, F&& add) {
  const int64_t oldest = second_of(to) - window_.count() + 1;
  from = std::max({from, start_, start_ + seconds(std::max<int64_t>(oldest, 0))});
  for (int64_t sec = second_of(from); from < to; ++sec) {
    const time_point end = std::min(start_ + seconds(sec + 1), to);
    if (end > from) add(slot_for(sec), static_cast<double>(nanoseconds(end - from).count()));
    from = std::max(from, end);
  }
}

void io_window_stats::advance(time_point now) {
  now = clamp(now);
  if (depth_ > 0) {
    const double depth = static_cast<double>(depth_);
    spread(last_, now, [depth](slot& s, double ns) { s.depth_ns += depth * ns; });
  }
  last_ = now;
}

void io_window_stats::op_started(time_point now) {
  advance(now);
  ++depth_;
}

void io_window_stats::op_finished(time_point started, time_point now, io_kind kind, uint64_t bytes, bool ok) {
  advance(now);
  now = clamp(now);
  if (depth_ > 0) --depth_;
  const nanoseconds took = now > started ? nanoseconds(now - started) : nanoseconds(0);
  const double ms = static_cast<double>(took.count()) / 1e6;
  auto& s = slot_for(second_of(now));
  switch (kind) {
    case io_kind::read:
      s.read_bytes += bytes;
      ++s.read_ops;
      totals_.read_bytes += bytes;
      ++totals_.read_ops;
      break;
    case io_kind::write:
      s.write_bytes += bytes;
      ++s.write_ops;
      totals_.write_bytes += bytes;
      ++totals_.write_ops;
      break;
    case io_kind::sync:
      ++s.sync_ops;
      ++totals_.sync_ops;
      break;
  }
  s.latency_sum_ms += ms;
  s.latency_max_ms = std::max(s.latency_max_ms, ms);
  ++s.latency_count;
  if (!ok) ++totals_.failed_ops;
  const double sec = ms / 1e3;
  size_t b = 0;
  while (b < io_latency_bounds_s.size() && sec > io_latency_bounds_s[b]) ++b;
  ++totals_.latency_buckets[b];
  totals_.latency_sum_s += sec;
  ++totals_.latency_count;
}

void io_window_stats::unaligned_write(time_point now) {
  advance(now);
  ++slot_for(second_of(clamp(now))).unaligned_writes;
  ++totals_.unaligned_writes;
}

void io_window_stats::storage_call(nanoseconds took, time_point now) {
  advance(now);
  now = clamp(now);
  if (took.count() <= 0) return;
  totals_.storage_busy += took;
  spread(now - took, now, [](slot& s, double ns) { s.busy_ns += ns; });
}

io_figures io_window_stats::figures(time_point now) {
  advance(now);
  now = clamp(now);
  const int64_t current = second_of(now);
  const int64_t oldest = std::max<int64_t>(current - window_.count() + 1, 0);
  const double span_ns = static_cast<double>(nanoseconds(now - (start_ + seconds(oldest))).count());
  io_figures f;
  f.in_flight = depth_;
  if (span_ns <= 0) return f;
  double read_bytes = 0, write_bytes = 0, read_ops = 0, write_ops = 0, sync_ops = 0;
  double lat_sum = 0, lat_count = 0, depth_ns = 0, busy_ns = 0;
  for (const auto& s : slots_) {
    if (s.second < oldest || s.second > current) continue;
    read_bytes += static_cast<double>(s.read_bytes);
    write_bytes += static_cast<double>(s.write_bytes);
    read_ops += static_cast<double>(s.read_ops);
    write_ops += static_cast<double>(s.write_ops);
    sync_ops += static_cast<double>(s.sync_ops);
    lat_sum += s.latency_sum_ms;
    lat_count += static_cast<double>(s.latency_count);
    f.latency_max_ms = std::max(f.latency_max_ms, s.latency_max_ms);
    depth_ns += s.depth_ns;
    busy_ns += s.busy_ns;
    f.unaligned_writes += s.unaligned_writes;
  }
  const double span_s = span_ns / 1e9;
  f.window_s = span_s;
  f.read_bytes_per_s = read_bytes / span_s;
  f.write_bytes_per_s = write_bytes / span_s;
  f.read_ops_per_s = read_ops / span_s;
  f.write_ops_per_s = write_ops / span_s;
  f.sync_ops_per_s = sync_ops / span_s;
  f.latency_avg_ms = lat_count > 0 ? lat_sum / lat_count : 0;
  f.queue_depth = depth_ns / span_ns;
  f.iowait_percent = std::min(100.0, busy_ns / span_ns * 100.0);
  return f;
}

}  // namespace pstorage::cs
