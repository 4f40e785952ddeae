#include "frontends/common/process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pstorage::frontend {

std::optional<process_figures> parse_proc_stat(std::string_view stat, double system_uptime_s, double ticks_per_s,
                                               uint64_t page_size) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_s <= 0) return std::nullopt;
  // Fields from 3 (state) on; proc(5) numbers them from 1 (pid).
  std::istringstream in{std::string(stat.substr(close + 1))};
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  auto field = [&](size_t n) -> std::optional<double> {  // proc(5) field number
    if (n < 3 || n - 3 >= f.size()) return std::nullopt;
    try {
      size_t used = 0;
      double v = std::stod(f[n - 3], &used);
      if (used != f[n - 3].size()) return std::nullopt;
      return v;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  auto utime = field(14), stime = field(15), start = field(22), rss = field(24);
  if (!utime || !stime || !start || !rss) return std::nullopt;
  process_figures p;
  p.cpu_seconds = (*utime + *stime) / ticks_per_s;
  p.resident_bytes = static_cast<uint64_t>(*rss < 0 ? 0 : *rss) * page_size;
  p.uptime_seconds = std::max(0.0, system_uptime_s - *start / ticks_per_s);
  return p;
}

std::optional<process_figures> read_process_figures() {
  std::ifstream s("/proc/self/stat"), u("/proc/uptime");
  std::string stat;
  double uptime = 0;
  if (!std::getline(s, stat) || !(u >> uptime)) return std::nullopt;
  return parse_proc_stat(stat, uptime, static_cast<double>(::sysconf(_SC_CLK_TCK)),
                         static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)));
}

void add_process_metrics(metrics_registry& r, const process_figures& p) {
  r.counter("pstorage_process_cpu_seconds_total",
            "CPU time (user + system) of this daemon since it started; rate() of it is the guide's %CPU / 100.",
            p.cpu_seconds);
  r.gauge("pstorage_process_resident_memory_bytes", "MEM: physical memory this daemon uses (resident set).",
          static_cast<double>(p.resident_bytes));
  r.gauge("pstorage_process_uptime_seconds", "UPTIME: time since this daemon started.", p.uptime_seconds);
}

}  // namespace pstorage::frontend
