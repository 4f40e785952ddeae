#include "actors/mds/mds_peer_health.hpp"

namespace pstorage::mds {

std::vector<std::string> peer_health_events(const std::vector<peer_progress_view>& peers, uint64_t last_index,
                                            peer_health& h) {
  std::vector<std::string> out;
  std::set<uint32_t> present;
  for (auto& p : peers) {
    present.insert(p.id);
    const std::string who = "MDS#" + std::to_string(p.id) + " (" + p.address + ")";
    const bool lagging = last_index > p.match && last_index - p.match > lag_rounds;
    if (lagging && h.lagging.insert(p.id).second)
      out.push_back(who + " lags behind for more than " + std::to_string(lag_rounds) + " rounds");
    if (!lagging) h.lagging.erase(p.id);
    const bool stale = p.silent_ms >= stale_after_ms;
    if (stale && h.stale.insert(p.id).second)
      out.push_back(who + " didn't accept commits for " + std::to_string(p.silent_ms / 1000) + " sec");
    if (!stale) h.stale.erase(p.id);
  }
  std::erase_if(h.lagging, [&](uint32_t id) { return !present.count(id); });
  std::erase_if(h.stale, [&](uint32_t id) { return !present.count(id); });
  return out;
}

}  // namespace pstorage::mds
