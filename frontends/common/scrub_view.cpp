#include "frontends/common/scrub_view.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "frontends/common/progress_rate.hpp"
#include "frontends/common/stat_view.hpp"

namespace pstorage::frontend {

nlohmann::json scrub_to_json(proto::ScrubProgress::Reader s) {
  std::string state = s.getState().cStr();
  return {{"state", state.empty() ? "idle" : state},
          {"chunks_done", s.getChunksDone()},
          {"chunks_total", s.getChunksTotal()},
          {"bytes_done", s.getBytesDone()},
          {"bytes_total", s.getBytesTotal()},
          {"started_ns", s.getStartedNs()},
          {"elapsed_ms", s.getElapsedMs()},
          {"bad_found", s.getBadFound()},
          {"last_completed_ns", s.getLastCompletedNs()},
          {"last_cycle_ms", s.getLastCycleMs()}};
}

scrub_cs_view scrub_view_of(const nlohmann::json& s) {
  scrub_cs_view v;
  if (!s.is_object()) return v;
  v.state = s.value("state", std::string("idle"));
  v.chunks_done = s.value("chunks_done", uint64_t{0});
  v.chunks_total = s.value("chunks_total", uint64_t{0});
  v.bad_found = s.value("bad_found", uint64_t{0});
  v.last_completed_ns = s.value("last_completed_ns", int64_t{0});
  v.last_cycle_ms = s.value("last_cycle_ms", uint64_t{0});
  const bool ran = s.value("started_ns", int64_t{0}) != 0;
  if (v.chunks_total)
    v.percent = 100.0 * static_cast<double>(std::min(v.chunks_done, v.chunks_total)) / static_cast<double>(v.chunks_total);
  else if (ran && v.state != "running")
    v.percent = 100;
  if (v.state != "running") return v;
  // The run's own span (its elapsed time) as two samples of the helpers.
  const double elapsed_s = static_cast<double>(s.value("elapsed_ms", uint64_t{0})) / 1000.0;
  progress_rate left(elapsed_s + 1);
  counter_rate bytes(elapsed_s + 1);
  left.observe(0, v.chunks_total);
  bytes.observe(0, 0);
  if (v.chunks_done < v.chunks_total) left.observe(elapsed_s, v.chunks_total - v.chunks_done);
  bytes.observe(elapsed_s, s.value("bytes_done", uint64_t{0}));
  v.chunks_per_s = left.per_second();
  v.eta_s = left.eta_s();
  if (v.chunks_per_s) v.bytes_per_s = bytes.per_second();
  return v;
}

nlohmann::json scrub_status_json(const nlohmann::json& stat) {
  auto out = nlohmann::json::array();
  for (auto& c : stat.value("cs", nlohmann::json::array())) {
    if (c.value("status", std::string()) == "dropped") continue;
    nlohmann::json s = c.value("scrub", nlohmann::json::object());
    auto v = scrub_view_of(s);
    nlohmann::json j = s;
    j["id"] = c.value("id", 0u);
    j["state"] = v.state;
    j["percent"] = v.percent;
    if (v.chunks_per_s) j["chunks_per_s"] = *v.chunks_per_s;
    if (v.bytes_per_s) j["bytes_per_s"] = *v.bytes_per_s;
    if (v.eta_s) j["eta_s"] = *v.eta_s;
    out.push_back(j);
  }
  return out;
}

namespace {
std::string when_text(int64_t ns) {
  if (!ns) return "never";
  std::time_t t = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%d-%m-%y %H:%M:%S", &tm);  // as get-event prints times
  return when;
}
}  // namespace

std::vector<std::string> scrub_status_lines(const nlohmann::json& stat) {
  std::vector<std::string> out;
  out.push_back("CSID  STATE      PROGRESS              RATE          ETA           BAD  LAST COMPLETED (TOOK)");
  for (auto& c : stat.value("cs", nlohmann::json::array())) {
    if (c.value("status", std::string()) == "dropped") continue;
    auto v = scrub_view_of(c.value("scrub", nlohmann::json::object()));
    char progress[48], line[256];
    std::snprintf(progress, sizeof progress, "%3.0f%% %llu/%llu", v.percent, (unsigned long long)v.chunks_done,
                  (unsigned long long)v.chunks_total);
    std::string last = when_text(v.last_completed_ns);
    if (v.last_completed_ns && v.last_cycle_ms) last += " (" + human_duration_ms(v.last_cycle_ms) + ")";
    const bool running = v.state == "running";
    std::snprintf(line, sizeof line, "%-5u %-10s %-21s %-13s %-13s %-4llu %s", c.value("id", 0u), v.state.c_str(),
                  progress, running ? chunk_rate_text(v.chunks_per_s).c_str() : "",
                  running ? eta_text(v.eta_s).c_str() : "", (unsigned long long)v.bad_found, last.c_str());
    out.push_back(line);
  }
  return out;
}

std::string scrub_line(const nlohmann::json& stat) {
  uint64_t running = 0, done = 0, total = 0, bad = 0;
  std::optional<double> rate = 0.0, eta = 0.0;
  for (auto& c : stat.value("cs", nlohmann::json::array())) {
    auto v = scrub_view_of(c.value("scrub", nlohmann::json::object()));
    if (v.state != "running") continue;
    ++running;
    done += v.chunks_done;
    total += v.chunks_total;
    bad += v.bad_found;
    rate = rate && v.chunks_per_s ? std::optional<double>(*rate + *v.chunks_per_s) : std::nullopt;
    eta = eta && v.eta_s ? std::optional<double>(std::max(*eta, *v.eta_s)) : std::nullopt;
  }
  if (!running) return "";
  const double percent = total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0.0;
  auto line = [&](bool counts) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "Scrubbing: %llu running, %.0f%%", (unsigned long long)running, percent);
    std::string out = buf;
    if (counts) out += " (" + std::to_string(done) + "/" + std::to_string(total) + " chunks)";
    if (rate) out += ", " + chunk_rate_text(rate);
    out += ", " + eta_text(eta);
    if (bad) out += ", " + std::to_string(bad) + " bad";
    return out;
  };
  // 80 columns (top): the chunk counts go first, then the tail.
  auto out = line(true);
  if (out.size() > 80) out = line(false);
  if (out.size() > 80) out.resize(80);
  return out;
}

}  // namespace pstorage::frontend
