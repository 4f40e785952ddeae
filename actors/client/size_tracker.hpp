// size_tracker.hpp — the file size a writing mount knows (contract "Size"):
// writes extend a local size at once; the MDS learns it through setSize on
// fsync/flush/release (and periodically while dirty). The writer's own mount
// shows max(local, MDS). Pure, not thread-safe (the caller holds its lock).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace pstorage::client {

class size_tracker {
 public:
  // A write ended at byte `end` (offset + length).
  void wrote(uint64_t end) { local_ = std::max(local_, end); }
  // The MDS reported this size (open, getattr): the file may have grown elsewhere.
  void seen(uint64_t mds_size) {
    reported_ = std::max(reported_, mds_size);
    local_ = std::max(local_, mds_size);
  }
  // Truncate: both sizes are exactly `size` now.
  void truncated(uint64_t size) { local_ = reported_ = size; }
  // The size to send with setSize, if the MDS does not know it yet.
  std::optional<uint64_t> to_report() const {
    if (local_ > reported_) return local_;
    return std::nullopt;
  }
  void reported(uint64_t size) { reported_ = std::max(reported_, size); }
  // What stat() shows on this mount given the MDS's answer.
  uint64_t visible(uint64_t mds_size) const { return std::max(local_, mds_size); }
  uint64_t local() const { return local_; }

 private:
  uint64_t local_ = 0;
  uint64_t reported_ = 0;
};

}  // namespace pstorage::client
