// Tests of frontends/common/process_stats.hpp: a daemon's %CPU, MEM and
// UPTIME (guide: "Monitoring Metadata Servers") from /proc/PID/stat.
#include "frontends/common/process_stats.hpp"

#include <doctest/doctest.h>

using namespace pstorage::frontend;

namespace {
// proc(5) fields 1..24: pid (comm) state ppid pgrp session tty tpgid flags
// minflt cminflt majflt cmajflt utime stime cutime cstime priority nice
// num_threads itrealvalue starttime vsize rss ...
const char* line =
    "4242 (pstorage-mdsd) S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 50 0 0 20 0 9 0 100000 512000000 2048 "
    "18446744073709551615 1 1 0 0 0 0 0 4096 17926 0 0 0 17 1 0 0 0 0 0\n";
}  // namespace

TEST_CASE("CPU is utime + stime, MEM is rss pages, UPTIME counts from starttime") {
  auto p = parse_proc_stat(line, 1500.0, 100, 4096);
  REQUIRE(p);
  CHECK(p->cpu_seconds == doctest::Approx(3.0));  // (250 + 50) / 100
  CHECK(p->resident_bytes == 2048u * 4096);
  CHECK(p->uptime_seconds == doctest::Approx(500));  // 1500 - 100000 / 100
}

TEST_CASE("a command name with spaces and parentheses does not shift the fields") {
  std::string odd = line;
  odd.replace(odd.find("(pstorage-mdsd)"), 15, "(a) b) (c)");
  auto p = parse_proc_stat(odd, 1500.0, 100, 4096);
  REQUIRE(p);
  CHECK(p->cpu_seconds == doctest::Approx(3.0));
}

TEST_CASE("not a stat line: no figures") {
  CHECK_FALSE(parse_proc_stat("", 1, 100, 4096));
  CHECK_FALSE(parse_proc_stat("4242 (x) S 1 2", 1, 100, 4096));
  CHECK_FALSE(parse_proc_stat("4242 (x) S 1 2 3 4 5 6 7 8 9 10 x0 1 0 0 0 0 0 0 0 0 0", 1, 100, 4096));  // utime "x0"
  CHECK_FALSE(parse_proc_stat(line, 1, 0, 4096));
}

TEST_CASE("this process's figures read from /proc, exported as pstorage_process_*") {
  auto p = read_process_figures();
  REQUIRE(p);
  CHECK(p->resident_bytes > 0);
  CHECK(p->uptime_seconds >= 0);
  metrics_registry r;
  add_process_metrics(r, *p);
  CHECK(r.families().size() == 4);
  CHECK(r.text().find("# TYPE pstorage_process_cpu_seconds_total counter\n") != std::string::npos);
}

TEST_CASE("%CPU over the time since the previous read, at most 20 s back; since start on the first read") {
  cpu_window w;
  CHECK(w.percent(100, 10) == doctest::Approx(10));  // first read: 10 s of CPU in 100 s
  CHECK(w.percent(101, 10.5) == doctest::Approx(50));  // 0.5 s of CPU in the last second
  for (int i = 2; i <= 40; ++i) w.percent(100 + i, 10.5 + 0.25 * (i - 1));  // 25 % for 39 s
  CHECK(w.percent(141, 10.5 + 0.25 * 40) == doctest::Approx(25));   // the last 20 s only
  CHECK(w.percent(200, 10.5 + 0.25 * 40) == doctest::Approx(0));    // idle since the last read (59 s)
  cpu_window fresh;
  CHECK(fresh.percent(0, 0) == 0);
}

TEST_CASE("the MDS table's figures are read back from a daemon's /metrics") {
  process_figures f;
  f.cpu_seconds = 12;
  f.resident_bytes = 64u << 20;
  f.uptime_seconds = 3600;
  f.cpu_percent = 3.5;
  metrics_registry r;
  add_process_metrics(r, f);
  auto back = parse_process_metrics(r.text());
  REQUIRE(back);
  CHECK(back->cpu_percent == doctest::Approx(3.5));
  CHECK(back->resident_bytes == 64u << 20);
  CHECK(back->uptime_seconds == doctest::Approx(3600));
  CHECK(back->ctime_percent == -1);  // a CS: no journal
  add_journal_time_metrics(r);       // an MDS: its %CTIME beside
  auto mds = parse_process_metrics(r.text());
  REQUIRE(mds);
  CHECK(mds->ctime_percent >= 0);
  CHECK(mds->ctime_percent <= 100);
  CHECK(r.text().find("pstorage_journal_write_seconds_total ") != std::string::npos);
  CHECK_FALSE(parse_process_metrics("pstorage_process_uptime_seconds 5\n"));
  CHECK_FALSE(parse_process_metrics(""));
}
