// raft_core.hpp — the pure consensus core of MDS high availability: Raft
// (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm",
// 2014, and Ongaro's thesis "Consensus: Bridging Theory and Practice", 2014).
// Raft's "term" is the "epoch" of our docs and of the Admin Guide ("Any MDS
// server can become the master one if the current master MDS server fails";
// "the majority of MDS servers must be up and running").
//
// Pure: no CAF, SQLite, clock, socket, thread or global RNG. Time is tick();
// randomness (election timeout jitter) is a PRNG seeded from config::seed.
// The core is driven by tick() / step(message) / propose*() and emits its
// decisions as a `ready` that the election actor executes in the order
//   persist -> send -> apply   (etcd raft's Ready, ScyllaDB raft/fsm.hh).
// See docs/election.md for the protocol as implemented, the role table and
// the transcript tests (tests/unit/raft/*.txt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace pstorage::election {

using node_id = uint32_t;  // MDS id (1, 2, ...); 0 = none

enum class entry_kind : uint8_t { command = 0, noop = 1, config = 2 };

struct entry {
  uint64_t index = 0;
  uint64_t term = 0;
  entry_kind kind = entry_kind::command;
  std::vector<uint8_t> data;  // command: opaque; config: encode_membership(); noop: empty
  bool operator==(const entry&) const = default;
};

struct member {
  node_id id = 0;
  std::string address;  // opaque to the core ("127.0.0.1:2510")
  bool operator==(const member&) const = default;
};

// The voters of the cluster. Every member votes (no learners).
struct membership {
  std::vector<member> members;  // sorted by id, ids unique and != 0
  bool contains(node_id id) const;
  const member* find(node_id id) const;
  std::vector<node_id> ids() const;
  size_t quorum() const { return members.size() / 2 + 1; }
  bool empty() const { return members.empty(); }
  // Sorts by id; returns false (and leaves *this as given) when an id is 0 or repeated.
  bool normalize();
  bool operator==(const membership&) const = default;
};

// Deterministic encoding of a membership (the data of config entries):
// "PSM1" u32 count, then per member u32 id, u32 address length, address bytes;
// integers little-endian. decode rejects anything else (nullopt).
std::vector<uint8_t> encode_membership(const membership& m);
std::optional<membership> decode_membership(std::span<const uint8_t> bytes);

struct hard_state {
  uint64_t term = 0;
  node_id vote = 0;
  uint64_t commit = 0;
  bool operator==(const hard_state&) const = default;
};

// State machine state up to `index` (the data bytes are the actor's business).
struct snapshot_meta {
  uint64_t index = 0;
  uint64_t term = 0;
  membership config;  // the membership in force at `index`
  bool operator==(const snapshot_meta&) const = default;
};

enum class msg_type : uint8_t {
  pre_vote,       // candidate -> voter: "would you vote for me in term+1?" (thesis §9.6)
  pre_vote_resp,  // voter -> candidate
  vote,           // candidate -> voter: RequestVote (§5.2)
  vote_resp,      // voter -> candidate
  append,         // leader -> follower: AppendEntries (§5.3); empty = heartbeat
  append_resp,    // follower -> leader
  snapshot,       // leader -> follower: InstallSnapshot (§7), metadata only here
  snapshot_resp,  // follower -> leader
};
const char* to_string(msg_type t);

struct message {
  msg_type type = msg_type::append;
  node_id from = 0, to = 0;
  uint64_t term = 0;
  // vote/pre_vote: candidate's last index/term; append: prev index/term;
  // append_resp reject: log_index = the rejected prev index, log_term = the
  // follower's term at `index` (the hint), for fast backtracking.
  uint64_t log_index = 0, log_term = 0;
  std::vector<entry> entries;  // append
  uint64_t commit = 0;         // append: leader's commit (never above the prev index + entries sent)
  bool reject = false;         // *_resp
  // append_resp: accept: the follower's log matches the leader's up to here;
  // reject: hint (<= the follower's last index) from which the leader probes.
  // snapshot_resp: the follower's commit after the snapshot (>= snapshot index).
  uint64_t index = 0;
  snapshot_meta snapshot;  // snapshot: metadata (the actor attaches the data bytes)
  // append/snapshot from a leader: a number unique and increasing per
  // message of this node (the actor notes when it sent it); echoed in the
  // append_resp / snapshot_resp that answers it: the leader lease (below).
  uint64_t context = 0;
  bool operator==(const message&) const = default;
};

struct config {
  node_id id = 0;
  uint32_t election_ticks = 10;  // election timeout drawn from [election_ticks, 2*election_ticks)
  uint32_t heartbeat_ticks = 1;  // leader heartbeat interval; must be < election_ticks
  uint64_t seed = 0;             // PRNG seed (mixed with id)
  bool pre_vote = true;          // thesis §9.6
  bool check_quorum = true;      // thesis §6.2 (leader steps down) + §4.2.3 (vote lease)
  size_t max_entries_per_msg = 256;
  size_t max_inflight_msgs = 64;
};

// What the actor loads at start. `entries` follow snapshot.index contiguously.
struct persisted {
  hard_state hs;
  snapshot_meta snapshot;
  std::vector<entry> entries;
  // The actor's state machine is applied up to here (>= snapshot.index; a
  // smaller value counts as snapshot.index). The first ready re-emits the
  // committed entries in (applied, hs.commit] in `committed`.
  uint64_t applied = 0;
};

enum class role : uint8_t { follower, pre_candidate, candidate, leader };
const char* to_string(role r);

// What the actor must do, in this order:
// (1) persist, durably and atomically (one transaction / one fsync):
//     if `snapshot` is set (a follower installs a snapshot received from the
//     leader): install the received snapshot data and metadata and DISCARD
//     THE WHOLE stored log (every index) first;
//     if `truncate_after` is set, drop stored entries with index > *truncate_after
//     (only ever uncommitted ones); append `entries`; save `hs` if set;
// (2) send `messages`;
// (3) apply `committed` in order (each committed index is emitted exactly once
//     across readies; after a snapshot install they continue above its index).
struct ready {
  std::optional<hard_state> hs;
  std::optional<snapshot_meta> snapshot;
  std::optional<uint64_t> truncate_after;
  std::vector<entry> entries;
  std::vector<message> messages;
  std::vector<entry> committed;
  bool empty() const;
};

enum class progress_state : uint8_t { probe, replicate, snapshot };
const char* to_string(progress_state s);

struct progress {
  node_id id = 0;
  uint64_t match = 0, next = 0;
  uint32_t ticks_since_ack = 0;
  bool pending_snapshot = false;
  progress_state state = progress_state::probe;
  size_t inflight = 0;  // unacked appends (replicate state)
};

class raft_core {
 public:
  // state.snapshot.config, or the latest config entry in state.entries, is the
  // membership. A node that is not (yet) a member follows any leader of a
  // term >= its own (a new node catching up: persisted{}); it campaigns only
  // while its latest config (without it) is uncommitted (thesis §4.2.2).
  raft_core(config cfg, persisted state);
  // The persisted state of a brand-new cluster: one config entry at index 1,
  // term 1, committed: hs{term 1, vote 0, commit 1}, applied 0 (so the entry
  // is emitted once in `committed`). Every initial member starts from it.
  static persisted bootstrap(const membership& m);

  void tick();
  // Messages for other ids, from id 0 or self, and responses from nodes the
  // leader does not track are ignored. Requests are answered whatever the
  // membership (thesis §4.1: a new node must accept its leader's appends).
  void step(const message& m);
  // Leader only: appends a command, returns its index; nullopt when not
  // leader or when this leader is not in its own (latest) membership
  // (it is being removed and steps down once that commits).
  std::optional<uint64_t> propose(std::vector<uint8_t> data);
  // One membership change at a time: nullopt (with no effect) if not leader,
  // or an earlier config entry is not yet committed, or the change adds and/or
  // removes more than one voter in total, or `next` is empty / malformed, or
  // this leader has not yet committed an entry of its term (its noop; the
  // single-server change bug fix, Ongaro raft-dev 2015).
  // Takes effect on append, on every node (thesis §4.1).
  std::optional<uint64_t> propose_config(membership next);
  // Start an election now (tests, operator "become master"); respects
  // pre_vote. No-op for a leader or a non-member (see the constructor).
  void campaign();
  // The actor took a snapshot of the applied state at `index`: the core
  // forgets entries <= index (none kept; the actor may pass applied - N to
  // keep slack for slow followers). index is clamped to what has been
  // emitted in `committed`; indexes <= first_index()-1 are a no-op.
  void compact(uint64_t index);

  bool has_ready() const;
  ready take_ready();  // clears the pending output

  // status
  role get_role() const { return role_; }
  node_id id() const { return cfg_.id; }
  node_id leader() const { return leader_; }
  uint64_t term() const { return term_; }
  uint64_t commit_index() const { return commit_; }
  uint64_t last_index() const { return snap_.index + log_.size(); }
  uint64_t first_index() const { return snap_.index + 1; }
  const membership& members() const { return config_; }
  std::vector<progress> peers() const;  // leader: one per other member, by id
  uint32_t ticks_since_leader_contact() const { return election_elapsed_; }
  // Extra status (additions to the contract):
  node_id vote() const { return vote_; }
  uint64_t last_term() const;
  uint64_t applied_index() const { return applied_; }  // emitted in `committed` so far
  const snapshot_meta& snapshot_info() const { return snap_; }  // the compaction point
  // The metadata of a snapshot of the state after applying every entry up to
  // `index` (its term, the membership in force there); nullopt when index is
  // below the compaction point or not committed.
  std::optional<snapshot_meta> snapshot_at(uint64_t index) const;
  // Leader lease (docs/election.md "Reads on the master"): the newest context
  // of this leader's messages that a majority (itself included) has answered
  // in this term; 0 when none or not leader. A follower that answered a
  // message refuses to vote for anyone else for election_ticks after it got
  // it (in_lease), so no other leader can exist until then: the actor turns
  // it into a time using when it sent that message.
  uint64_t quorum_context() const;
  // The context the next leader message gets (for one-member clusters, which
  // need no answers).
  uint64_t last_context() const { return context_; }
  std::optional<uint64_t> term_at(uint64_t index) const;       // nullopt: compacted or beyond last
  std::vector<entry> entries(uint64_t from, uint64_t to) const;  // [from, to] within the log

 private:
  struct peer {
    uint64_t match = 0, next = 1;
    progress_state state = progress_state::probe;
    bool probe_sent = false;         // probe: one append in flight
    std::deque<uint64_t> inflight;   // replicate: last index of each unacked append
    uint64_t pending_snapshot = 0;   // snapshot: its index
    uint32_t snapshot_ticks = 0;     // snapshot: ticks since sent (resend after election_ticks)
    uint32_t ticks_since_ack = 0;
    uint64_t acked_context = 0;      // the newest context it answered in this term
  };

  // roles
  void become_follower(uint64_t term, node_id leader);
  void become_candidate();
  void become_leader();
  void start_election(bool pre);
  void reset_timers();
  bool in_lease() const;
  bool promotable() const;
  // steps
  void step_leader(const message& m);
  void step_candidate(const message& m);
  void step_follower(const message& m);
  void handle_vote_request(const message& m);
  void handle_append(const message& m);
  void handle_snapshot(const message& m);
  void handle_append_resp(const message& m, peer& p);
  void tick_leader();
  // leader replication
  bool send_append(node_id to, peer& p, bool send_if_empty);
  void send_appends(node_id to, peer& p);
  void send_heartbeat(node_id to, peer& p);
  void broadcast_append();
  bool maybe_commit();
  void sync_peers(uint64_t next);  // next: for members without progress yet
  void maybe_step_down_removed();
  // log
  const entry& at(uint64_t index) const { return log_[index - snap_.index - 1]; }
  bool is_up_to_date(uint64_t index, uint64_t term) const;
  uint64_t find_conflict_by_term(uint64_t index, uint64_t term) const;
  void append_local(entry e);
  void truncate_after(uint64_t index);
  void reload_config();
  void commit_to(uint64_t index);
  // votes
  void send(message m);
  size_t poll(node_id from, bool granted, bool* lost);
  uint32_t random_timeout();

  config cfg_;
  std::mt19937_64 rng_;
  role role_ = role::follower;
  uint64_t term_ = 0;
  node_id vote_ = 0;
  node_id leader_ = 0;
  uint64_t commit_ = 0;
  uint64_t applied_ = 0;  // emitted in `committed`
  snapshot_meta snap_;
  uint64_t context_ = 0;  // the last context given to a leader message
  std::vector<entry> log_;  // entries snap_.index+1 ..
  membership config_;
  uint64_t config_index_ = 0;  // index of the entry that set config_ (or snap_.index)
  uint32_t election_elapsed_ = 0;
  uint32_t heartbeat_elapsed_ = 0;
  uint32_t randomized_timeout_ = 0;
  std::map<node_id, bool> votes_;
  std::map<node_id, peer> peers_;
  // pending output
  hard_state saved_hs_;  // last hard state handed out (or loaded)
  uint64_t unstable_from_ = 1;  // entries >= this are not yet handed out
  std::optional<uint64_t> pending_truncate_;
  std::optional<snapshot_meta> pending_snapshot_;
  std::vector<message> msgs_;
};

}  // namespace pstorage::election
