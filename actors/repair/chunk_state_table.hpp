// chunk_state_table.hpp — each chunk's state as the repair pass last
// classified it, and the per-state counts `pstorage stat`, top and /metrics
// show (guide "Exploring Chunk States"). Pure: no CAF, no SQLite.
//
// The MDS records a chunk's state whenever its repair pass classifies it (a
// batch of the repair queue, a slice of the full scan: mds_repair_actor.cpp
// plan_chunks), so stat reads counts kept up to date instead of classifying
// every chunk of the cluster on each request (issue 15; docs/scale.md). The
// counts are as of each chunk's last classification: a change reaches them
// with the pass that looks at the chunk (every tick below 100 000 chunks,
// where each pass is a full scan; the queue's front first above).
//
// Storage: pages of 4 096 consecutive chunk ids, one byte per id, a page
// freed when its last chunk goes — about 1 B per chunk id in use.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "actors/mds/chunk_state.hpp"

namespace pstorage::repair {

class chunk_state_table {
 public:
  void set(uint64_t chunk, mds::chunk_state s);
  void erase(uint64_t chunk);
  // A scan of the ids [from, to] found exactly `present` (any order): every
  // other chunk recorded in that range no longer exists.
  void erase_range_except(uint64_t from, uint64_t to, const std::vector<uint64_t>& present);
  std::optional<mds::chunk_state> get(uint64_t chunk) const;
  const mds::chunk_counts& counts() const { return counts_; }
  uint64_t size() const { return counts_.total; }

 private:
  static constexpr uint64_t page_ids = 4096;
  static constexpr uint8_t absent = 0xff;
  struct page {
    page() { st.fill(absent); }
    std::array<uint8_t, page_ids> st;
    uint32_t used = 0;
  };
  void drop(std::map<uint64_t, std::unique_ptr<page>>::iterator it, uint64_t slot);
  std::map<uint64_t, std::unique_ptr<page>> pages_;  // id / page_ids -> page
  mds::chunk_counts counts_;
};

}  // namespace pstorage::repair
