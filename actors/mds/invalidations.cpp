#include "actors/mds/invalidations.hpp"

#include <algorithm>

namespace pstorage::mds {

std::optional<invalidation_table::batch> invalidation_table::send_unsent(mount& m) {
  if (m.unsent.empty()) return std::nullopt;
  batch b;
  for (auto& [seq, ino] : m.unsent) b.inos.push_back(ino);
  b.seq = m.unsent.back().first;
  m.sent = b.seq;
  m.unsent.clear();
  m.parked = false;
  return b;
}

std::optional<invalidation_table::batch> invalidation_table::watch(const std::string& client, uint64_t acked, ns now) {
  auto& m = mounts_[client];
  m.last_contact = now;
  m.acked = std::max(m.acked, std::min(acked, m.sent));
  m.parked = true;
  return send_unsent(m);
}

std::optional<invalidation_table::batch> invalidation_table::take(const std::string& client) {
  auto it = mounts_.find(client);
  if (it == mounts_.end() || !it->second.parked) return std::nullopt;
  return send_unsent(it->second);
}

std::optional<invalidation_table::batch> invalidation_table::end_hold(const std::string& client) {
  auto it = mounts_.find(client);
  if (it == mounts_.end() || !it->second.parked) return std::nullopt;
  it->second.parked = false;
  return batch{it->second.sent, {}};
}

bool invalidation_table::parked(const std::string& client) const {
  auto it = mounts_.find(client);
  return it != mounts_.end() && it->second.parked;
}

uint64_t invalidation_table::queue(mount& m, ino_t ino) {
  for (auto& [s, i] : m.unsent)
    if (i == ino) return s;
  uint64_t seq = ++m.next_seq;
  m.unsent.emplace_back(seq, ino);
  return seq;
}

invalidation_table::change invalidation_table::ticket_for(ino_t ino, const std::string& writer,
                                                          const std::vector<std::string>& clients, ns now) {
  change out;
  ticket t;
  for (const auto& client : clients) {
    if (client == writer) continue;
    auto it = mounts_.find(client);
    if (it == mounts_.end() || !watching(it->second, now)) continue;
    auto& m = it->second;
    t.needs[client] = queue(m, ino);
    if (m.parked) out.notify.push_back(client);
  }
  if (t.needs.empty()) return out;
  t.deadline = now + ack_timeout_;
  out.ticket = ++next_ticket_;
  tickets_.emplace(*out.ticket, std::move(t));
  return out;
}

invalidation_table::change invalidation_table::changed(ino_t ino, const std::string& writer,
                                                       const std::vector<std::string>& openers, ns now) {
  return ticket_for(ino, writer, openers, now);
}

invalidation_table::change invalidation_table::file_changed(ino_t ino, ino_t parent, const std::string& writer,
                                                            const std::vector<std::string>& openers, ns now) {
  std::vector<std::string> clients = openers;
  for (auto& [client, m] : mounts_)
    if (m.dirs.count(parent) && std::find(clients.begin(), clients.end(), client) == clients.end())
      clients.push_back(client);
  return ticket_for(ino, writer, clients, now);
}

void invalidation_table::watch_dir(const std::string& client, ino_t dir, ns now) {
  auto found = mounts_.find(client);
  if (found == mounts_.end() || !watching(found->second, now)) return;  // not watching: it holds no listing
  auto& m = found->second;
  if (auto it = m.dirs.find(dir); it != m.dirs.end()) m.dir_order.erase(it->second);
  const uint64_t order = ++m.next_dir_order;
  m.dirs[dir] = order;
  m.dir_order[order] = dir;
  while (m.dirs.size() > max_dirs_) {  // the oldest registration ends: the mount drops that listing
    auto oldest = m.dir_order.begin();
    queue(m, oldest->second);
    m.dirs.erase(oldest->second);
    m.dir_order.erase(oldest);
  }
}

invalidation_table::change invalidation_table::dir_changed(ino_t dir, const std::string& writer, ns now) {
  std::vector<std::string> watchers;
  for (auto& [client, m] : mounts_) {
    if (client == writer) continue;
    auto it = m.dirs.find(dir);
    if (it == m.dirs.end()) continue;
    watchers.push_back(client);
    m.dir_order.erase(it->second);
    m.dirs.erase(it);
  }
  return ticket_for(dir, writer, watchers, now);
}

size_t invalidation_table::dir_watchers(ino_t dir) const {
  size_t n = 0;
  for (auto& [client, m] : mounts_) n += m.dirs.count(dir);
  return n;
}

std::vector<uint64_t> invalidation_table::finished(ns now) {
  std::vector<uint64_t> out;
  for (auto it = tickets_.begin(); it != tickets_.end();) {
    bool done = now >= it->second.deadline;
    if (!done) {
      done = true;
      for (auto& [client, seq] : it->second.needs) {
        auto m = mounts_.find(client);
        if (m != mounts_.end() && m->second.acked < seq) done = false;
      }
    }
    if (done) {
      out.push_back(it->first);
      it = tickets_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::optional<invalidation_table::ns> invalidation_table::next_deadline() const {
  std::optional<ns> out;
  for (auto& [id, t] : tickets_) out = out ? std::min(*out, t.deadline) : t.deadline;
  return out;
}

void invalidation_table::expire(ns now) {
  for (auto it = mounts_.begin(); it != mounts_.end();) {
    if (!it->second.parked && !watching(it->second, now)) it = mounts_.erase(it);
    else ++it;
  }
}

}  // namespace pstorage::mds
