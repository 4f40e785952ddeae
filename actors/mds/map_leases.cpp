// map_leases.cpp — see map_leases.hpp for the contract.
#include "actors/mds/map_leases.hpp"

#include <algorithm>

namespace pstorage::mds {

void map_leases::handed_out(chunk_id chunk, const std::string& client, uint64_t version, std::vector<uint32_t> cs,
                            ns now) {
  maps_[{chunk, client}] = record{version, std::move(cs), now + hold_};
}

void map_leases::forget(chunk_id chunk, const std::string& client) { maps_.erase({chunk, client}); }

map_leases::ns map_leases::confirm_after(chunk_id chunk, uint64_t version, const std::vector<uint32_t>& confirmed,
                                         bool leaves_out, ns now) const {
  ns at = now;
  if (leaves_out) at = std::max(at, unknown_until_);
  auto outside = [&](uint32_t cs) { return std::find(confirmed.begin(), confirmed.end(), cs) == confirmed.end(); };
  for (auto it = maps_.lower_bound({chunk, std::string()}); it != maps_.end() && it->first.first == chunk; ++it) {
    const auto& r = it->second;
    if (r.expires_at <= now || r.version >= version) continue;
    if (std::any_of(r.cs.begin(), r.cs.end(), outside)) at = std::max(at, r.expires_at);
  }
  return at;
}

void map_leases::expire(ns now) {
  for (auto it = maps_.begin(); it != maps_.end();)
    it = it->second.expires_at <= now ? maps_.erase(it) : std::next(it);
}

}  // namespace pstorage::mds
