// raft_leader.cpp — the leader half of the consensus core (raft_core.hpp):
// proposals, membership changes, replication with flow control, commit.
// Section numbers: [R] = Raft paper (extended version), [T] = Ongaro's thesis.
#include <algorithm>
#include <functional>

#include "actors/election/raft_core.hpp"
#include "actors/common/sim_bugs.hpp"

namespace pstorage::election {

// ---------------------------------------------------------------- leader

std::optional<uint64_t> raft_core::propose(std::vector<uint8_t> data) {
  if (role_ != role::leader || !config_.contains(cfg_.id)) return std::nullopt;
  append_local(entry{0, term_, entry_kind::command, std::move(data)});
  uint64_t index = last_index();
  if (maybe_commit()) {
    broadcast_append();
  } else {
    for (auto& [id, p] : peers_) send_appends(id, p);
  }
  return index;
}

std::optional<uint64_t> raft_core::propose_config(membership next) {
  if (role_ != role::leader || !config_.contains(cfg_.id)) return std::nullopt;
  if (config_index_ > commit_) return std::nullopt;  // one change at a time [T §4.1]
  // ... and not before this leader committed an entry of its term (its noop):
  // the fix of the single-server change bug (Ongaro, raft-dev, 2015), else
  // two leaders' uncommitted changes can form disjoint majorities.
  if (term_at(commit_) != term_) return std::nullopt;
  if (next.empty() || !next.normalize()) return std::nullopt;
  size_t changed = 0;
  for (const auto& mb : next.members) changed += !config_.contains(mb.id);
  for (const auto& mb : config_.members) changed += !next.contains(mb.id);
  if (changed > 1) return std::nullopt;
  append_local(entry{0, term_, entry_kind::config, encode_membership(next)});
  uint64_t index = last_index();
  if (maybe_commit()) {  // removing a laggard may commit at once
    broadcast_append();
    maybe_step_down_removed();
  } else {
    for (auto& [id, p] : peers_) send_appends(id, p);
  }
  return index;
}

void raft_core::sync_peers(uint64_t next) {
  for (auto it = peers_.begin(); it != peers_.end();)
    it = config_.contains(it->first) ? std::next(it) : peers_.erase(it);
  for (const auto& mb : config_.members) {
    if (mb.id == cfg_.id || peers_.count(mb.id)) continue;
    peer p;
    p.next = next;
    peers_.emplace(mb.id, p);
  }
}

// [R §5.3, §5.4.2] commit the highest index stored on a majority of the
// voters of the latest configuration, but only if it is of the current term
// (Figure 8); earlier entries then commit indirectly. A leader being removed
// does not count itself [T §4.2.2].
bool raft_core::maybe_commit() {
  if (config_.empty()) return false;
  std::vector<uint64_t> matches;
  for (const auto& mb : config_.members) {
    if (mb.id == cfg_.id) {
      matches.push_back(last_index());
    } else {
      auto it = peers_.find(mb.id);
      matches.push_back(it == peers_.end() ? 0 : it->second.match);
    }
  }
  std::sort(matches.begin(), matches.end(), std::greater<>());
  uint64_t idx = matches[config_.quorum() - 1];
  if (PSTORAGE_SIM_BUG(raft_commit_without_majority)) idx = last_index();  // sim-only bug (tests/sim)
  if (idx <= commit_ || term_at(idx) != term_) return false;
  commit_ = idx;
  return true;
}

void raft_core::maybe_step_down_removed() {
  // [T §4.2.2] the leader of a configuration without itself steps down once
  // that configuration is committed.
  if (role_ == role::leader && !config_.contains(cfg_.id) && commit_ >= config_index_)
    become_follower(term_, 0);
}

bool raft_core::send_append(node_id to, peer& p, bool send_if_empty) {
  if (p.state == progress_state::snapshot) return false;
  if (p.state == progress_state::probe && p.probe_sent) return false;
  if (p.state == progress_state::replicate && p.inflight.size() >= cfg_.max_inflight_msgs) return false;
  p.next = std::min(p.next, last_index() + 1);
  uint64_t prev = p.next - 1;
  auto prev_term = term_at(prev);
  message m;
  m.to = to;
  m.term = term_;
  if (!prev_term) {
    // [R §7] the entries it needs are compacted: send the snapshot
    m.type = msg_type::snapshot;
    m.snapshot = snap_;
    p.state = progress_state::snapshot;
    p.pending_snapshot = snap_.index;
    p.snapshot_ticks = 0;
    p.inflight.clear();
    p.probe_sent = false;
    send(std::move(m));
    return true;
  }
  m.type = msg_type::append;
  m.log_index = prev;
  m.log_term = *prev_term;
  m.entries = entries(p.next, std::min(last_index(), prev + cfg_.max_entries_per_msg));
  if (m.entries.empty() && !send_if_empty) return false;
  m.commit = commit_;
  if (p.state == progress_state::replicate) {
    if (!m.entries.empty()) {
      p.next = m.entries.back().index + 1;  // optimistic: pipelined
      p.inflight.push_back(m.entries.back().index);
    }
  } else {
    p.probe_sent = true;  // probe: one at a time until an answer
  }
  send(std::move(m));
  return true;
}

void raft_core::send_appends(node_id to, peer& p) {
  while (send_append(to, p, false))
    if (p.state != progress_state::replicate) break;
}

void raft_core::broadcast_append() {
  for (auto& [id, p] : peers_) {
    if (!send_append(id, p, true)) continue;
    send_appends(id, p);
  }
}

// Heartbeat = an empty append at the follower's next-1 (commit <= that), so
// that it also detects appends lost in flight: the follower rejects it and
// the leader falls back to probing.
void raft_core::send_heartbeat(node_id to, peer& p) {
  message m;
  m.type = msg_type::append;
  m.to = to;
  m.term = term_;
  if (p.state != progress_state::snapshot) {
    uint64_t prev = std::min(p.next, last_index() + 1) - 1;
    auto t = term_at(prev);
    if (!t) {
      // next-1 is compacted: probe from match+1 (or send the snapshot), even
      // if a lost probe or a full pipeline would block a normal send
      p.state = progress_state::probe;
      p.next = p.match + 1;
      p.inflight.clear();
      p.probe_sent = false;
      send_append(to, p, true);
      return;
    }
    m.log_index = prev;
    m.log_term = *t;
    m.commit = std::min(commit_, prev);
  }  // snapshot state: prev 0 / commit 0, only keeps the follower's timer quiet
  send(std::move(m));
}

void raft_core::step_leader(const message& m) {
  if (m.type != msg_type::append_resp && m.type != msg_type::snapshot_resp) return;
  auto it = peers_.find(m.from);
  if (it == peers_.end()) return;
  handle_append_resp(m, it->second);
}

void raft_core::handle_append_resp(const message& m, peer& p) {
  p.ticks_since_ack = 0;
  p.acked_context = std::max(p.acked_context, m.context);  // it follows this leader (step checked the term)
  if (m.reject && m.type == msg_type::append_resp) {
    uint64_t rejected = m.log_index;
    uint64_t hint = m.log_term > 0 ? find_conflict_by_term(m.index, m.log_term) : m.index;
    if (p.state == progress_state::replicate) {
      if (rejected <= p.match) return;  // stale
      p.state = progress_state::probe;
      p.inflight.clear();
      p.next = std::max(p.match + 1, std::min(rejected, hint + 1));
    } else if (p.state == progress_state::probe) {
      if (p.next - 1 != rejected) return;  // stale
      p.next = std::max(p.match + 1, std::min(rejected, hint + 1));
    } else {
      return;
    }
    p.probe_sent = false;
    send_append(m.from, p, true);
    return;
  }
  bool was_paused = p.state == progress_state::probe && p.probe_sent;
  if (p.state == progress_state::probe) p.probe_sent = false;
  bool updated = false;
  if (p.match < m.index) {
    p.match = m.index;
    updated = true;
  }
  p.next = std::max(p.next, p.match + 1);
  switch (p.state) {
    case progress_state::probe:
      if (updated || p.match + 1 == p.next) {
        p.state = progress_state::replicate;
        p.next = p.match + 1;
        p.inflight.clear();
      }
      break;
    case progress_state::snapshot:
      if (p.match >= p.pending_snapshot) {
        p.state = progress_state::replicate;
        p.next = p.match + 1;
        p.inflight.clear();
      }
      break;
    case progress_state::replicate:
      while (!p.inflight.empty() && p.inflight.front() <= m.index) p.inflight.pop_front();
      break;
  }
  const uint64_t committed_before = commit_;
  if (updated && maybe_commit()) {
    // Followers learn the new commit index with the next append or
    // heartbeat (at most a heartbeat later): no message only for it, which
    // would double the MDS<->MDS messages and follower saves per entry
    // (docs/benchmarks.md, "Where the time goes"). Except when a membership
    // change commits: a removed leader steps down now and sends no more
    // heartbeats, so everyone is told at once.
    if (config_index_ > committed_before && config_index_ <= commit_) broadcast_append();
    maybe_step_down_removed();
    if (role_ != role::leader) return;
  } else if (was_paused) {
    send_append(m.from, p, true);  // it may not know the commit index yet
  }
  send_appends(m.from, p);
}

}  // namespace pstorage::election
