// election_actor.cpp — runs the consensus core (raft_core.hpp) for one MDS:
// the only writer of DIR/journal.db. Every output of the core is carried out
// in the order persist -> send -> apply (docs/election.md, "The ready
// contract"; a master's appends may go before its own save, see flush()):
//   1. persist: snapshot install, truncation, new entries and the hard state
//      in ONE journal transaction (one fsync: group commit of every proposal
//      that arrived since the last flush);
//   2. send the core's messages to the peers' election actors;
//   3. hand the committed entries to the MDS actor, which applies them to
//      md.db and answers the requests that proposed them.
// Proposals are answered at once with (index, term) and flushed by one
// flush_atom that the first unflushed proposal schedules, so proposals
// queued in the mailbox share one fsync.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "actors/election/election_api.hpp"
#include "actors/election/election_wire.hpp"
#include "actors/common/sim_bugs.hpp"
#include "persistence/journal_store.hpp"
#include "protocol/common.capnp.h"

namespace pstorage {
namespace p = proto;
using namespace election;

namespace {

struct election_state {
  election_deps deps;
  std::unique_ptr<raft_core> core;
  std::map<uint32_t, caf::actor> peers;  // peer election actors by MDS id
  std::set<uint32_t> connecting;         // connector asked, no answer yet
  bool flush_scheduled = false;
  bool durable_wanted = false;  // an unflushed proposal must be fsynced
  hard_state saved;             // last hard state written
  // What the MDS actor was told last (a change is told even without entries).
  uint64_t told_term = 0;
  node_id told_leader = 0;
  bool told_is_leader = false;
  // Follower: committed entries not told to the MDS actor yet (tell_mds).
  std::vector<entry> untold;
  // ---- snapshots (docs/election.md "Snapshots and compaction") ----
  struct outgoing_snapshot {
    snapshot_sender sender;
    snapshot_meta meta;
    std::shared_ptr<const std::vector<uint8_t>> data;
  };
  std::map<uint32_t, outgoing_snapshot> outgoing;  // master: a transfer per follower
  std::set<uint32_t> exporting;                    // master: md.db asked of the MDS for them
  snapshot_receiver incoming;                      // follower
  uint64_t mds_applied = 0;                        // md.db's applied index (status requests)
  // ---- leader lease (docs/election.md "Reads on the master") ----
  std::map<uint64_t, caf::actor_clock::time_point> sent_at;  // context -> when sent
  int64_t lease_until_ns = 0;                                // actor clock
  int64_t told_lease_ns = 0;
  static inline const char* name = "pstorage-election";
};

using self_ptr = election_api::stateful_pointer<election_state>;

void schedule_flush(self_ptr self) {
  if (self->state.flush_scheduled) return;
  self->state.flush_scheduled = true;
  self->send(self, flush_atom::value);
}

// Where MDS `id` is reached: configure-mds's address, else the journal's.
std::string address_of(const election_state& st, node_id id) {
  if (auto it = st.deps.address_overrides.find(id); it != st.deps.address_overrides.end()) return it->second;
  if (auto* m = st.core->members().find(id)) return m->address;
  return {};
}

std::string master_address(const election_state& st) {
  return st.core->leader() ? address_of(st, st.core->leader()) : std::string();
}

void start_snapshot(self_ptr self, node_id to);

// Peer `to`'s election actor, or an invalid handle after asking the
// connector for it (the answer comes as peer_atom).
caf::actor peer_or_connect(self_ptr self, node_id to) {
  auto& st = self->state;
  if (auto it = st.peers.find(to); it != st.peers.end() && it->second) return it->second;
  if (st.deps.connect && !st.connecting.count(to)) {
    if (auto addr = address_of(st, to); !addr.empty()) {
      st.connecting.insert(to);
      st.deps.connect(self, to, addr);
    }
  }
  return {};
}

// Sends an encoded message to peer `to` if connected (else it is dropped
// while the connector works: the sender retransmits).
void send_wire(self_ptr self, node_id to, msg::mds_to_mds_raft w) {
  if (auto h = peer_or_connect(self, to)) self->send(caf::actor_cast<election_api>(h), std::move(w));
}

void send_to_peer(self_ptr self, const message& m) {
  auto& st = self->state;
  if (m.context) st.sent_at.emplace(m.context, self->clock().now());  // leader lease: when it left
  if (m.type == msg_type::snapshot) return start_snapshot(self, m.to);  // the data goes in chunks
  // Not connected: the core retransmits (heartbeats, probes), so the
  // message is dropped while the connector works on it.
  if (auto h = peer_or_connect(self, m.to))
    self->send(caf::actor_cast<election_api>(h), to_wire(m, st.deps.cluster, st.deps.self_address));
}

int64_t ns_of(caf::actor_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The leader lease: until half an election timeout after it sent the newest
// message a majority has answered in this term (a follower that answered it
// votes for no one else for a whole election timeout after receiving it;
// half of it leaves room for clocks that run up to twice as fast). One MDS:
// always. Not leader: none.
void update_lease(self_ptr self) {
  auto& st = self->state;
  auto& core = *st.core;
  if (core.get_role() != role::leader) {
    st.lease_until_ns = 0;
    st.sent_at.clear();
    return;
  }
  if (core.members().members.size() == 1 && core.members().contains(core.id())) {
    st.lease_until_ns = INT64_MAX;
    return;
  }
  const uint64_t q = core.quorum_context();
  auto it = st.sent_at.find(q);
  if (q == 0 || it == st.sent_at.end()) return;
  const auto span = st.deps.tick_interval * st.deps.core.election_ticks / 2;
  st.lease_until_ns = std::max(st.lease_until_ns, ns_of(it->second + span));
  st.sent_at.erase(st.sent_at.begin(), it);  // older contexts count no more
}

// Tells the MDS actor the entries now committed, in order, and who is
// master. A master tells at once (its clients wait for the outcome). A
// follower's md.db serves nobody, so a follower holds its committed entries
// and tells them once a tick (now=true) or when `untold_limit` are held: the
// MDS applies them in one md.db transaction instead of one per entry
// (docs/election.md "The ready contract"). Anything else told (a new term,
// master or role, a snapshot) goes after the held entries, never before.
constexpr size_t untold_limit = 256;

void tell_mds(self_ptr self, const std::vector<entry>& committed, bool now = false) {
  auto& st = self->state;
  auto& core = *st.core;
  const bool is_leader = core.get_role() == role::leader;
  update_lease(self);
  st.untold.insert(st.untold.end(), committed.begin(), committed.end());
  // A lease that moved by a tick or more is told too (the MDS answers
  // requests only within it).
  const bool lease_moved = st.lease_until_ns != st.told_lease_ns &&
                           (st.lease_until_ns == 0 || st.told_lease_ns == 0 ||
                            st.lease_until_ns - st.told_lease_ns >=
                                std::chrono::duration_cast<std::chrono::nanoseconds>(st.deps.tick_interval).count());
  const bool status_changed = core.term() != st.told_term || core.leader() != st.told_leader ||
                              is_leader != st.told_is_leader || lease_moved;
  const bool entries_due = !st.untold.empty() && (is_leader || now || st.untold.size() >= untold_limit);
  if (!status_changed && !entries_due) return;
  st.told_lease_ns = st.lease_until_ns;
  if (is_leader && !st.told_is_leader)
    spdlog::info("MDS#{} became master in epoch {}", core.id(), core.term());
  st.told_term = core.term();
  st.told_leader = core.leader();
  st.told_is_leader = is_leader;
  self->send(st.deps.sink,
             committed_message(core, st.untold, [&st](node_id id) { return address_of(st, id); }, st.lease_until_ns));
  st.untold.clear();
}

[[noreturn]] void journal_failed(const std::exception& e);

// The snapshot at (index, term), stored in journal.db (journal_store
// incoming), replaces the MDS's md.db; journal.db drops it once md.db holds
// it. Messages to the MDS actor keep their order: later committed entries
// are applied after it.
void install_in_mds(self_ptr self, uint64_t index, uint64_t term) {
  auto& st = self->state;
  st.incoming.reset();
  std::vector<uint8_t> data;
  try {
    data = st.deps.journal->incoming_data();
  } catch (const std::exception& e) {
    journal_failed(e);
  }
  spdlog::info("MDS#{}: installing the master's state as of entry {} ({} bytes)", st.core->id(), index, data.size());
  auto req = wire::make<p::ElectionToMdsSnapshotInstall>([&](auto b) {
    b.setIndex(index);
    b.setTerm(term);
    b.setData(kj::arrayPtr(data.data(), data.size()));
  });
  self->request(st.deps.sink, caf::infinite, std::move(req))
      .then(
          [self, index](const msg::mds_to_election_snapshot_install& r) {
            auto a = wire::decode(r);
            if (!a || a->getStatus().getCode() != p::STATUS_OK || a->getApplied() < index) {
              // md.db could not take it: this MDS cannot go on with a state
              // behind its journal (the snapshot stays in journal.db for the
              // next start).
              spdlog::critical("the MDS could not install the master's state as of entry {}: {}; stopping this MDS",
                               index, a ? std::string(a->getStatus().getMessage().cStr()) : a.error);
              std::fflush(nullptr);
              std::_Exit(70);
            }
            self->state.mds_applied = std::max(self->state.mds_applied, a->getApplied());
            try {
              if (auto in = self->state.deps.journal->incoming(); in && in->index <= a->getApplied())
                self->state.deps.journal->clear_incoming();
            } catch (const std::exception& e) {
              journal_failed(e);
            }
          },
          [](caf::error& e) { spdlog::error("snapshot install: the MDS did not answer: {}", caf::to_string(e)); });
}

[[noreturn]] void journal_failed(const std::exception& e) {
  // Without its journal an MDS must not vote, acknowledge or apply: stop the
  // process so the others go on without it (a majority is enough).
  spdlog::critical("cannot write the MDS journal: {}; stopping this MDS", e.what());
  std::fflush(nullptr);
  std::_Exit(70);
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  while (st.core->has_ready()) {
    auto rd = st.core->take_ready();
    const bool vote_or_term_changes = rd.hs && (rd.hs->term != st.saved.term || rd.hs->vote != st.saved.vote);
    // 0. A master sends its appends before its own save, so its fsync and
    //    the followers' run at once (Ongaro's thesis §10.2.1). Safe because
    //    the master counts its own entries towards a majority only when it
    //    handles an answer, and this actor handles nothing before the save
    //    below is done: an entry a follower acknowledged is on the master's
    //    disk by then. Votes, acknowledgements and anything sent in a ready
    //    that changes the term or vote still go only after the save.
    std::vector<message> after_save;
    after_save.reserve(rd.messages.size());
    const bool master = st.core->get_role() == role::leader && !vote_or_term_changes;
    for (auto& m : rd.messages) {
      if (master && (m.type == msg_type::append || m.type == msg_type::snapshot))
        send_to_peer(self, m);
      else
        after_save.push_back(std::move(m));
    }
    // 1. persist
    try {
      if (rd.snapshot) st.deps.journal->install(to_record(*rd.snapshot));
      persistence::journal_batch b;
      b.truncate_after = rd.truncate_after;
      for (auto& e : rd.entries) b.entries.push_back(to_record(e));
      if (rd.hs) {
        b.hard_state = persistence::journal_hard_state{rd.hs->term, rd.hs->vote, rd.hs->commit};
        st.saved = *rd.hs;
      }
      // One MDS: namespace changes may wait for the tick's fsync like a
      // local file system (md_command.hpp durable_at_once). Several: an
      // entry counts towards a majority only once it is on disk. A save
      // that only moves the commit index is never fsynced: after a crash
      // the commit index is learnt again from the majority (it is not part
      // of Raft's persistent state, [R Figure 2]); the next fsync covers it.
      const bool several = st.core->members().members.size() > 1;
      const bool durable = (several && (!b.entries.empty() || b.truncate_after)) || st.durable_wanted || vote_or_term_changes;
      st.deps.journal->save(b, durable);
      st.durable_wanted = false;
    } catch (const std::exception& e) {
      journal_failed(e);
    }
    // 2. send
    for (auto& m : after_save) send_to_peer(self, m);
    // 3. apply (the MDS actor applies them in order)
    if (PSTORAGE_SIM_BUG(raft_apply_before_persist))  // sim-only bug (tests/sim): uncommitted entries applied
      for (auto& e : st.core->entries(st.core->commit_index() + 1, st.core->last_index())) rd.committed.push_back(e);
    //    An installed snapshot replaces md.db before any later entry.
    if (rd.snapshot) {
      tell_mds(self, {}, true);
      install_in_mds(self, rd.snapshot->index, rd.snapshot->term);
    }
    tell_mds(self, rd.committed);
  }
  tell_mds(self, {});
}

// ---- snapshots: master side ------------------------------------------------

// Sends the chunks the window allows of the transfer to `to`.
void pump_snapshot(self_ptr self, node_id to) {
  auto& st = self->state;
  auto it = st.outgoing.find(to);
  if (it == st.outgoing.end()) return;
  auto& out = it->second;
  message header;
  header.type = msg_type::snapshot;
  header.from = st.core->id();
  header.to = to;
  header.term = out.sender.id().term;
  header.snapshot = out.meta;
  for (auto c : out.sender.next()) {
    snapshot_chunk chunk{c.offset, out.sender.id().total, out.data->data() + c.offset, static_cast<size_t>(c.size)};
    send_wire(self, to, to_wire(header, st.deps.cluster, st.deps.self_address, &chunk));
  }
}

// The core wants follower `to` to get a snapshot (its entries are
// compacted away): the MDS exports md.db as of its applied index, which is
// sent in chunks; the core sees the follower's answer once it installed it.
void start_snapshot(self_ptr self, node_id to) {
  auto& st = self->state;
  if (st.outgoing.count(to) || st.exporting.count(to)) return;  // under way
  // Not connected (the follower is down, or unreachable): connect first;
  // the core asks again (its heartbeats probe the follower).
  if (!peer_or_connect(self, to)) return;
  st.exporting.insert(to);
  auto req = wire::make<p::ElectionToMdsSnapshotExport>([&](auto b) {
    b.setPeerId(to);
    b.setPeerAddress(address_of(st, to));
  });
  self->request(st.deps.sink, std::chrono::minutes(5), std::move(req))
      .then(
          [self, to](const msg::mds_to_election_snapshot_export& r) {
            auto& st = self->state;
            st.exporting.erase(to);
            auto a = wire::decode(r);
            if (!a || a->getStatus().getCode() != p::STATUS_OK)
              return spdlog::warn("cannot send MDS#{} a snapshot: {}", to,
                                  a ? std::string(a->getStatus().getMessage().cStr()) : a.error);
            if (st.core->get_role() != role::leader) return;
            auto meta = st.core->snapshot_at(a->getIndex());
            if (!meta || (a->getTerm() && a->getTerm() != meta->term))
              return spdlog::warn("cannot send MDS#{} a snapshot: md.db's applied entry {} does not match the journal",
                                  to, a->getIndex());
            auto d = a->getData();
            auto data = std::make_shared<const std::vector<uint8_t>>(d.begin(), d.end());
            transfer_id id{st.core->term(), meta->index, data->size()};
            spdlog::info("MDS#{}: sending MDS#{} the state as of entry {} ({} bytes)", st.core->id(), to, id.index,
                         id.total);
            st.outgoing.insert_or_assign(to, election_state::outgoing_snapshot{snapshot_sender(id, st.deps.transfer),
                                                                                *meta, std::move(data)});
            pump_snapshot(self, to);
          },
          [self, to](caf::error& e) {
            self->state.exporting.erase(to);
            spdlog::warn("cannot send MDS#{} a snapshot: the MDS did not answer: {}", to, caf::to_string(e));
          });
}

// ---- snapshots: follower side ------------------------------------------------

// A chunk of the master's state: stored in order in journal.db, answered
// with the bytes held; once whole, the core gets the snapshot message.
void on_snapshot_chunk(self_ptr self, proto::MdsToMdsRaft::Reader r) {
  auto& st = self->state;
  if (r.getTerm() < st.core->term()) return;  // a deposed master's
  const transfer_id id{r.getTerm(), r.getSnapshotIndex(), r.getSnapshotTotal()};
  const auto data = r.getSnapshotData();
  const uint64_t offset = r.getSnapshotOffset();
  try {
    switch (st.incoming.on_chunk(id, offset, data.size())) {
      case snapshot_receiver::verdict::start:
        st.deps.journal->incoming_begin(id.index, r.getSnapshotTerm(), id.total);
        [[fallthrough]];
      case snapshot_receiver::verdict::store:
        st.deps.journal->incoming_chunk(offset, data.begin(), data.size());
        st.incoming.stored(data.size());
        break;
      case snapshot_receiver::verdict::ignore:
        break;
    }
  } catch (const std::exception& e) {
    journal_failed(e);
  }
  message ack;
  ack.type = msg_type::snapshot_resp;
  ack.from = st.core->id();
  ack.to = r.getFromId();
  ack.term = st.core->term();
  snapshot_chunk c;
  c.chunk_ack = true;
  c.offset = st.incoming.current() && *st.incoming.current() == id ? st.incoming.held() : 0;
  send_wire(self, ack.to, to_wire(ack, st.deps.cluster, st.deps.self_address, &c));
  if (!st.incoming.complete() || !(*st.incoming.current() == id)) return;
  // Whole: the core decides (it installs it, or its log already holds it).
  auto m = from_wire(r);
  st.core->step(m);
  flush(self);  // installs (install_in_mds) if the core took it
  if (st.incoming.current()) {  // the core did not take it: not needed
    st.incoming.reset();
    try {
      if (auto in = st.deps.journal->incoming(); in && in->index > st.deps.journal->snapshot().index)
        st.deps.journal->clear_incoming();
    } catch (const std::exception& e) {
      journal_failed(e);
    }
  }
}

// ---- compaction ----------------------------------------------------------------

void maybe_compact(self_ptr self) {
  auto& st = self->state;
  auto& core = *st.core;
  const uint64_t applied = std::min(st.mds_applied, core.applied_index());
  auto to = compaction_point(core.snapshot_info().index, applied, st.deps.compact_keep, st.deps.compact_every);
  if (!to) return;
  core.compact(*to);
  try {
    st.deps.journal->compact(to_record(core.snapshot_info()));
  } catch (const std::exception& e) {
    journal_failed(e);
  }
  spdlog::info("MDS#{}: journal compacted up to entry {}", core.id(), core.snapshot_info().index);
}

persisted load(election_state& st) {
  auto c = st.deps.journal->load();
  if (c.entries.empty() && c.snapshot.index == 0 && c.hard_state == persistence::journal_hard_state{}) {
    if (!st.deps.bootstrap) return persisted{};  // joining: the master fills the journal
    if (st.deps.applied > 0) {
      // An MDS state from before the replicated journal (one MDS, md.db's
      // own journal): the new journal starts as a snapshot of it, epoch 1.
      st.deps.journal->install(to_record(snapshot_meta{st.deps.applied, 1, *st.deps.bootstrap}));
      st.deps.journal->save({std::nullopt, {}, persistence::journal_hard_state{1, 0, st.deps.applied}}, true);
      return load(st);
    }
    auto boot = raft_core::bootstrap(*st.deps.bootstrap);
    persistence::journal_batch b;
    for (auto& e : boot.entries) b.entries.push_back(to_record(e));
    b.hard_state = persistence::journal_hard_state{boot.hs.term, boot.hs.vote, boot.hs.commit};
    st.deps.journal->save(b, true);
    c = st.deps.journal->load();
  }
  persisted p;
  p.hs = hard_state{c.hard_state.term, c.hard_state.vote, c.hard_state.commit};
  p.snapshot = from_record(c.snapshot);
  for (auto& r : c.entries) p.entries.push_back(from_record(r));
  p.applied = std::max(st.deps.applied, p.snapshot.index);
  return p;
}

}  // namespace

election_api spawn_election(caf::actor_system& sys, election_deps deps) {
  return sys.spawn([deps](self_ptr self) -> election_api::behavior_type {
    auto& st = self->state;
    st.deps = deps;
    auto state = load(st);
    st.saved = state.hs;
    st.core = std::make_unique<raft_core>(deps.core, std::move(state));
    st.mds_applied = deps.applied;
    // md.db behind the journal's snapshot: a crash came between the install
    // of a received snapshot in journal.db and md.db taking it; the state is
    // still in journal.db (journal_store incoming).
    if (const auto snap = st.core->snapshot_info(); snap.index > deps.applied) {
      auto in = st.deps.journal->incoming();
      if (!in || !in->complete() || in->index != snap.index) {
        spdlog::critical(
            "md.db is applied up to entry {} but journal.db starts after its snapshot at entry {} and keeps no copy "
            "of that state; this MDS cannot rebuild it. Remove it from the cluster and add it again: `pstorage -c {} "
            "rm-mds {}`, delete its repository, then `pstorage -c {} make-mds -a ADDR -r DIR -b MASTER`",
            deps.applied, snap.index, deps.cluster, deps.core.id, deps.cluster);
        std::fflush(nullptr);
        std::_Exit(70);
      }
      install_in_mds(self, snap.index, snap.term);
    }
    // Alone in the cluster: no one to wait for, become master now.
    if (st.core->members().members.size() == 1 && st.core->members().contains(st.core->id())) st.core->campaign();
    // A peer's election actor went away (its MDS stopped, the connection
    // broke): forget the handle; the next message to it connects again.
    self->set_down_handler([self](caf::down_msg& dm) {
      for (auto& [id, h] : self->state.peers)
        if (h && h.address() == dm.source) h = caf::actor{};
    });
    schedule_flush(self);
    self->delayed_send(self, deps.tick_interval, tick_atom::value);
    return {
        [self](const msg::mds_to_election_propose& m) {
          auto& st = self->state;
          auto req = wire::decode(m);
          return wire::make<p::ElectionToMdsPropose>([&](auto b) {
            auto status = b.initStatus();
            if (!req) {
              status.setCode(p::STATUS_BAD_REQUEST);
              status.setMessage(req.error);
              return;
            }
            auto d = req->getData();
            auto index = st.core->propose(std::vector<uint8_t>(d.begin(), d.end()));
            if (!index) {
              status.setCode(p::STATUS_NOT_MASTER);
              auto addr = master_address(st);
              status.setMessage(addr.empty() ? "no master MDS elected yet; retry" : "not master; the master is " + addr);
              status.setMasterAddress(addr);
              return;
            }
            status.setCode(p::STATUS_OK);
            b.setIndex(*index);
            b.setTerm(st.core->term());
            if (req->getDurable()) st.durable_wanted = true;
            schedule_flush(self);
          });
        },
        [self](const msg::mds_to_election_sync&) {
          flush(self);
          return wire::make<p::ElectionToMdsSync>([&](auto b) {
            auto status = b.initStatus();
            try {
              self->state.deps.journal->sync();
              status.setCode(p::STATUS_OK);
            } catch (const std::exception& e) {
              journal_failed(e);
            }
          });
        },
        [self](const msg::mds_to_election_status& m) {
          auto& core = *self->state.core;
          if (auto req = wire::decode(m))
            self->state.mds_applied = std::max(self->state.mds_applied, req->getApplied());
          return wire::make<p::ElectionToMdsStatus>([&](auto b) {
            b.setSnapshotIndex(core.snapshot_info().index);
            b.setTerm(core.term());
            b.setLeaderId(core.leader());
            b.setIsLeader(core.get_role() == role::leader);
            b.setCommit(core.commit_index());
            b.setLastIndex(core.last_index());
            auto& ms = core.members().members;
            auto l = b.initMembers(static_cast<unsigned>(ms.size()));
            for (unsigned i = 0; i < ms.size(); ++i) {
              l[i].setId(ms[i].id);
              l[i].setAddress(address_of(self->state, ms[i].id));
            }
            auto peers = core.peers();
            auto pl = b.initPeers(static_cast<unsigned>(peers.size()));
            for (unsigned i = 0; i < peers.size(); ++i) {
              pl[i].setId(peers[i].id);
              pl[i].setMatch(peers[i].match);
              pl[i].setTicksSinceAck(peers[i].ticks_since_ack);
              pl[i].setResync(peers[i].pending_snapshot || self->state.outgoing.count(peers[i].id) ||
                              self->state.exporting.count(peers[i].id));
            }
            b.setTickMs(static_cast<uint32_t>(self->state.deps.tick_interval.count()));
          });
        },
        [self](const msg::mds_to_election_config& m) {
          auto& st = self->state;
          auto req = wire::decode(m);
          return wire::make<p::ElectionToMdsConfig>([&](auto b) {
            auto status = b.initStatus();
            if (!req) {
              status.setCode(p::STATUS_BAD_REQUEST);
              status.setMessage(req.error);
              return;
            }
            membership next;
            for (auto mem : req->getMembers()) next.members.push_back(member{mem.getId(), mem.getAddress()});
            if (!next.normalize()) {
              status.setCode(p::STATUS_BAD_REQUEST);
              status.setMessage("an MDS id is 0 or repeated");
              return;
            }
            if (st.core->get_role() != role::leader) {
              status.setCode(p::STATUS_NOT_MASTER);
              status.setMessage("not master; the master is " + master_address(st));
              status.setMasterAddress(master_address(st));
              return;
            }
            auto index = st.core->propose_config(next);
            if (!index) {
              status.setCode(p::STATUS_BUSY);
              status.setMessage(
                  "another MDS membership change is not committed yet (or this master's epoch has no committed "
                  "entry yet, or the change is not one MDS added or removed); retry in a few seconds");
              return;
            }
            status.setCode(p::STATUS_OK);
            b.setIndex(*index);
            b.setTerm(st.core->term());
            st.durable_wanted = true;
            schedule_flush(self);
          });
        },
        [self](const msg::mds_to_mds_raft& m) {
          auto& st = self->state;
          auto req = wire::decode(m);
          if (!req) return spdlog::warn("dropping a consensus message: {}", req.error);
          if (std::string(req->getCluster().cStr()) != st.deps.cluster)
            return spdlog::warn("dropping a consensus message for cluster '{}'", req->getCluster().cStr());
          // The sender's handle: answers go back the way it came.
          if (auto sender = self->current_sender()) {
            auto from = req->getFromId();
            auto& h = st.peers[from];
            if (!h) {
              h = caf::actor_cast<caf::actor>(sender);
              self->monitor(h);
            }
          }
          const auto type = static_cast<msg_type>(req->getType());
          if (type == msg_type::snapshot && req->getSnapshotTotal() > 0) return on_snapshot_chunk(self, *req);
          if (type == msg_type::snapshot_resp && req->getChunkAck()) {
            auto it = st.outgoing.find(req->getFromId());
            if (it == st.outgoing.end()) return;
            it->second.sender.acked(req->getSnapshotOffset());
            if (it->second.sender.done()) {
              st.outgoing.erase(it);  // the follower's core answers once it installed it
              return;
            }
            return pump_snapshot(self, req->getFromId());
          }
          st.core->step(from_wire(*req));
          flush(self);
        },
        [self](peer_atom, uint32_t id, caf::actor handle) {
          auto& st = self->state;
          st.connecting.erase(id);
          if (handle) {
            st.peers[id] = handle;
            self->monitor(handle);
          }
        },
        [self](tick_atom) {
          auto& st = self->state;
          st.core->tick();
          flush(self);
          tell_mds(self, {}, true);  // a follower's held entries
          for (auto it = st.outgoing.begin(); it != st.outgoing.end();) {
            if (st.core->get_role() != role::leader || !it->second.sender.tick()) {
              it = st.outgoing.erase(it);  // deposed, or the follower is silent: the core asks again
              continue;
            }
            pump_snapshot(self, it->first);
            ++it;
          }
          maybe_compact(self);
          self->delayed_send(self, st.deps.tick_interval, tick_atom::value);
        },
        [self](flush_atom) { flush(self); },
    };
  });
}

}  // namespace pstorage
