// usage_ledger.hpp — what the license checker counts as "data chunks use"
// when it decides on a new chunk (docs/licensing.md "Usage"). Pure: the MDS
// license actor feeds it md.db's count and the allocations it allows.
//
// An allocation the checker allows is *in flight* until its cmd_alloc_chunk
// is committed or the allocation gives up (CS create failed, file gone,
// master change). md.db does not count it yet, so a recount from md.db
// alone would forget every allocation in flight and let more through than
// the license allows (issue 17: several writers racing past the capacity).
// The ledger keeps the two apart:
//
//   counted    md.db's count at the last recount, plus each allocation
//              committed since (it may be in md.db already: counted twice
//              until the next recount, never zero times)
//   in_flight  allowed, not yet finished
//   used()     counted + in_flight: never below the true usage; above it
//              only until the next recount, which a refusal does first
#pragma once

#include <cstdint>

namespace pstorage::license {

class usage_ledger {
 public:
  // md.db's count of data chunk bytes, taken now.
  void recount(uint64_t md_bytes) { counted_ = md_bytes; }
  // An allocation of `bytes` was allowed and is now in flight.
  void reserve(uint64_t bytes) { in_flight_ += bytes; }
  // The allocation reserved with `bytes` finished: committed (its chunk is
  // data now) or abandoned (nothing was added).
  void finish(uint64_t bytes, bool committed) {
    in_flight_ -= bytes < in_flight_ ? bytes : in_flight_;
    if (committed) counted_ += bytes;
  }
  uint64_t used() const { return counted_ + in_flight_; }
  uint64_t counted() const { return counted_; }
  uint64_t in_flight() const { return in_flight_; }

 private:
  uint64_t counted_ = 0;
  uint64_t in_flight_ = 0;
};

}  // namespace pstorage::license
