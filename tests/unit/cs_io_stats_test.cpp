// Tests of actors/cs/io_stats.hpp: a CS's IOWAIT / IOLAT / QDEPTH and IO
// rates over the guide's 20-second window ("Monitoring Chunk Servers").
#include "actors/cs/io_stats.hpp"

#include <doctest/doctest.h>

using namespace pstorage::cs;
using namespace std::chrono;

namespace {
const io_window_stats::time_point t0{seconds(1000)};
io_window_stats::time_point at(double s) { return t0 + duration_cast<nanoseconds>(duration<double>(s)); }

// One op of `kind` from `from` to `to` seconds after t0.
void op(io_window_stats& st, double from, double to, io_kind kind, uint64_t bytes, bool ok = true) {
  st.op_started(at(from));
  st.op_finished(at(from), at(to), kind, bytes, ok);
}
}  // namespace

TEST_CASE("nothing happened: all figures zero") {
  io_window_stats st(t0);
  auto f = st.figures(at(5));
  CHECK(f.window_s == doctest::Approx(5));
  CHECK(f.read_bytes_per_s == 0);
  CHECK(f.write_ops_per_s == 0);
  CHECK(f.latency_avg_ms == 0);
  CHECK(f.latency_max_ms == 0);
  CHECK(f.queue_depth == 0);
  CHECK(f.iowait_percent == 0);
  CHECK(f.in_flight == 0);
  io_window_stats fresh(t0);
  CHECK(fresh.figures(t0).window_s == 0);  // no time has passed: no rates at all
}

TEST_CASE("rates are bytes and ops of finished ops over the window") {
  io_window_stats st(t0);
  for (int i = 0; i < 20; ++i) {  // in time order (an earlier time counts as the latest seen)
    op(st, i + 0.1, i + 0.2, io_kind::write, 1 << 20);
    if (i < 10) op(st, i + 0.3, i + 0.35, io_kind::read, 4096);
    if (i == 5) op(st, 5.5, 5.6, io_kind::sync, 0);
  }
  auto f = st.figures(at(19.5));
  CHECK(f.window_s == doctest::Approx(19.5));
  CHECK(f.write_bytes_per_s == doctest::Approx(20.0 * (1 << 20) / 19.5));
  CHECK(f.write_ops_per_s == doctest::Approx(20 / 19.5));
  CHECK(f.read_bytes_per_s == doctest::Approx(10.0 * 4096 / 19.5));
  CHECK(f.read_ops_per_s == doctest::Approx(10 / 19.5));
  CHECK(f.sync_ops_per_s == doctest::Approx(1 / 19.5));
  // At 20 s the second [0 s, 1 s) has left: the window is [1 s, 20 s).
  f = st.figures(at(20));
  CHECK(f.window_s == doctest::Approx(19));
  CHECK(f.write_ops_per_s == doctest::Approx(1));
  CHECK(f.read_ops_per_s == doctest::Approx(9 / 19.0));
  auto& t = st.totals();
  CHECK(t.write_bytes == 20u << 20);
  CHECK(t.read_ops == 10);
  CHECK(t.sync_ops == 1);
  CHECK(t.failed_ops == 0);
}

TEST_CASE("IOLAT: average and maximum of the ops finished in the last 20 s") {
  io_window_stats st(t0);
  op(st, 1.0, 1.5, io_kind::write, 10);    // 500 ms, leaves the window at 22 s
  op(st, 10.0, 10.010, io_kind::read, 10);  // 10 ms
  op(st, 11.0, 11.030, io_kind::read, 10);  // 30 ms
  auto f = st.figures(at(15));
  CHECK(f.latency_max_ms == doctest::Approx(500));
  CHECK(f.latency_avg_ms == doctest::Approx(540.0 / 3));
  f = st.figures(at(25));  // the 500 ms op finished 23.5 s ago
  CHECK(f.latency_max_ms == doctest::Approx(30));
  CHECK(f.latency_avg_ms == doctest::Approx(20));
  f = st.figures(at(40));  // all gone
  CHECK(f.latency_max_ms == 0);
  CHECK(f.latency_avg_ms == 0);
  CHECK(f.read_ops_per_s == 0);
  CHECK(st.totals().latency_count == 3);  // totals never forget
}

TEST_CASE("QDEPTH: time-average of the ops in service") {
  io_window_stats st(t0, seconds(30));
  // Two ops overlap for 10 s of the first 20 s: depth 2 for 10 s = average 1.
  st.op_started(at(0));
  st.op_started(at(0));
  CHECK(st.figures(at(5)).in_flight == 2);
  st.op_finished(at(0), at(10), io_kind::write, 1, true);
  st.op_finished(at(0), at(10), io_kind::write, 1, true);
  auto f = st.figures(at(20));
  CHECK(f.queue_depth == doctest::Approx(1.0));
  CHECK(f.in_flight == 0);
  // An op still in service counts up to now.
  st.op_started(at(20));
  f = st.figures(at(30));
  CHECK(f.in_flight == 1);
  // window [1 s, 30 s): the pair for 9 s of it, the new op for 10 s
  CHECK(f.queue_depth == doctest::Approx((2 * 9 + 10) / 29.0));
}

TEST_CASE("IOWAIT: share of the window a storage call was running, in percent") {
  io_window_stats st(t0);
  for (int i = 0; i < 20; ++i) st.storage_call(milliseconds(250), at(i + 0.5));  // a quarter of every second
  auto f = st.figures(at(20));
  CHECK(f.iowait_percent == doctest::Approx(25));
  CHECK(st.totals().storage_busy == seconds(5));
  // A call spanning a second boundary is split between the seconds.
  io_window_stats one(t0, seconds(2));
  one.storage_call(milliseconds(500), at(1.25));
  CHECK(one.figures(at(2)).iowait_percent == doctest::Approx(25));
  CHECK(one.figures(at(2.5)).iowait_percent == doctest::Approx(100.0 * 0.25 / 1.5));  // window [1 s, 2.5 s)
  // Never above 100 % (clock jitter, a call longer than the window).
  io_window_stats busy(t0);
  busy.storage_call(seconds(100), at(10));
  CHECK(busy.figures(at(10)).iowait_percent == doctest::Approx(100));
}

TEST_CASE("the window starts shorter: rates over the time since start until 20 s passed") {
  io_window_stats st(t0);
  op(st, 0.5, 1.0, io_kind::write, 1000);
  CHECK(st.figures(at(2)).write_bytes_per_s == doctest::Approx(500));
  CHECK(st.figures(at(2)).window_s == doctest::Approx(2));
  // After 20 s the window is between 19 and 20 s long (the current second is partial).
  auto f = st.figures(at(20.5));
  CHECK(f.window_s == doctest::Approx(19.5));
  CHECK(f.write_bytes_per_s == doctest::Approx(1000 / 19.5));
}

TEST_CASE("a long idle time empties the window without walking every second") {
  io_window_stats st(t0);
  st.op_started(at(1));
  st.op_finished(at(1), at(2), io_kind::read, 100, true);
  auto f = st.figures(at(1e7));  // ~4 months later
  CHECK(f.read_ops_per_s == 0);
  CHECK(f.queue_depth == 0);
  CHECK(st.totals().read_bytes == 100);
}

TEST_CASE("a time earlier than one already seen counts as that time") {
  io_window_stats st(t0);
  op(st, 3, 4, io_kind::read, 10);
  auto f = st.figures(at(2));  // the reader's clock lags a little
  CHECK(f.read_ops_per_s == doctest::Approx(1.0 / 4));
  CHECK(f.window_s == doctest::Approx(4));
}

TEST_CASE("failed ops are counted, and in the latency histogram by bound") {
  io_window_stats st(t0);
  op(st, 1, 1.0004, io_kind::read, 0, false);  // 0.4 ms: first bucket (<= 0.5 ms)
  op(st, 2, 2.003, io_kind::write, 1);         // 3 ms: the <= 5 ms bucket
  st.op_started(at(3));
  st.op_finished(at(3), at(3) + milliseconds(1), io_kind::write, 1, true);  // exactly 1 ms: the <= 1 ms bucket
  op(st, 4, 20, io_kind::sync, 0);             // 16 s: +Inf
  auto& t = st.totals();
  CHECK(t.failed_ops == 1);
  CHECK(t.latency_buckets[0] == 1);
  CHECK(t.latency_buckets[1] == 1);
  CHECK(t.latency_buckets[3] == 1);
  CHECK(t.latency_buckets.back() == 1);
  CHECK(t.latency_count == 4);
  CHECK(t.latency_sum_s == doctest::Approx(0.0004 + 0.003 + 0.001 + 16));
}

TEST_CASE("JRMW: unaligned writes over the window, and since start") {
  CHECK_FALSE(unaligned_4k(0, 4096));
  CHECK_FALSE(unaligned_4k(8192, 65536));
  CHECK(unaligned_4k(2048, 4096));  // the guide's 4 KiB write at a 2 KiB offset
  CHECK(unaligned_4k(4096, 1024));  // a 1 KiB write
  io_window_stats st(t0);
  st.unaligned_write(at(1));
  st.unaligned_write(at(2));
  st.unaligned_write(at(15));
  CHECK(st.figures(at(16)).unaligned_writes == 3);
  CHECK(st.figures(at(21.5)).unaligned_writes == 2);  // the first one left the 20 s window
  CHECK(st.figures(at(40)).unaligned_writes == 0);
  CHECK(st.totals().unaligned_writes == 3);
}
