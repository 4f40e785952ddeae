#include "frontends/common/process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "persistence/journal_store.hpp"

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

double cpu_window::percent(double uptime_s, double cpu_s) {
  // Samples older than the window go, but the newest of them stays as the base.
  while (samples_.size() >= 2 && samples_[1].t <= uptime_s - window_s_) samples_.erase(samples_.begin());
  double pct;
  if (samples_.empty() || samples_.front().t >= uptime_s) {
    pct = uptime_s > 0 ? cpu_s / uptime_s * 100 : 0;  // since start
  } else {
    pct = (cpu_s - samples_.front().cpu) / (uptime_s - samples_.front().t) * 100;
  }
  if (samples_.empty() || uptime_s > samples_.back().t) samples_.push_back({uptime_s, cpu_s});
  if (samples_.size() > 4096) samples_.erase(samples_.begin(), samples_.begin() + 2048);  // a reader gone wild
  return std::max(0.0, pct);
}

std::optional<process_figures> read_process_figures() {
  std::ifstream s("/proc/self/stat"), u("/proc/uptime");
  std::string stat;
  double uptime = 0;
  if (!std::getline(s, stat) || !(u >> uptime)) return std::nullopt;
  auto p = parse_proc_stat(stat, uptime, static_cast<double>(::sysconf(_SC_CLK_TCK)),
                           static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)));
  if (p) {
    static std::mutex m;
    static cpu_window window;
    std::lock_guard<std::mutex> g(m);
    p->cpu_percent = window.percent(p->uptime_seconds, p->cpu_seconds);
  }
  return p;
}

std::optional<process_figures> parse_process_metrics(std::string_view text) {
  std::optional<double> cpu, mem, up, ctime;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string name = line.substr(0, sp);
    double v = 0;
    try {
      v = std::stod(line.substr(sp + 1));
    } catch (const std::exception&) {
      continue;
    }
    if (name == "pstorage_process_cpu_percent") cpu = v;
    else if (name == "pstorage_process_resident_memory_bytes") mem = v;
    else if (name == "pstorage_process_uptime_seconds") up = v;
    else if (name == "pstorage_journal_ctime_percent") ctime = v;
  }
  if (!cpu || !mem || !up) return std::nullopt;
  process_figures p;
  p.cpu_percent = *cpu;
  p.resident_bytes = static_cast<uint64_t>(*mem);
  p.uptime_seconds = *up;
  if (ctime) p.ctime_percent = *ctime;
  return p;
}

void add_process_metrics(metrics_registry& r, const process_figures& p) {
  r.counter("pstorage_process_cpu_seconds_total",
            "CPU time (user + system) of this daemon since it started; rate() of it is the guide's %CPU / 100.",
            p.cpu_seconds);
  r.gauge("pstorage_process_resident_memory_bytes", "MEM: physical memory this daemon uses (resident set).",
          static_cast<double>(p.resident_bytes));
  r.gauge("pstorage_process_uptime_seconds", "UPTIME: time since this daemon started.", p.uptime_seconds);
  r.gauge("pstorage_process_cpu_percent",
          "%CPU: CPU time over wall time since the previous read of these figures, at most 20 s back (since start "
          "on the first read); the MDS table of stat/top.",
          p.cpu_percent);
}

void add_journal_time_metrics(metrics_registry& r) {
  static std::mutex m;
  static cpu_window window;
  static const auto start = std::chrono::steady_clock::now();
  const double busy_s = static_cast<double>(persistence::journal_store::write_ns_total()) / 1e9;
  double pct = 0;
  {
    std::lock_guard<std::mutex> g(m);
    pct = window.percent(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), busy_s);
  }
  r.counter("pstorage_journal_write_seconds_total",
            "Time this MDS spent writing and fsyncing its local journal; rate() of it is the guide's %CTIME / 100.",
            busy_s);
  r.gauge("pstorage_journal_ctime_percent",
          "%CTIME: time spent writing the local journal over wall time since the previous read, at most 20 s back; "
          "the MDS table of stat/top.",
          pct);
}

}  // namespace pstorage::frontend
