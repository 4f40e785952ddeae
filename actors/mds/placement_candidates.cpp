#include "actors/mds/placement_candidates.hpp"

namespace pstorage::mds {

std::vector<placement_cs> placement_candidates(const cs_registry& registry,
                                               const std::function<bool(uint32_t)>& connected,
                                               const std::set<uint32_t>& releasing,
                                               const std::map<uint32_t, uint64_t>& load) {
  std::vector<placement_cs> out;
  for (const auto& [id, e] : registry.entries()) {
    if (e.status == cs_status::dropped) continue;
    placement_cs c;
    c.cs_id = id;
    c.active = e.status == cs_status::active && connected(id) && !releasing.count(id);
    c.tier = e.rec.tier;
    c.total_bytes = e.total_bytes;
    c.free_bytes = e.free_bytes;
    c.location = e.rec.location;
    c.host_id = e.rec.host_id;
    if (auto it = load.find(id); it != load.end()) c.load = it->second;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace pstorage::mds
