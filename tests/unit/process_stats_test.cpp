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
  CHECK(r.families().size() == 3);
  CHECK(r.text().find("# TYPE pstorage_process_cpu_seconds_total counter\n") != std::string::npos);
}
