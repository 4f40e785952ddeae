#include "actors/cs/scrub_run.hpp"

#include <algorithm>

namespace pstorage::cs {

bool scrub_run::start(std::vector<scrub_item> replicas, int64_t wall_ns, uint64_t steady_ms) {
  if (running()) return false;
  std::sort(replicas.begin(), replicas.end(), [](auto& a, auto& b) { return a.id < b.id; });
  replicas.erase(std::unique(replicas.begin(), replicas.end(), [](auto& a, auto& b) { return a.id == b.id; }),
                 replicas.end());
  const auto last_completed = f_.last_completed_ns;
  const auto last_cycle = f_.last_cycle_ms;
  f_ = {};
  f_.last_completed_ns = last_completed;
  f_.last_cycle_ms = last_cycle;
  f_.chunks_total = replicas.size();
  for (auto& r : replicas) f_.bytes_total += r.bytes;
  f_.started_ns = wall_ns;
  started_steady_ms_ = steady_ms;
  left_.assign(replicas.begin(), replicas.end());
  if (left_.empty()) complete(wall_ns, steady_ms);
  return true;
}

std::optional<scrub_item> scrub_run::next() const {
  if (left_.empty()) return std::nullopt;
  return left_.front();
}

void scrub_run::done(uint64_t id, bool found_bad, int64_t wall_ns, uint64_t steady_ms) {
  if (left_.empty() || left_.front().id != id) return;  // not the replica asked for: ignored
  // The bytes listed at the start count, so done reaches total exactly even
  // when the replica shrank or went away meanwhile.
  f_.bytes_done += left_.front().bytes;
  ++f_.chunks_done;
  if (found_bad) ++f_.bad_found;
  left_.pop_front();
  if (left_.empty()) complete(wall_ns, steady_ms);
}

void scrub_run::complete(int64_t wall_ns, uint64_t steady_ms) {
  f_.elapsed_ms = steady_ms >= started_steady_ms_ ? steady_ms - started_steady_ms_ : 0;
  f_.last_completed_ns = wall_ns;
  f_.last_cycle_ms = f_.elapsed_ms;
}

void scrub_run::periodic_round_done(int64_t wall_ns) {
  if (running()) return;  // the on-demand run's completion is the one reported
  f_.last_completed_ns = wall_ns;
  f_.last_cycle_ms = 0;
}

scrub_figures scrub_run::figures(bool periodic_on, uint64_t steady_ms) const {
  auto f = f_;
  if (running()) {
    f.state = "running";
    f.elapsed_ms = steady_ms >= started_steady_ms_ ? steady_ms - started_steady_ms_ : 0;
  } else {
    f.state = periodic_on ? "scheduled" : "idle";
  }
  return f;
}

}  // namespace pstorage::cs
