#include "frontends/common/progress_rate.hpp"

#include <cmath>
#include <cstdio>

#include "frontends/common/stat_view.hpp"

namespace pstorage::frontend {

namespace {
// Keeps as the base the oldest sample not more than `window` before the
// newest (or the one just before the newest when none is).
void trim(std::deque<std::pair<double, uint64_t>>& s, double window) {
  while (s.size() > 2 && s.back().first - s[1].first <= window && s.back().first - s.front().first > window)
    s.pop_front();
  while (s.size() > 2 && s.back().first - s.front().first > window) s.pop_front();
}
}  // namespace

void progress_rate::observe(double t_s, uint64_t left) {
  if (!samples_.empty() && t_s < samples_.back().first) t_s = samples_.back().first;
  if (left == 0) {
    samples_.clear();
    samples_.emplace_back(t_s, 0);
    return;
  }
  if (!samples_.empty() && samples_.back().second == 0) samples_.clear();  // a new episode
  samples_.emplace_back(t_s, left);
  trim(samples_, window_);
}

std::optional<double> progress_rate::per_second() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto& [t0, l0] = samples_.front();
  const auto& [t1, l1] = samples_.back();
  if (t1 - t0 < min_span_ || l1 >= l0) return std::nullopt;
  return static_cast<double>(l0 - l1) / (t1 - t0);
}

std::optional<double> progress_rate::eta_s() const {
  auto r = per_second();
  if (!r) return std::nullopt;
  return static_cast<double>(left()) / *r;
}

void counter_rate::observe(double t_s, uint64_t total) {
  if (!samples_.empty() && (t_s < samples_.back().first || total < samples_.back().second))
    samples_.clear();  // a restarted counter (a new master): start again
  samples_.emplace_back(t_s, total);
  trim(samples_, window_);
}

std::optional<double> counter_rate::per_second() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto& [t0, c0] = samples_.front();
  const auto& [t1, c1] = samples_.back();
  if (t1 - t0 < min_span_) return std::nullopt;
  return static_cast<double>(c1 - c0) / (t1 - t0);
}

std::string eta_text(std::optional<double> eta_s) {
  if (!eta_s || !std::isfinite(*eta_s)) return "ETA -";
  return "ETA " + human_duration_ms(static_cast<uint64_t>(std::ceil(*eta_s)) * 1000);
}

std::string chunk_rate_text(std::optional<double> per_s) {
  if (!per_s) return "";
  char b[48];
  std::snprintf(b, sizeof b, "%.1f chunks/s", *per_s);
  return b;
}

}  // namespace pstorage::frontend
