// progress_rate.hpp — how fast long work goes and when it ends, from samples
// of what is left (guide: the progress operators watch in `pstorage top`
// and during `rm-cs --wait`). Pure: the caller passes its clock.
//
// Contract (unit test progress_rate_test):
//  * observe(t, left) records one sample; samples older than `window_s`
//    before the newest are dropped, the oldest one inside is kept as the
//    base, so the rate is (left at the base - left now) / (time between);
//  * per_second() is nullopt until two samples `min_span_s` apart exist and
//    when nothing was done in the window (left did not go down): no rate, no
//    ETA — never a negative or infinite one;
//  * eta_s() = left now / per_second();
//  * left == 0 ends the episode: the samples are forgotten, so the next
//    piece of work starts a fresh rate.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

namespace pstorage::frontend {

class progress_rate {
 public:
  explicit progress_rate(double window_s = 20, double min_span_s = 1) : window_(window_s), min_span_(min_span_s) {}
  void observe(double t_s, uint64_t left);
  std::optional<double> per_second() const;
  std::optional<double> eta_s() const;
  uint64_t left() const { return samples_.empty() ? 0 : samples_.back().second; }

 private:
  double window_, min_span_;
  std::deque<std::pair<double, uint64_t>> samples_;
};

// Growth of a counter (bytes copied, chunks moved) per second over a window,
// same rules; nullopt until two samples `min_span_s` apart.
class counter_rate {
 public:
  explicit counter_rate(double window_s = 20, double min_span_s = 1) : window_(window_s), min_span_(min_span_s) {}
  void observe(double t_s, uint64_t total);
  std::optional<double> per_second() const;

 private:
  double window_, min_span_;
  std::deque<std::pair<double, uint64_t>> samples_;
};

// "ETA 8s", "ETA 3m  5s" (human_duration_ms); "ETA -" without a rate.
std::string eta_text(std::optional<double> eta_s);
// "5.0 chunks/s" ("0.3 chunks/s" below 1); "" without a rate.
std::string chunk_rate_text(std::optional<double> per_s);

}  // namespace pstorage::frontend
