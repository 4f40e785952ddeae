#include "actors/repair/repair_queue.hpp"

#include <algorithm>
#include <type_traits>
#include <variant>

namespace pstorage::repair {

std::optional<uint8_t> repair_rank(const mds::chunk_view& v, bool busy) {
  if (!v.has_file || v.being_deleted) return std::nullopt;
  const auto t = mds::tally(v);
  // The MDS copies nothing for a chunk with a replica on an inactive CS
  // (it is not lost before mds.wd.offline_tout); that CS's next status
  // change marks the chunk again.
  if (t.standby > 0 && !busy) return std::nullopt;
  switch (mds::danger_state(v)) {
    case mds::chunk_state::pending: return 1;
    case mds::chunk_state::blocked: return 2;
    case mds::chunk_state::urgent: return 3;
    case mds::chunk_state::degraded: return 4;
    case mds::chunk_state::offline: return busy ? std::optional<uint8_t>(rank_other) : std::nullopt;
    default: break;
  }
  if (busy || t.stale || t.bad || t.being_deleted || t.unknown || t.live > mds::effective_norm(v)) return rank_other;
  return std::nullopt;
}

command_marks repair_marks(const mds::md_command& c) {
  command_marks m;
  std::visit(
      [&](const auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, mds::cmd_alloc_chunk>) m.chunks.push_back(cmd.chunk);
        else if constexpr (std::is_same_v<T, mds::cmd_drop_replica> || std::is_same_v<T, mds::cmd_fence_chunk> ||
                           std::is_same_v<T, mds::cmd_confirm_replicas>)
          m.chunks.push_back(cmd.chunk);
        else if constexpr (std::is_same_v<T, mds::cmd_set_repl>) {
          if (cmd.recursive) m.all = true;
          else m.files.push_back(cmd.ino);
        } else if constexpr (std::is_same_v<T, mds::cmd_setattr>) {
          if (cmd.size) m.files.push_back(cmd.ino);
        } else if constexpr (std::is_same_v<T, mds::cmd_register_cs> || std::is_same_v<T, mds::cmd_drop_cs>)
          m.css.push_back(cmd.id);
        else if constexpr (std::is_same_v<T, mds::cmd_set_param>)
          m.all = true;
      },
      c);
  return m;
}

void repair_queue::mark(uint64_t chunk) { settle(chunk, rank_fresh); }

std::vector<uint64_t> repair_queue::front(size_t n) const {
  std::vector<uint64_t> out;
  out.reserve(std::min(n, order_.size()));
  for (auto it = order_.begin(); it != order_.end() && out.size() < n; ++it) out.push_back(it->second);
  return out;
}

void repair_queue::settle(uint64_t chunk, std::optional<uint8_t> rank) {
  if (auto it = rank_.find(chunk); it != rank_.end()) {
    order_.erase({it->second, chunk});
    --per_rank_[it->second];
    if (!rank) {
      rank_.erase(it);
      return;
    }
    it->second = *rank;
  } else if (!rank) {
    return;
  } else {
    rank_.emplace(chunk, *rank);
  }
  const uint8_t r = std::min<uint8_t>(*rank, rank_count - 1);
  rank_[chunk] = r;
  order_.insert({r, chunk});
  ++per_rank_[r];
}

uint64_t repair_queue::count(uint8_t from, uint8_t to) const {
  uint64_t n = 0;
  for (size_t r = from; r <= to && r < rank_count; ++r) n += per_rank_[r];
  return n;
}

}  // namespace pstorage::repair
