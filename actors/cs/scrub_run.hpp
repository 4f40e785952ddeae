// scrub_run.hpp — an on-demand scrub of one chunk server (`pstorage scrub
// start`, issue 16; guide "Configuring Data Scrubbing"): every replica the
// CS holds when the order arrives is verified once, one after the other, and
// the progress is reported in every heartbeat. Pure (DESIGN.md principle 1):
// the caller passes the replica list, what each verification found and its
// clocks; the CS actor reads and verifies.
//
// Contract (unit test scrub_run_test):
// - start(): takes the replicas to verify (sorted by id, duplicates once).
//   While a run is in progress a new start() changes nothing and returns
//   false (the order is answered OK: the run goes on). A run of zero
//   replicas completes at once.
// - next() is the replica to verify now (nullopt: not running); done(id,..)
//   records its outcome and moves on; a replica deleted since the start is
//   done with found_bad=false and 0 bytes (not_found is not damage).
// - figures(): state running while replicas are left; else scheduled when
//   periodic scrubbing is on (mds.wd.verify_chunks > 0), idle otherwise.
//   The counts stay those of the last run after it completed, with
//   last_completed_ns and last_cycle_ms set. A periodic round completing
//   (scrub_schedule::rounds() going up) is recorded by periodic_round_done().
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "actors/common/scrub_figures.hpp"

namespace pstorage::cs {

struct scrub_item {
  uint64_t id = 0;
  uint64_t bytes = 0;
  uint64_t version = 0;  // for the bad-replica report
};

class scrub_run {
 public:
  // `wall_ns`: the CS's wall clock (reported); `steady_ms`: its steady clock.
  bool start(std::vector<scrub_item> replicas, int64_t wall_ns, uint64_t steady_ms);
  bool running() const { return !left_.empty(); }
  std::optional<scrub_item> next() const;
  void done(uint64_t id, bool found_bad, int64_t wall_ns, uint64_t steady_ms);
  void periodic_round_done(int64_t wall_ns);
  scrub_figures figures(bool periodic_on, uint64_t steady_ms) const;

 private:
  void complete(int64_t wall_ns, uint64_t steady_ms);
  std::deque<scrub_item> left_;
  scrub_figures f_;
  uint64_t started_steady_ms_ = 0;
};

}  // namespace pstorage::cs
