#include "actors/election/snapshot_transfer.hpp"

#include <algorithm>

namespace pstorage::election {

std::vector<chunk_range> snapshot_sender::next() {
  std::vector<chunk_range> out;
  const uint64_t window = o_.chunk_bytes * o_.window_chunks;
  while (sent_ < id_.total && sent_ - acked_ < window) {
    const uint64_t n = std::min(o_.chunk_bytes, id_.total - sent_);
    out.push_back({sent_, n});
    sent_ += n;
  }
  return out;
}

void snapshot_sender::acked(uint64_t bytes) {
  silent_ticks_ = 0;
  bytes = std::min(bytes, id_.total);
  if (bytes > acked_) {
    acked_ = bytes;
    idle_ticks_ = 0;
  }
  sent_ = std::max(sent_, acked_);
}

bool snapshot_sender::tick() {
  if (++silent_ticks_ >= o_.give_up_ticks) return false;
  if (++idle_ticks_ >= o_.stall_ticks) {
    sent_ = acked_;  // resend everything not acknowledged
    idle_ticks_ = 0;
  }
  return true;
}

snapshot_receiver::verdict snapshot_receiver::on_chunk(const transfer_id& id, uint64_t offset, uint64_t size) {
  if (id.total == 0 || offset + size > id.total) return verdict::ignore;
  if (!current_ || !(*current_ == id)) {
    if (offset != 0) return verdict::ignore;
    current_ = id;
    held_ = 0;
    return verdict::start;
  }
  return offset == held_ && size > 0 ? verdict::store : verdict::ignore;
}

std::optional<uint64_t> compaction_point(uint64_t snapshot_index, uint64_t mds_applied, uint64_t keep,
                                         uint64_t every) {
  if (mds_applied <= keep) return std::nullopt;
  const uint64_t to = mds_applied - keep;
  if (to < snapshot_index + std::max<uint64_t>(every, 1)) return std::nullopt;
  return to;
}

}  // namespace pstorage::election
