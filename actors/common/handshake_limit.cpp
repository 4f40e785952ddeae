// handshake_limit.cpp — handshake_limit.hpp.
#include "actors/common/handshake_limit.hpp"

#include <algorithm>
#include <iterator>

namespace pstorage::security {

namespace {
long long secs(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}
}  // namespace

bool handshake_limit::refuse(const std::string& addr, ns now, std::string* log) {
  auto it = by_addr_.find(addr);
  if (it == by_addr_.end() || now >= it->second.refused_until) return false;
  auto& e = it->second;
  e.last = now;
  if (!e.told && log) {
    e.told = true;
    *log = "refusing a TLS connection from " + addr + " before the handshake: " + std::to_string(p_.failures) +
           " failed handshakes within " + std::to_string(secs(p_.window)) + " s; refused for " +
           std::to_string(secs(e.refused_until - now)) + " s more";
  }
  return true;
}

std::optional<std::string> handshake_limit::failed(const std::string& addr, ns now, const std::string& reason) {
  if (!by_addr_.count(addr) && by_addr_.size() >= p_.max_addresses) make_room(now);
  auto& e = by_addr_[addr];
  e.last = now;
  while (!e.fails.empty() && now - e.fails.front() >= p_.window) e.fails.pop_front();
  e.fails.push_back(now);
  if (e.fails.size() < p_.failures) return std::nullopt;
  const bool starts = now >= e.refused_until;
  e.refused_until = now + p_.refuse_for;
  e.fails.clear();
  if (!starts) return std::nullopt;
  e.told = false;
  return "TLS connections from " + addr + " refused for " + std::to_string(secs(p_.refuse_for)) + " s: " +
         std::to_string(p_.failures) + " failed handshakes within " + std::to_string(secs(p_.window)) +
         " s (last: " + reason + ")";
}

void handshake_limit::make_room(ns now) {
  // Entries that refuse nobody and hold no failure of the window go first.
  for (auto it = by_addr_.begin(); it != by_addr_.end();) {
    auto& e = it->second;
    const bool idle = now >= e.refused_until && (e.fails.empty() || now - e.fails.back() >= p_.window);
    it = idle ? by_addr_.erase(it) : std::next(it);
  }
  // Then the oldest that refuses nobody; only if every entry refuses, the oldest.
  while (by_addr_.size() >= p_.max_addresses) {
    auto victim = by_addr_.end();
    for (auto it = by_addr_.begin(); it != by_addr_.end(); ++it) {
      const bool refusing = now < it->second.refused_until;
      if (victim == by_addr_.end()) {
        victim = it;
        continue;
      }
      const bool victim_refusing = now < victim->second.refused_until;
      if ((victim_refusing && !refusing) || (victim_refusing == refusing && it->second.last < victim->second.last))
        victim = it;
    }
    by_addr_.erase(victim);
  }
}

}  // namespace pstorage::security
