// start_failures.cpp — see start_failures.hpp.
#include "actors/ha/start_failures.hpp"

#include <algorithm>

namespace pstorage::ha {

void start_failures::failed(const std::string& resource, const std::string& node) {
  auto& n = by_resource_[resource].failed[node];
  if (n < p_.max_failed_starts) ++n;
}

void start_failures::forget(const std::string& resource) { by_resource_.erase(resource); }

std::set<std::string> start_failures::given_up(const std::string& resource) const {
  std::set<std::string> out;
  auto it = by_resource_.find(resource);
  if (it == by_resource_.end()) return out;
  for (auto& [node, n] : it->second.failed)
    if (n >= p_.max_failed_starts) out.insert(node);
  return out;
}

std::map<std::string, std::set<std::string>> start_failures::given_up_all() const {
  std::map<std::string, std::set<std::string>> out;
  for (auto& [r, rec] : by_resource_)
    if (auto g = given_up(r); !g.empty()) out[r] = std::move(g);
  return out;
}

int64_t start_failures::exhausted(const std::string& resource, int64_t now) {
  auto& rec = by_resource_[resource];
  if (rec.retry_at != 0) return rec.retry_at;
  int64_t wait = p_.backoff_first;
  for (uint32_t i = 0; i < rec.exhaustions && wait < p_.backoff_max; ++i) wait *= 2;
  wait = std::min(wait, p_.backoff_max);
  ++rec.exhaustions;
  rec.retry_at = now + wait;
  return rec.retry_at;
}

std::vector<std::string> start_failures::expire(int64_t now) {
  std::vector<std::string> out;
  for (auto& [r, rec] : by_resource_)
    if (rec.retry_at != 0 && now >= rec.retry_at) {
      rec.failed.clear();
      rec.retry_at = 0;
      out.push_back(r);
    }
  return out;
}

}  // namespace pstorage::ha
