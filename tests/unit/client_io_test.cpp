// A mount's own I/O figures (actors/client/client_io.hpp): rates, fsyncs,
// latency and LEASES (time-average of open handles) over 20 s.
#include <doctest/doctest.h>

#include "actors/client/client_io.hpp"

using namespace pstorage::client;
using namespace std::chrono_literals;

TEST_CASE("reads, writes and fsyncs over the window, with their latency") {
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  client_io_meter m(t0);
  for (int i = 0; i < 20; ++i) {  // one 1 MiB write and one 64 KiB read per second for 20 s
    auto s = m.started(t0 + std::chrono::seconds(i));
    m.finished(s, s + 2ms, client_op::write, 1 << 20, true);
    s = m.started(t0 + std::chrono::seconds(i) + 100ms);
    m.finished(s, s + 4ms, client_op::read, 64 << 10, true);
  }
  auto s = m.started(t0 + 19s + 500ms);
  m.finished(s, s + 30ms, client_op::fsync, 0, true);
  // At t0 + 20 s the 20 s window holds seconds 1..19 whole and second 20,
  // just begun (the CS's arithmetic, io_stats.hpp): 19 s, second 0 is out.
  auto f = m.figures(t0 + 20s);
  CHECK(f.window_s == doctest::Approx(19));
  CHECK(f.write_bytes_per_s == doctest::Approx(double(1 << 20)));
  CHECK(f.read_bytes_per_s == doctest::Approx(double(64 << 10)));
  CHECK(f.write_ops_per_s == doctest::Approx(1));
  CHECK(f.read_ops_per_s == doctest::Approx(1));
  CHECK(f.fsyncs_per_s == doctest::Approx(1.0 / 19));
  CHECK(f.latency_max_ms == doctest::Approx(30));
  CHECK(f.latency_avg_ms == doctest::Approx((19 * 2 + 19 * 4 + 30) / 39.0));
  CHECK(f.open_files == 0);
  // 20 s later with nothing done: all zero again.
  auto idle = m.figures(t0 + 45s);
  CHECK(idle.write_ops_per_s == 0);
  CHECK(idle.latency_max_ms == 0);
}

TEST_CASE("LEASES: the time-average of open handles") {
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  client_io_meter m(t0);
  m.opened(t0);        // open all 20 s
  m.opened(t0 + 10s);  // open the last 10 s
  auto f = m.figures(t0 + 20s);  // over seconds 1..19: 19 s x 1 + 10 s x 1
  CHECK(f.open_files == doctest::Approx(29.0 / 19));
  m.released(t0 + 20s);
  m.released(t0 + 20s);
  m.released(t0 + 20s);  // one too many: ignored
  CHECK(m.figures(t0 + 45s).open_files == doctest::Approx(0));
}

#include "actors/mds/client_io_table.hpp"

TEST_CASE("the master's clients table: CLIDs in order of first report, latest figures, silent mounts dropped") {
  pstorage::mds::client_io_table t(60);
  client_io_figures a;
  a.read_ops_per_s = 5;
  t.report("h1:10:aa", "h1", a, 0);
  t.report("h2:20:bb", "h2", a, 5);
  a.read_ops_per_s = 7;
  t.report("h1:10:aa", "h1", a, 30);
  auto r = t.rows(40);
  REQUIRE(r.size() == 2);
  CHECK(r[0].id == 1);
  CHECK(r[0].client_id == "h1:10:aa");
  CHECK(r[0].io.read_ops_per_s == 7);
  CHECK(r[0].age == 10);
  CHECK(r[1].id == 2);
  CHECK(r[1].host == "h2");
  r = t.rows(70);  // h2 silent for 65 > 60
  REQUIRE(r.size() == 1);
  CHECK(r[0].id == 1);
  t.report("h2:20:bb", "h2", a, 71);  // back: a new CLID
  CHECK(t.rows(71).back().id == 3);
  CHECK(t.clid("h2:20:bb") == 3);
  CHECK(t.clid("h9:90:zz") == 0);
}
