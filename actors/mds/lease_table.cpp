#include "actors/mds/lease_table.hpp"

namespace pstorage::mds {

lease_table::grant lease_table::acquire(ino_t ino, const std::string& client, ns now, origin why) {
  auto it = leases_.find(ino);
  const bool live = it != leases_.end() && it->second.expires_at > now;
  if (live && it->second.client != client) return grant{false, it->second.client, 0, 0};
  // In the grace a new writer waits unless it re-claimed the lease already.
  if (why == origin::open && in_grace(now) && !live) return grant{false, {}, 0, grace_until_};
  auto& l = leases_[ino];
  l.client = client;
  l.expires_at = now + duration_;
  return grant{true, {}, l.expires_at};
}

bool lease_table::holds(ino_t ino, const std::string& client, ns now) const {
  auto it = leases_.find(ino);
  return it != leases_.end() && it->second.client == client && it->second.expires_at > now;
}

std::optional<std::string> lease_table::holder(ino_t ino, ns now) const {
  auto it = leases_.find(ino);
  if (it == leases_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second.client;
}

size_t lease_table::renew(const std::string& client, ns now, const std::vector<ino_t>& held) {
  size_t n = 0;
  for (auto& [ino, l] : leases_)
    if (l.client == client && l.expires_at > now) {
      l.expires_at = now + duration_;
      ++n;
    }
  if (in_grace(now))
    for (auto ino : held)
      if (!holds(ino, client, now) && acquire(ino, client, now, origin::held).ok) ++n;
  return n;
}

void lease_table::master_started(ns now, bool files_existed) {
  leases_.clear();  // granted by an earlier master, or by this one in an earlier epoch: unknown now
  grace_until_ = files_existed ? now + duration_ : 0;
}

void lease_table::release_lease(ino_t ino, const std::string& client) {
  auto it = leases_.find(ino);
  if (it != leases_.end() && it->second.client == client) leases_.erase(it);
}

void lease_table::expire(ns now) {
  for (auto it = leases_.begin(); it != leases_.end();)
    it = it->second.expires_at <= now ? leases_.erase(it) : std::next(it);
}

void lease_table::open(ino_t ino, const std::string& client) { handles_.emplace(ino, client); }

bool lease_table::close(ino_t ino, const std::string& client) {
  handles_.erase({ino, client});
  release_lease(ino, client);
  return !is_open(ino);
}

bool lease_table::is_open(ino_t ino) const {
  auto it = handles_.lower_bound({ino, std::string()});
  return it != handles_.end() && it->first == ino;
}

bool lease_table::is_open_by(ino_t ino, const std::string& client) const { return handles_.count({ino, client}) > 0; }

std::vector<std::string> lease_table::openers(ino_t ino) const {
  std::vector<std::string> out;
  for (auto it = handles_.lower_bound({ino, std::string()}); it != handles_.end() && it->first == ino; ++it)
    out.push_back(it->second);
  return out;
}

std::set<std::string> lease_table::clients() const {
  std::set<std::string> out;
  for (auto& [ino, client] : handles_) out.insert(client);
  for (auto& [ino, l] : leases_) out.insert(l.client);
  return out;
}

std::vector<lease_table::ino_t> lease_table::drop_client(const std::string& client) {
  std::vector<ino_t> out;
  for (auto it = handles_.begin(); it != handles_.end();)
    if (it->second == client) {
      out.push_back(it->first);
      it = handles_.erase(it);
    } else {
      ++it;
    }
  for (auto it = leases_.begin(); it != leases_.end();)
    it = it->second.client == client ? leases_.erase(it) : std::next(it);
  return out;
}

}  // namespace pstorage::mds
