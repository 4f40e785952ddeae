#include "actors/mds/client_sessions.hpp"

#include <algorithm>

namespace pstorage::mds {

void client_sessions::seen(const std::string& client, ns now) {
  auto& t = last_seen_[client];
  t = std::max(t, now);
}

void client_sessions::master_started(ns now, const std::set<std::string>& clients) {
  last_seen_.clear();
  for (auto& c : clients) last_seen_[c] = now;
}

std::vector<std::string> client_sessions::expire(ns now) {
  std::vector<std::string> out;
  for (auto it = last_seen_.begin(); it != last_seen_.end();)
    if (now - it->second >= timeout_) {
      out.push_back(it->first);
      it = last_seen_.erase(it);
    } else {
      ++it;
    }
  return out;
}

void orphan_sweep::session_expired(ns now) { next_at_ = std::min(next_at_, std::max(now, started_at_ + timeout_)); }

std::vector<uint64_t> orphans_to_purge(const std::vector<uint64_t>& orphans,
                                       const std::function<bool(uint64_t)>& is_open,
                                       const std::set<uint64_t>& purging, size_t limit) {
  std::vector<uint64_t> out;
  for (auto ino : orphans) {
    if (out.size() >= limit) break;
    if (!purging.count(ino) && !is_open(ino)) out.push_back(ino);
  }
  return out;
}

}  // namespace pstorage::mds
