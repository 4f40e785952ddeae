#include "actors/repair/chunk_state_table.hpp"

#include <algorithm>

namespace pstorage::repair {

void chunk_state_table::set(uint64_t chunk, mds::chunk_state s) {
  auto& p = pages_[chunk / page_ids];
  if (!p) p = std::make_unique<page>();
  auto& slot = p->st[chunk % page_ids];
  if (slot == absent) {
    ++p->used;
    ++counts_.total;
  } else {
    --counts_.by_state[slot];
  }
  slot = static_cast<uint8_t>(s);
  ++counts_.by_state[slot];
}

void chunk_state_table::drop(std::map<uint64_t, std::unique_ptr<page>>::iterator it, uint64_t slot) {
  auto& v = it->second->st[slot];
  if (v == absent) return;
  --counts_.by_state[v];
  --counts_.total;
  v = absent;
  if (--it->second->used == 0) pages_.erase(it);
}

void chunk_state_table::erase(uint64_t chunk) {
  auto it = pages_.find(chunk / page_ids);
  if (it != pages_.end()) drop(it, chunk % page_ids);
}

void chunk_state_table::erase_range_except(uint64_t from, uint64_t to, const std::vector<uint64_t>& present) {
  if (from > to) return;
  std::vector<uint64_t> keep(present);
  std::sort(keep.begin(), keep.end());
  auto it = pages_.lower_bound(from / page_ids);
  while (it != pages_.end() && it->first <= to / page_ids) {
    auto next = std::next(it);
    const uint64_t base = it->first * page_ids;
    const uint64_t lo = std::max(from, base), hi = std::min(to, base + page_ids - 1);
    for (uint64_t id = lo; id <= hi; ++id) {
      if (it->second->st[id - base] == absent || std::binary_search(keep.begin(), keep.end(), id)) continue;
      const bool last = it->second->used == 1;
      drop(it, id - base);
      if (last) break;  // the page is freed
    }
    it = next;
  }
}

std::optional<mds::chunk_state> chunk_state_table::get(uint64_t chunk) const {
  auto it = pages_.find(chunk / page_ids);
  if (it == pages_.end() || it->second->st[chunk % page_ids] == absent) return std::nullopt;
  return static_cast<mds::chunk_state>(it->second->st[chunk % page_ids]);
}

}  // namespace pstorage::repair
