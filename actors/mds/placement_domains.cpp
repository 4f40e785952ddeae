// placement_domains.cpp — see placement_domains.hpp for the contract.
#include "actors/mds/placement_domains.hpp"

namespace pstorage::mds {

std::set<std::string> occupied_domains(const std::vector<domain_replica>& replicas) {
  std::set<std::string> out;
  for (const auto& r : replicas)
    if (!r.leaving) out.insert(r.domain);
  return out;
}

std::vector<uint32_t> staying_replicas(const std::vector<domain_replica>& replicas) {
  std::vector<uint32_t> out;
  for (const auto& r : replicas)
    if (!r.leaving) out.push_back(r.cs_id);
  return out;
}

std::vector<uint32_t> allowed_targets(const std::vector<domain_replica>& replicas,
                                      const std::vector<domain_replica>& targets, bool strict) {
  std::set<std::string> taken = occupied_domains(replicas);
  std::set<uint32_t> holding;
  for (const auto& r : replicas) holding.insert(r.cs_id);
  std::vector<uint32_t> out;
  for (const auto& t : targets) {
    if (holding.count(t.cs_id)) continue;
    if (strict && !taken.insert(t.domain).second) continue;
    holding.insert(t.cs_id);
    out.push_back(t.cs_id);
  }
  return out;
}

bool copy_may_start(const std::vector<domain_replica>& replicas, const std::vector<domain_replica>& targets,
                    bool strict) {
  return !allowed_targets(replicas, targets, strict).empty();
}

std::vector<uint32_t> displaced_replicas(const std::vector<domain_replica>& replicas,
                                         const std::vector<domain_replica>& copies) {
  std::set<std::string> kept = occupied_domains(replicas);
  for (const auto& c : copies) kept.insert(c.domain);
  std::vector<uint32_t> out;
  for (const auto& r : replicas)
    if (r.leaving && kept.count(r.domain)) out.push_back(r.cs_id);
  return out;
}

}  // namespace pstorage::mds
