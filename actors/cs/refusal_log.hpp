// refusal_log.hpp — how often a refused request is written to the log.
// Pure: time is a parameter (nanoseconds of any monotonic clock).
//
// A hostile peer can send thousands of refused requests a second; each must
// not cost a log line (the log would fill the disk and hide everything
// else). At most `burst` lines are written per `window`; the refusals left
// out are counted and the next line written says how many there were.
#pragma once

#include <cstdint>

namespace pstorage::cs {

class refusal_log {
 public:
  using ns = int64_t;
  explicit refusal_log(uint32_t burst = 10, ns window = 10'000'000'000) : burst_(burst), window_(window) {}

  struct verdict {
    bool write = false;       // write this refusal's line
    uint64_t left_out = 0;    // refusals not written since the last line (say so on this one)
  };

  // A refusal happened at `now`.
  verdict note(ns now) {
    if (!started_ || now - window_start_ >= window_) {
      started_ = true;
      window_start_ = now;
      written_ = 0;
    }
    verdict v;
    if (written_ < burst_) {
      ++written_;
      v.write = true;
      v.left_out = left_out_;
      left_out_ = 0;
    } else {
      ++left_out_;
    }
    return v;
  }

 private:
  uint32_t burst_;
  ns window_;
  bool started_ = false;
  ns window_start_ = 0;
  uint32_t written_ = 0;
  uint64_t left_out_ = 0;
};

}  // namespace pstorage::cs
