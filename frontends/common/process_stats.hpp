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

#include "frontends/common/metrics_text.hpp"

namespace pstorage::frontend {

struct process_figures {
  double cpu_seconds = 0;      // user + system time since start
  uint64_t resident_bytes = 0;  // RSS
  double uptime_seconds = 0;   // since the process started
};

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
