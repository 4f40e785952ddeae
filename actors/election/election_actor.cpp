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

void send_to_peer(self_ptr self, const message& m) {
  auto& st = self->state;
  auto it = st.peers.find(m.to);
  if (it == st.peers.end() || !it->second) {
    // Not connected: the core retransmits (heartbeats, probes), so the
    // message is dropped while the connector works on it.
    if (st.deps.connect && !st.connecting.count(m.to)) {
      if (auto addr = address_of(st, m.to); !addr.empty()) {
        st.connecting.insert(m.to);
        st.deps.connect(self, m.to, addr);
      }
    }
    return;
  }
  self->send(caf::actor_cast<election_api>(it->second), to_wire(m, st.deps.cluster, st.deps.self_address));
}

void tell_mds(self_ptr self, const std::vector<entry>& committed) {
  auto& st = self->state;
  auto& core = *st.core;
  const bool is_leader = core.get_role() == role::leader;
  if (committed.empty() && core.term() == st.told_term && core.leader() == st.told_leader &&
      is_leader == st.told_is_leader)
    return;
  if (is_leader && !st.told_is_leader)
    spdlog::info("MDS#{} became master in epoch {}", core.id(), core.term());
  st.told_term = core.term();
  st.told_leader = core.leader();
  st.told_is_leader = is_leader;
  self->send(st.deps.sink, committed_message(core, committed, [&st](node_id id) { return address_of(st, id); }));
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
    tell_mds(self, rd.committed);
  }
  tell_mds(self, {});
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
        [self](const msg::mds_to_election_status&) {
          auto& core = *self->state.core;
          return wire::make<p::ElectionToMdsStatus>([&](auto b) {
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
          st.core->step(from_wire(*req));
          // The sender's handle: answers go back the way it came.
          if (auto sender = self->current_sender()) {
            auto from = req->getFromId();
            auto& h = st.peers[from];
            if (!h) {
              h = caf::actor_cast<caf::actor>(sender);
              self->monitor(h);
            }
          }
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
          self->delayed_send(self, st.deps.tick_interval, tick_atom::value);
        },
        [self](flush_atom) { flush(self); },
    };
  });
}

}  // namespace pstorage
