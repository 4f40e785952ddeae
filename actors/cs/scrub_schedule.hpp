// scrub_schedule.hpp — which replica a chunk server verifies next and when
// (guide: "Configuring Data Scrubbing": "By default, Parallels Cloud Storage
// is set to examine two data chunks per minute on each chunk server";
// `pstorage set-config mds.wd.verify_chunks=N`). Pure logic (DESIGN.md
// principle 1): no CAF, no clock reads; the caller passes the chunk list and
// the current time.
//
// Contract:
// - Rate: chunks per minute. It starts at default_verify_chunks (2) until the
//   MDS says otherwise (MdsToCsHeartbeat.verifyChunksPerMinute); 0 = off.
//   One chunk is verified per tick; ticks are interval() = 60 s / rate apart.
// - Order: round-robin over the replicas sorted by chunk id. The cursor is
//   the id last verified, not an index, so chunks created or deleted between
//   ticks neither reset nor skip the round: the next chunk is the smallest id
//   greater than the cursor, wrapping to the smallest id after the largest.
//   Every replica present for a whole round is verified once per round
//   (fair), whatever the list's order or changes.
// - Timing: ticks stay on a grid (previous due time + interval), so time
//   spent verifying does not lower the rate; if the caller fell behind by a
//   whole interval or more, the grid restarts at `now` (no burst of catch-up
//   ticks). A rate change restarts the grid: first tick one new interval
//   from the change.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace pstorage::cs {

inline constexpr uint32_t default_verify_chunks = 2;  // guide: "two data chunks per minute"

struct scrub_chunk {
  uint64_t id = 0;
  uint64_t version = 0;
  bool operator==(const scrub_chunk&) const = default;
};

class scrub_schedule {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::nanoseconds;

  explicit scrub_schedule(uint32_t per_minute = default_verify_chunks) : rate_(per_minute) {}

  uint32_t rate() const { return rate_; }
  bool enabled() const { return rate_ > 0; }
  // 60 s / rate (zero when off).
  duration interval() const;

  // Sets the rate. Returns true if it changed (the caller then restarts its
  // timer with start()).
  bool set_rate(uint32_t per_minute);

  // (Re)starts the grid at `now`: the first tick is due one interval later.
  // Returns the delay until it (nullopt when off).
  std::optional<duration> start(time_point now);
  // After a tick ran at `now`: the delay until the next tick (nullopt when off).
  std::optional<duration> after_tick(time_point now);

  // The replica to verify now, from `chunks` in any order (nullopt when off or
  // there are none). Does not move the cursor: call done() after verifying.
  std::optional<scrub_chunk> pick(const std::vector<scrub_chunk>& chunks) const;
  // Records that chunk `id` was verified: moves the cursor, counts it and
  // counts a completed round when the cursor wrapped.
  void done(uint64_t id);

  uint64_t verified() const { return verified_; }
  uint64_t rounds() const { return rounds_; }  // wraps of the cursor
  std::optional<uint64_t> cursor() const { return cursor_; }

 private:
  uint32_t rate_;
  std::optional<uint64_t> cursor_;  // id verified last
  std::optional<time_point> due_;   // the tick in flight is due at
  uint64_t verified_ = 0;
  uint64_t rounds_ = 0;
};

}  // namespace pstorage::cs
