// raft_core.cpp — the consensus core (see raft_core.hpp, docs/election.md).
// Section numbers: [R] = Raft paper (extended version), [T] = Ongaro's thesis.
#include "actors/election/raft_core.hpp"
#include "actors/common/sim_bugs.hpp"

#include <algorithm>
#include <stdexcept>

namespace pstorage::election {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

// ---------------------------------------------------------------- construction

raft_core::raft_core(config cfg, persisted st)
    : cfg_(cfg), rng_(splitmix64(cfg.seed ^ splitmix64(cfg.id))) {
  cfg_.election_ticks = std::max<uint32_t>(cfg_.election_ticks, 1);
  cfg_.heartbeat_ticks = std::max<uint32_t>(cfg_.heartbeat_ticks, 1);
  cfg_.max_entries_per_msg = std::max<size_t>(cfg_.max_entries_per_msg, 1);
  cfg_.max_inflight_msgs = std::max<size_t>(cfg_.max_inflight_msgs, 1);
  snap_ = std::move(st.snapshot);
  for (size_t i = 0; i < st.entries.size(); ++i)
    if (st.entries[i].index != snap_.index + 1 + i)
      throw std::invalid_argument("raft_core: persisted entries are not contiguous after the snapshot");
  log_ = std::move(st.entries);
  term_ = st.hs.term;
  vote_ = st.hs.vote;
  commit_ = std::clamp(st.hs.commit, snap_.index, last_index());
  applied_ = std::clamp(st.applied, snap_.index, commit_);
  saved_hs_ = st.hs;
  unstable_from_ = last_index() + 1;
  reload_config();
  reset_timers();
}

persisted raft_core::bootstrap(const membership& m) {
  persisted p;
  p.hs = hard_state{1, 0, 1};
  p.entries.push_back(entry{1, 1, entry_kind::config, encode_membership(m)});
  return p;
}

// ---------------------------------------------------------------- log

uint64_t raft_core::last_term() const { return log_.empty() ? snap_.term : log_.back().term; }

std::optional<uint64_t> raft_core::term_at(uint64_t index) const {
  if (index == snap_.index) return snap_.term;
  if (index < snap_.index || index > last_index()) return std::nullopt;
  return at(index).term;
}

std::vector<entry> raft_core::entries(uint64_t from, uint64_t to) const {
  from = std::max(from, first_index());
  to = std::min(to, last_index());
  if (from > to) return {};
  return {log_.begin() + static_cast<ptrdiff_t>(from - first_index()),
          log_.begin() + static_cast<ptrdiff_t>(to - first_index() + 1)};
}

// [R §5.4.1] the candidate's log is at least as up-to-date as ours.
bool raft_core::is_up_to_date(uint64_t index, uint64_t term) const {
  return term > last_term() || (term == last_term() && index >= last_index());
}

// The largest index <= `index` whose term is <= `term` (or the snapshot
// index; `index` itself when it is at or below the snapshot): everything above it surely conflicts with a log whose entry at
// `index` has `term` (fast backtracking, [R §5.3] end, etcd findConflictByTerm).
uint64_t raft_core::find_conflict_by_term(uint64_t index, uint64_t term) const {
  index = std::min(index, last_index());
  if (index <= snap_.index) return index;  // terms unknown below: probe there (-> snapshot)
  for (; index > snap_.index; --index)
    if (at(index).term <= term) return index;
  return snap_.index;
}

void raft_core::append_local(entry e) {
  e.index = last_index() + 1;
  bool is_config = e.kind == entry_kind::config;
  log_.push_back(std::move(e));
  if (is_config) {
    // [T §4.1] a configuration takes effect as soon as it is in the log.
    if (auto m = decode_membership(log_.back().data)) {
      config_ = std::move(*m);
      config_index_ = log_.back().index;
      if (role_ == role::leader) sync_peers(log_.back().index);  // new members get it at once
    }
  }
}

void raft_core::truncate_after(uint64_t index) {
  if (index < commit_) throw std::logic_error("raft_core: truncating committed entries");
  if (index >= last_index()) return;
  if (index + 1 < unstable_from_) {  // the actor holds some of the dropped entries
    pending_truncate_ = pending_truncate_ ? std::min(*pending_truncate_, index) : index;
    unstable_from_ = index + 1;
  }
  log_.resize(index - snap_.index);
  if (config_index_ > index) reload_config();
}

void raft_core::reload_config() {
  for (auto it = log_.rbegin(); it != log_.rend(); ++it) {
    if (it->kind != entry_kind::config) continue;
    if (auto m = decode_membership(it->data)) {
      config_ = std::move(*m);
      config_index_ = it->index;
      return;
    }
  }
  config_ = snap_.config;
  config_index_ = snap_.index;
}

void raft_core::commit_to(uint64_t index) {
  index = std::min(index, last_index());
  if (index > commit_) commit_ = index;
}

std::optional<snapshot_meta> raft_core::snapshot_at(uint64_t index) const {
  if (index < snap_.index || index > commit_) return std::nullopt;
  if (index == snap_.index) return snap_;
  snapshot_meta meta{index, at(index).term, snap_.config};
  for (uint64_t i = index; i > snap_.index; --i) {
    const entry& e = at(i);
    if (e.kind != entry_kind::config) continue;
    if (auto m = decode_membership(e.data)) {
      meta.config = std::move(*m);
      break;
    }
  }
  return meta;
}

void raft_core::compact(uint64_t index) {
  index = std::min(index, applied_);
  if (index <= snap_.index) return;
  auto meta = snapshot_at(index);
  if (!meta) return;
  log_.erase(log_.begin(), log_.begin() + static_cast<ptrdiff_t>(index - snap_.index));
  if (log_.capacity() > 2 * log_.size()) log_.shrink_to_fit();  // the slots of the entries compacted away
  snap_ = std::move(*meta);
}

// ---------------------------------------------------------------- roles

uint32_t raft_core::random_timeout() {
  // [R §5.2] randomized in [election_ticks, 2*election_ticks); the modulo bias
  // is irrelevant here and keeps the sequence identical across libstdc++/libc++.
  return cfg_.election_ticks + static_cast<uint32_t>(rng_() % cfg_.election_ticks);
}

void raft_core::reset_timers() {
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  randomized_timeout_ = random_timeout();
}

void raft_core::become_follower(uint64_t term, node_id leader) {
  if (term != term_) {
    term_ = term;
    vote_ = 0;
  }
  role_ = role::follower;
  leader_ = leader;
  votes_.clear();
  peers_.clear();
  reset_timers();
}

void raft_core::become_leader() {
  role_ = role::leader;
  leader_ = cfg_.id;
  votes_.clear();
  peers_.clear();
  reset_timers();
  sync_peers(last_index() + 1);
  // [R §8] / [T §6.4]: a noop of the new term at once, so that entries of
  // earlier terms get committed (indirectly) as soon as possible.
  append_local(entry{0, term_, entry_kind::noop, {}});
  if (maybe_commit()) maybe_step_down_removed();
  if (role_ == role::leader) broadcast_append();
}

// In lease: this node heard from a leader less than election_ticks ago, so
// it refuses to help anyone else become leader ([T §4.2.3], [T §9.6]).
bool raft_core::in_lease() const {
  if (role_ == role::leader) return true;
  return leader_ != 0 && election_elapsed_ < cfg_.election_ticks;
}

// [T §4.2.2] a server that is not in its own latest configuration still
// campaigns while that configuration is uncommitted (it may be rolled back,
// and the others may need it); its own vote then does not count.
bool raft_core::promotable() const { return config_.contains(cfg_.id) || config_index_ > commit_; }

void raft_core::campaign() {
  if (role_ == role::leader || !promotable()) return;
  start_election(cfg_.pre_vote);
}

// [R §5.2] / [T §9.6]: a pre-candidate asks for votes in term+1 without
// changing its term; a candidate increments the term and votes for itself.
void raft_core::start_election(bool pre) {
  for (;;) {
    if (pre) {
      role_ = role::pre_candidate;  // term and vote unchanged [T §9.6]
      leader_ = 0;
      votes_.clear();
      reset_timers();
    } else {
      become_follower(term_ + 1, 0);
      role_ = role::candidate;
      vote_ = cfg_.id;
    }
    bool lost = false;
    if (poll(cfg_.id, true, &lost) < config_.quorum()) break;
    if (!pre) {
      become_leader();  // a one-member cluster
      return;
    }
    pre = false;  // won the pre-vote alone: the real election
  }
  for (const auto& mb : config_.members) {
    if (mb.id == cfg_.id) continue;
    message m;
    m.type = pre ? msg_type::pre_vote : msg_type::vote;
    m.to = mb.id;
    m.term = pre ? term_ + 1 : term_;
    m.log_index = last_index();
    m.log_term = last_term();
    send(std::move(m));
  }
}

size_t raft_core::poll(node_id from, bool granted, bool* lost) {
  if (config_.contains(from)) votes_.emplace(from, granted);  // the first answer counts
  size_t yes = 0, no = 0;
  for (const auto& [id, g] : votes_)
    if (config_.contains(id)) (g ? yes : no)++;
  *lost = no >= config_.quorum();
  return yes;
}

// ---------------------------------------------------------------- tick

void raft_core::tick() {
  if (role_ == role::leader) {
    tick_leader();
    return;
  }
  if (election_elapsed_ < UINT32_MAX) ++election_elapsed_;
  if (election_elapsed_ >= randomized_timeout_ && promotable()) start_election(cfg_.pre_vote);
}

void raft_core::tick_leader() {
  ++heartbeat_elapsed_;
  if (election_elapsed_ < UINT32_MAX) ++election_elapsed_;
  for (auto& [id, p] : peers_) {
    if (p.ticks_since_ack < UINT32_MAX) ++p.ticks_since_ack;
    if (p.state == progress_state::snapshot) ++p.snapshot_ticks;
  }
  if (cfg_.check_quorum) {
    // [T §6.2] a leader that has not heard from a majority within an
    // election timeout steps down (it may be on the minority side).
    size_t active = config_.contains(cfg_.id) ? 1 : 0;
    for (const auto& [id, p] : peers_)
      if (p.ticks_since_ack < cfg_.election_ticks) ++active;
    if (active < config_.quorum()) {
      become_follower(term_, 0);
      return;
    }
  }
  if (heartbeat_elapsed_ < cfg_.heartbeat_ticks) return;
  heartbeat_elapsed_ = 0;
  for (auto& [id, p] : peers_) {
    if (p.state == progress_state::snapshot && p.snapshot_ticks >= cfg_.election_ticks) {
      // the snapshot (or its answer) was lost: probe again (resends it if still needed)
      p.state = progress_state::probe;
      p.next = p.match + 1;
      p.probe_sent = false;
      send_append(id, p, true);
    } else {
      send_heartbeat(id, p);
    }
  }
}

// ---------------------------------------------------------------- step

void raft_core::step(const message& m) {
  if (m.to != cfg_.id || m.from == 0 || m.from == cfg_.id) return;
  if (m.term > term_) {
    // [R §5.1] a higher term makes us a follower of it; exceptions below.
    if (m.type == msg_type::pre_vote || m.type == msg_type::vote) {
      bool lease = m.type == msg_type::pre_vote ? in_lease() : cfg_.check_quorum && in_lease();
      if (lease) {
        // A healthy leader exists: do not let a rejoining or removed node
        // disrupt it. Pre-votes get a refusal, votes are ignored (etcd).
        if (m.type == msg_type::pre_vote) {
          message r;
          r.type = msg_type::pre_vote_resp;
          r.to = m.from;
          r.term = term_;
          r.reject = true;
          send(std::move(r));
        }
        return;
      }
    }
    if (m.type == msg_type::pre_vote) {
      // the pre-vote does not change our term or vote [T §9.6]
    } else if (m.type == msg_type::pre_vote_resp && !m.reject) {
      // a granted pre-vote carries the future term
    } else {
      bool from_leader = m.type == msg_type::append || m.type == msg_type::snapshot;
      become_follower(m.term, from_leader ? m.from : 0);
    }
  } else if (m.term < term_) {
    if ((cfg_.check_quorum || cfg_.pre_vote) && (m.type == msg_type::append || m.type == msg_type::snapshot)) {
      // A stale leader (e.g. partitioned away while we moved on, whose own
      // pre-votes cannot raise its term) learns the term and steps down.
      message r;
      r.type = msg_type::append_resp;
      r.to = m.from;
      r.term = term_;
      send(std::move(r));
    } else if (m.type == msg_type::pre_vote || m.type == msg_type::vote) {
      // Refuse with our term so a candidate that fell behind catches up
      // (Figure 2: every reply carries currentTerm). Without it a member
      // whose peers do not send to it (diverging uncommitted configs) may
      // keep campaigning in terms nobody answers.
      message r;
      r.type = m.type == msg_type::pre_vote ? msg_type::pre_vote_resp : msg_type::vote_resp;
      r.to = m.from;
      r.term = term_;
      r.reject = true;
      send(std::move(r));
    }
    return;  // everything else of a stale term is ignored
  }

  if (m.type == msg_type::pre_vote || m.type == msg_type::vote) {
    handle_vote_request(m);
    return;
  }
  switch (role_) {
    case role::leader: step_leader(m); break;
    case role::candidate:
    case role::pre_candidate: step_candidate(m); break;
    case role::follower: step_follower(m); break;
  }
}

void raft_core::handle_vote_request(const message& m) {
  bool pre = m.type == msg_type::pre_vote;
  // [R §5.2] one vote per term (a repeated request from our candidate is
  // granted again); a pre-vote for a future term binds nothing.
  bool can_vote = vote_ == m.from || (vote_ == 0 && leader_ == 0) || (pre && m.term > term_);
  if (pre && in_lease()) can_vote = false;
  if (PSTORAGE_SIM_BUG(raft_vote_twice) && !pre && m.term == term_) can_vote = true;  // sim-only bug (tests/sim)
  message r;
  r.type = pre ? msg_type::pre_vote_resp : msg_type::vote_resp;
  r.to = m.from;
  if (can_vote && is_up_to_date(m.log_index, m.log_term)) {
    r.term = m.term;
    if (!pre) {
      vote_ = m.from;  // persisted (hs) before the answer is sent: ready contract
      election_elapsed_ = 0;
    }
  } else {
    r.term = term_;
    r.reject = true;
  }
  send(std::move(r));
}

void raft_core::step_follower(const message& m) {
  if (m.type == msg_type::append || m.type == msg_type::snapshot) {
    leader_ = m.from;
    election_elapsed_ = 0;
    if (m.type == msg_type::append)
      handle_append(m);
    else
      handle_snapshot(m);
  }
}

void raft_core::step_candidate(const message& m) {
  switch (m.type) {
    case msg_type::append:
    case msg_type::snapshot:
      // [R §5.2] a leader of our term exists
      become_follower(term_, m.from);
      step_follower(m);
      return;
    case msg_type::pre_vote_resp:
    case msg_type::vote_resp: {
      bool pre = role_ == role::pre_candidate;
      if (m.type != (pre ? msg_type::pre_vote_resp : msg_type::vote_resp)) return;
      if (pre && !m.reject && m.term != term_ + 1) return;  // grant of an older round
      bool lost = false;
      size_t yes = poll(m.from, !m.reject, &lost);
      if (yes >= config_.quorum()) {
        if (pre) {
          start_election(false);  // the real election
        } else {
          become_leader();
        }
      } else if (lost) {
        become_follower(term_, 0);
      }
      return;
    }
    default: return;
  }
}

// ---------------------------------------------------------------- follower

void raft_core::handle_append(const message& m) {
  message r;
  r.type = msg_type::append_resp;
  r.to = m.from;
  r.term = term_;
  r.context = m.context;
  uint64_t prev = m.log_index, prev_term = m.log_term;
  std::span<const entry> ents(m.entries);
  if (prev < commit_) {
    // Entries up to our commit are committed, hence identical in the
    // leader's log [R §5.4.3]: skip them.
    size_t skip = 0;
    while (skip < ents.size() && ents[skip].index <= commit_) ++skip;
    ents = ents.subspan(skip);
    prev = commit_;
    prev_term = *term_at(commit_);
  }
  if (term_at(prev) != prev_term) {
    // [R §5.3] consistency check failed; hint for fast backtracking.
    uint64_t hint = std::max(commit_, find_conflict_by_term(std::min(prev, last_index()), prev_term));
    r.reject = true;
    r.log_index = prev;
    r.index = hint;
    r.log_term = term_at(hint).value_or(0);
    send(std::move(r));
    return;
  }
  for (size_t i = 0; i < ents.size(); ++i) {
    auto t = term_at(ents[i].index);
    if (t && *t == ents[i].term) continue;
    if (t) truncate_after(ents[i].index - 1);  // [R §5.3] delete the conflicting suffix
    for (; i < ents.size(); ++i) append_local(ents[i]);
    break;
  }
  uint64_t last_new = prev + ents.size();
  commit_to(std::min(m.commit, last_new));
  r.index = last_new;
  send(std::move(r));
}

void raft_core::handle_snapshot(const message& m) {
  const snapshot_meta& meta = m.snapshot;
  if (meta.index > commit_) {
    if (term_at(meta.index) == meta.term) {
      commit_to(meta.index);  // our log already holds it: fast-forward
    } else {
      // [R §7] discard the whole log, restart it after the snapshot
      snap_ = meta;
      log_.clear();
      commit_ = applied_ = meta.index;
      unstable_from_ = meta.index + 1;
      pending_truncate_.reset();
      pending_snapshot_ = meta;
      config_ = meta.config;
      config_index_ = meta.index;
    }
  }
  message r;
  r.type = msg_type::snapshot_resp;
  r.to = m.from;
  r.term = term_;
  r.context = m.context;
  r.index = commit_;
  send(std::move(r));
}

// ---------------------------------------------------------------- output

void raft_core::send(message m) {
  m.from = cfg_.id;
  if (role_ == role::leader && (m.type == msg_type::append || m.type == msg_type::snapshot)) m.context = ++context_;
  msgs_.push_back(std::move(m));
}

uint64_t raft_core::quorum_context() const {
  if (role_ != role::leader || config_.empty()) return 0;
  std::vector<uint64_t> acked;
  for (const auto& mb : config_.members) {
    if (mb.id == cfg_.id) {
      acked.push_back(context_);
    } else {
      auto it = peers_.find(mb.id);
      acked.push_back(it == peers_.end() ? 0 : it->second.acked_context);
    }
  }
  std::sort(acked.begin(), acked.end(), std::greater<>());
  return acked[config_.quorum() - 1];
}

std::vector<progress> raft_core::peers() const {
  std::vector<progress> v;
  for (const auto& [id, p] : peers_) {
    progress pr;
    pr.id = id;
    pr.match = p.match;
    pr.next = p.next;
    pr.ticks_since_ack = p.ticks_since_ack;
    pr.pending_snapshot = p.state == progress_state::snapshot;
    pr.state = p.state;
    pr.inflight = p.inflight.size();
    v.push_back(pr);
  }
  return v;
}

bool raft_core::has_ready() const {
  return hard_state{term_, vote_, commit_} != saved_hs_ || pending_snapshot_ || pending_truncate_ ||
         unstable_from_ <= last_index() || !msgs_.empty() || commit_ > applied_;
}

ready raft_core::take_ready() {
  ready r;
  hard_state hs{term_, vote_, commit_};
  if (hs != saved_hs_) r.hs = saved_hs_ = hs;
  r.snapshot = std::move(pending_snapshot_);
  pending_snapshot_.reset();
  r.truncate_after = pending_truncate_;
  pending_truncate_.reset();
  if (unstable_from_ <= last_index()) {
    r.entries = entries(unstable_from_, last_index());
    unstable_from_ = last_index() + 1;
  }
  r.messages = std::move(msgs_);
  msgs_.clear();
  if (commit_ > applied_) {
    r.committed = entries(applied_ + 1, commit_);
    applied_ = commit_;
  }
  return r;
}

}  // namespace pstorage::election
