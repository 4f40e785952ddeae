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

invalidation_table::change invalidation_table::changed(ino_t ino, const std::string& writer,
                                                       const std::vector<std::string>& openers, ns now) {
  change out;
  ticket t;
  for (const auto& client : openers) {
    if (client == writer) continue;
    auto it = mounts_.find(client);
    if (it == mounts_.end() || !watching(it->second, now)) continue;
    auto& m = it->second;
    uint64_t seq = 0;
    for (auto& [s, i] : m.unsent)
      if (i == ino) seq = s;
    if (!seq) {
      seq = ++m.next_seq;
      m.unsent.emplace_back(seq, ino);
    }
    t.needs[client] = seq;
    if (m.parked) out.notify.push_back(client);
  }
  if (t.needs.empty()) return out;
  t.deadline = now + ack_timeout_;
  out.ticket = ++next_ticket_;
  tickets_.emplace(*out.ticket, std::move(t));
  return out;
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
