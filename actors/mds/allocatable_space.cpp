#include "actors/mds/allocatable_space.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <string>

namespace pstorage::mds {

uint64_t logical_capacity(std::vector<uint64_t> domain_bytes, uint32_t replicas) {
  if (replicas == 0) replicas = 1;
  if (domain_bytes.size() < replicas) return 0;
  std::sort(domain_bytes.begin(), domain_bytes.end(), std::greater<>());
  // rest = the sum of all but the k largest domains.
  unsigned __int128 rest = 0;
  for (auto b : domain_bytes) rest += b;
  unsigned __int128 best = rest / replicas;
  for (uint32_t k = 1; k < replicas; ++k) {
    rest -= domain_bytes[k - 1];
    best = std::min<unsigned __int128>(best, rest / (replicas - k));
  }
  return static_cast<uint64_t>(best);
}

allocatable_space compute_allocatable(const std::vector<placement_cs>& css, uint32_t replicas,
                                      domain_level level, const placement_tunables& tunables,
                                      std::optional<license_space_limit> license) {
  // tier -> domain -> usable bytes (free, total).
  std::map<uint32_t, std::map<std::string, std::pair<uint64_t, uint64_t>>> tiers;
  for (const auto& cs : css) {
    if (!cs.active) continue;
    const uint64_t reserve = reserved_bytes(cs, tunables);
    auto& d = tiers[cs.tier][domain_key(cs, level)];
    d.first += cs.free_bytes > reserve ? cs.free_bytes - reserve : 0;
    d.second += cs.total_bytes > reserve ? cs.total_bytes - reserve : 0;
  }
  allocatable_space out;
  for (const auto& [tier, domains] : tiers) {
    std::vector<uint64_t> free, total;
    for (const auto& [key, bytes] : domains) {
      free.push_back(bytes.first);
      total.push_back(bytes.second);
    }
    out.free_bytes += logical_capacity(free, replicas);
    out.total_bytes += logical_capacity(total, replicas);
  }
  if (license) {
    out.free_bytes = std::min(out.free_bytes, license->allocatable_bytes);
    out.total_bytes = std::min(out.total_bytes, license->capacity_bytes);
  }
  return out;
}

}  // namespace pstorage::mds
