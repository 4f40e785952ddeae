// process_stats.hpp — a daemon's own CPU time, resident memory and uptime
// from /proc (guide: "Monitoring Metadata Servers": %CPU "MDS server
// activity time", MEM "Amount of physical memory the MDS server uses",
// UPTIME "Time elapsed since the last MDS server start"), exported by every
// daemon's /metrics as pstorage_process_* (docs/monitoring.md).
// parse_proc_stat is pure (unit-tested); read_process_figures reads /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "frontends/common/metrics_text.hpp"

namespace pstorage::frontend {

struct process_figures {
  double cpu_seconds = 0;      // user + system time since start
  uint64_t resident_bytes = 0;  // RSS
  double uptime_seconds = 0;   // since the process started
  // %CPU (read_process_figures only): CPU time over wall time since the
  // previous read, at most cpu_window_s back (cpu_window); since start on
  // the first read.
  double cpu_percent = 0;
  // %CTIME (an MDS's /metrics, parse_process_metrics): time spent writing
  // the journal over wall time, the same window as %CPU; -1 when not given.
  double ctime_percent = -1;
};

// This process's %CTIME now (persistence::journal_store::write_ns_total
// over wall time, a cpu_window of its own) and the counter behind it, for an
// MDS's /metrics: pstorage_journal_write_seconds_total and
// pstorage_journal_ctime_percent.
void add_journal_time_metrics(metrics_registry& r);

// The guide's %CPU without a sampling thread: each read of the figures
// (every /metrics scrape, each `pstorage stat`/`top` refresh) records a
// sample; the percentage is taken back to the oldest sample at most
// `window_s` old, so a reader polling every second (top) sees the last
// 20 s, one polling rarely the time since its last read. Pure.
class cpu_window {
 public:
  static constexpr double default_window_s = 20;
  explicit cpu_window(double window_s = default_window_s) : window_s_(window_s) {}
  // `uptime_s`: the process's age now; `cpu_s`: its CPU time now.
  double percent(double uptime_s, double cpu_s);

 private:
  double window_s_;
  struct sample {
    double t, cpu;
  };
  std::vector<sample> samples_;  // oldest first
};

// The figures the MDS table shows, read back from a daemon's /metrics text
// (pstorage_process_cpu_percent, _resident_memory_bytes, _uptime_seconds;
// nullopt when one is missing; and pstorage_journal_ctime_percent if there).
std::optional<process_figures> parse_process_metrics(std::string_view metrics_text);

// `stat`: the text of /proc/PID/stat; `system_uptime_s`: the first number of
// /proc/uptime; clock ticks per second and the page size of the host.
// nullopt if the text is not a stat line (a command name may hold spaces and
// parentheses: fields are counted after the last ')').
std::optional<process_figures> parse_proc_stat(std::string_view stat, double system_uptime_s, double ticks_per_s,
                                               uint64_t page_size);

// This process's figures (nullopt when /proc cannot be read).
std::optional<process_figures> read_process_figures();

void add_process_metrics(metrics_registry& r, const process_figures& p);

}  // namespace pstorage::frontend
