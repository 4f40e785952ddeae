// mds_journal_actor.cpp — the MDS side of the replicated journal
// (docs/election.md): every metadata change is proposed to this MDS's
// election actor, applied to md.db once committed, and only then answered;
// the master serves requests once an entry of its own epoch is applied;
// MDS membership changes (make-mds joining, rm-mds) are journaled config
// entries proposed by the master.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/mds/mds_auth.hpp"
#include "actors/mds/mds_membership.hpp"
#include "actors/mds/mds_state.hpp"
#include "actors/repair/repair_support.hpp"
#include "persistence/host_config.hpp"
#include "protocol/endpoint.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::mds_impl {
namespace p = proto;

// ---- the replicated journal ----------------------------------------------------

namespace {
[[noreturn]] void store_failed(const std::string& what) {
  // md.db could not take a committed entry: this MDS must not answer from a
  // state that missed it. Stop; the journal still holds the entry and a
  // restart applies it again (docs/election.md).
  spdlog::critical("cannot apply a committed journal entry to md.db: {}; stopping this MDS", what);
  std::fflush(nullptr);
  std::_Exit(70);
}

// A membership entry: mds.db's MDS list follows it (configure-mds edits that
// list while the MDS is stopped), and the highest MDS id ever given.
void record_membership(self_ptr self, capnp::Data::Reader data) {
  auto ms = election::decode_membership(std::span<const uint8_t>(data.begin(), data.size()));
  if (!ms) return spdlog::error("a membership entry of the journal does not decode");
  auto& store = *self->state.deps.store;
  try {
    std::vector<persistence::mds_record> list;
    uint32_t highest = 0;
    for (auto& m : ms->members) {
      list.push_back({m.id, m.address});
      highest = std::max(highest, m.id);
    }
    auto before = persistence::meta_get(store.db(), "max_mds_id");
    if (!before || std::stoul(*before) < highest) persistence::meta_set(store.db(), "max_mds_id", std::to_string(highest));
    if (ms->contains(self->state.self_id)) store.set_mdses(list);
  } catch (const std::exception& ex) {
    spdlog::error("cannot record the MDS membership in mds.db: {}", ex.what());
  }
}

// A new master takes the CS registry from md.db (a follower's in-memory one
// is empty or old): every CS inactive until it registers or heartbeats.
// CSs recorded only in mds.db (before the registry was journaled) are
// journaled once, with their ids.
void load_cs_registry(self_ptr self) {
  auto& st = self->state;
  auto journaled = st.deps.md->css();
  mds::cs_registry fresh(st.registry.config());
  fresh.load(journaled, self->clock().now());
  st.registry = std::move(fresh);
  uint32_t top = 1024;
  for (auto& r : journaled) top = std::max(top, r.id);
  if (journaled.empty()) {
    for (auto& r : st.deps.store->css()) {
      top = std::max(top, r.id);
      spdlog::info("journaling CS#{} from mds.db's registry", r.id);
      commit_command(self, mds::cmd_register_cs{r.id, r.repo_uuid, r.host, r.host_id, r.address, r.location, r.tier,
                                                r.checksums, r.http_port},
                     [](std::optional<std::string>) {});
      if (r.dropped) commit_command(self, mds::cmd_drop_cs{r.id}, [](std::optional<std::string>) {});
    }
    st.registry.load(st.deps.store->css(), self->clock().now());
  }
  st.next_cs_id = std::max(st.next_cs_id, top + 1);
}

}  // namespace

namespace {
proposal_outcome lost_proposal() {
  proposal_outcome out;
  out.error = "the master changed before the change was committed; retry";
  return out;
}
}  // namespace

bool serving(self_ptr self) { return self->state.serving; }

bool serving_now(self_ptr self) {
  auto& st = self->state;
  if (!st.serving) return false;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(self->clock().now().time_since_epoch()).count();
  return now < st.lease_until_ns;
}

std::string not_master_text(self_ptr self) {
  auto& st = self->state;
  if (st.master_address.empty()) return "no master MDS elected yet; retry";
  return "not master; the master is " + st.master_address;
}

void propose(self_ptr self, const mds::md_command& cmd, std::function<void(const proposal_outcome&)> done,
             const std::optional<mds::request_tag>& tag) {
  auto& st = self->state;
  if (!st.serving) {
    proposal_outcome out;
    out.error = not_master_text(self);
    return done(out);
  }
  auto req = wire::make<p::MdsToElectionPropose>([&](auto b) {
    auto data = mds::encode_command(cmd, tag);
    b.setData(kj::arrayPtr(data.data(), data.size()));
    b.setDurable(mds::durable_at_once(cmd));
  });
  self->request(st.election, caf::infinite, std::move(req))
      .then(
          [self, done](const msg::election_to_mds_propose& a) {
            auto& st = self->state;
            auto r = wire::decode(a);
            proposal_outcome out;
            if (!r || r->getStatus().getCode() != p::STATUS_OK) {
              out.error = r ? std::string(r->getStatus().getMessage().cStr()) : r.error;
              return done(out);
            }
            const uint64_t index = r->getIndex(), term = r->getTerm();
            auto& store = *st.deps.md;
            if (index <= store.applied_index()) {  // applied before this answer arrived
              auto e = store.entry(index);
              if (e && e->term == term) {
                auto o = store.outcome(index);
                out.applied = true;
                if (o) out.rejected = o->rejected;
              } else {
                out.error = "the master changed before the change was committed; retry";
              }
              return done(out);
            }
            // The slot may still hold an entry this MDS proposed as master
            // of an older epoch: its log has another entry at that index
            // now, so that one is never applied. It is answered, not
            // overwritten (its callback was lost: a client never answered,
            // a version round holding its chunk for good; --seed 3269
            // --scenario data-3mds with the simulator of 109671b).
            auto replaced = st.proposals.extract(index);
            st.proposals[index] = waiting_proposal{term, done};
            if (replaced) replaced.mapped().done(lost_proposal());
          },
          [done](caf::error& e) {
            proposal_outcome out;
            out.error = "the election actor did not answer: " + caf::to_string(e);
            done(out);
          });
}

void sync_journal(self_ptr self, std::function<void(std::optional<std::string>)> done) {
  self->request(self->state.election, caf::infinite, wire::make<p::MdsToElectionSync>([](auto) {}))
      .then([done](const msg::election_to_mds_sync&) { done(std::nullopt); },
            [done](caf::error& e) { done("the election actor did not answer: " + caf::to_string(e)); });
}

void on_committed(self_ptr self, const msg::election_to_mds_committed& m) {
  auto& st = self->state;
  auto c = wire::decode(m);
  if (!c) return spdlog::error("{}", c.error);
  auto& store = *st.deps.md;
  bool applied_own_term = false;
  // Entries not applied yet go to md.db in one transaction (a follower is
  // told a tick's worth at once, election_actor.cpp tell_mds); their
  // outcomes answer the proposals after.
  struct told_entry {
    uint64_t index, term;
    std::optional<size_t> applied;  // its place in `fresh`; none: applied before
  };
  std::vector<told_entry> told;
  std::vector<mds::journal_entry> fresh;
  told.reserve(c->getEntries().size());
  for (auto e : c->getEntries()) {
    mds::journal_entry je;
    je.index = e.getIndex();
    je.term = e.getTerm();
    // Noop and membership entries change nothing in md.db (empty data) but
    // keep its indexes those of the journal.
    if (e.getKind() == static_cast<uint8_t>(election::entry_kind::command)) je.data.assign(e.getData().begin(), e.getData().end());
    const bool applied_before = je.index <= store.applied_index() || (!fresh.empty() && je.index <= fresh.back().index);
    if (e.getKind() == static_cast<uint8_t>(election::entry_kind::config) && !applied_before)
      record_membership(self, e.getData());
    told.push_back({je.index, je.term, std::nullopt});
    if (!applied_before) {
      told.back().applied = fresh.size();
      fresh.push_back(std::move(je));
    }
  }
  std::vector<persistence::apply_result> outcomes;
  try {
    // Durability is the journal's (fsynced by the election actor); md.db is
    // rebuilt from it after a crash, so it is not fsynced here.
    outcomes = store.commit_local_all(fresh, false);
  } catch (const std::exception& ex) {
    store_failed(ex.what());
  }
  for (auto& t : told) {
    persistence::apply_result r;
    if (t.applied) {
      r = outcomes[*t.applied];
    } else {
      r.index = t.index;
      r.duplicate = true;
    }
    if (t.term == c->getTerm()) applied_own_term = true;
    if (auto it = st.proposals.find(t.index); it != st.proposals.end()) {
      auto w = std::move(it->second);
      st.proposals.erase(it);
      proposal_outcome out;
      if (w.term == t.term) {
        out.applied = true;
        out.rejected = r.rejected;
      } else {
        out.error = "the master changed before the change was committed; retry";
      }
      w.done(out);
    }
  }
  // Who is master now.
  const bool was_serving = st.serving;
  st.term = c->getTerm();
  st.leader_id = c->getLeaderId();
  st.is_leader = c->getIsLeader();
  st.commit_index = c->getCommit();
  st.lease_until_ns = c->getLeaseUntilNs();
  st.members.clear();
  st.master_address.clear();
  for (auto mem : c->getMembers()) {
    st.members.emplace_back(mem.getId(), mem.getAddress());
    if (mem.getId() == st.leader_id) st.master_address = mem.getAddress();
  }
  if (!st.is_leader) st.serving = false;
  else if (applied_own_term || (store.applied_index() > 0 && store.entry(store.applied_index()) &&
                                store.entry(store.applied_index())->term == st.term))
    st.serving = true;
  if (st.serving && !was_serving) {
    // Every entry of earlier epochs is applied: ids continue after them, and
    // the CS registry is the journal's (CSs re-register with a new master).
    st.next_inode = std::max(st.next_inode, store.max_inode_id() + 1);
    st.next_chunk = std::max(st.next_chunk, store.max_chunk_id() + 1);
    load_cs_registry(self);
    // Chunk maps the previous master handed out are unknown here: rounds
    // that leave a CS out wait until they must have expired (map_leases.hpp),
    // as after an MDS restart. Write leases it granted are not known either:
    // for one lease duration only their holders re-claim them (lease_table.hpp).
    st.map_leases.started(steady_ns(self));
    st.leases.master_started(steady_ns(self), store.max_inode_id() > mds::root_inode);
    st.master_since_ns = steady_ns(self);
    st.invalidations = mds::invalidation_table{};  // mounts watch again here; they had nothing parked with this MDS
    emit(self, "MDS#" + std::to_string(st.self_id) + " at " + st.self_address + " became master");
    journal_cluster_ca(self);  // the CA for every MDS (docs/security.md "Keys and certificates")
    // Proposals of earlier epochs still waiting lie above this epoch's first
    // entry (every index up to it is applied): they were cut from the log
    // when this MDS lost mastership and are never applied. Answered now.
    std::vector<waiting_proposal> stale;
    for (auto it = st.proposals.begin(); it != st.proposals.end();)
      if (it->second.term < st.term) {
        stale.push_back(std::move(it->second));
        it = st.proposals.erase(it);
      } else {
        ++it;
      }
    for (auto& w : stale) w.done(lost_proposal());
  }
  if (was_serving && !st.serving) drop_watches(self);
  if (serving_now(self) && !st.deferred.empty()) {  // elected, or the lease renewed
    for (auto& fn : std::exchange(st.deferred, {})) fn();
    st.closed_while_deferred.clear();
  } else if (!st.serving && st.leader_id != 0 && !st.is_leader && !st.deferred.empty()) {
    for (auto& fn : std::exchange(st.deferred, {})) fn();  // answered "not master; the master is ..."
    st.closed_while_deferred.clear();
  }
}


void journal_tick(self_ptr self) {
  auto& st = self->state;
  const uint64_t applied = st.deps.md->applied_index();
  self->request(st.election, std::chrono::seconds(2),
                wire::make<p::MdsToElectionStatus>([&](auto b) { b.setApplied(applied); }))
      .then(
          [self](const msg::election_to_mds_status& sm) {
            auto& st = self->state;
            auto s = wire::decode(sm);
            if (!s) return;
            // md.db's copies of entries the journal no longer holds go too.
            if (auto first = st.deps.md->first_stored_index(); first && first <= s->getSnapshotIndex()) {
              try {
                st.deps.md->forget_entries_through(s->getSnapshotIndex());
              } catch (const std::exception& e) {
                store_failed(e.what());
              }
            }
            if (!s->getIsLeader()) return;
            std::vector<mds::peer_progress_view> peers;
            for (auto pr : s->getPeers()) {
              mds::peer_progress_view v;
              v.id = pr.getId();
              for (auto mem : s->getMembers())
                if (mem.getId() == v.id) v.address = mem.getAddress();
              v.match = pr.getMatch();
              v.silent_ms = uint64_t(pr.getTicksSinceAck()) * s->getTickMs();
              peers.push_back(std::move(v));
            }
            for (auto& text : mds::peer_health_events(peers, s->getLastIndex(), st.peer_health)) emit(self, text);
          },
          [](caf::error&) {});
}

void journal_event(self_ptr self, const std::string& text) {
  auto& st = self->state;
  if (!serving(self)) return;
  const int64_t now = st.deps.wall_clock_ns ? st.deps.wall_clock_ns()
                                            : std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count();
  propose(self, mds::cmd_event{now, repair::event_severity(text), repair::event_source(text, st.self_id), text, st.term},
          [text](const proposal_outcome& o) {
            if (!o.applied) spdlog::warn("event '{}' not journaled: {}", text, o.error);
          });
}

msg::mds_to_election_snapshot_export export_snapshot(self_ptr self, const msg::election_to_mds_snapshot_export& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  return wire::make<p::MdsToElectionSnapshotExport>([&](auto b) {
    if (!req) return set_status(b.initStatus(), p::STATUS_BAD_REQUEST, req.error);
    emit(self, "MDS#" + std::to_string(req->getPeerId()) + " (" + std::string(req->getPeerAddress().cStr()) +
                   ") state is outdated and will do a full resync");
    try {
      auto& store = *st.deps.md;
      auto image = store.export_snapshot();
      const uint64_t index = store.applied_index();
      b.setIndex(index);
      if (auto e = store.entry(index)) b.setTerm(e->term);
      b.setData(kj::arrayPtr(image.data(), image.size()));
      set_status(b.initStatus(), p::STATUS_OK, "");
    } catch (const std::exception& e) {
      set_status(b.initStatus(), p::STATUS_IO_ERROR, e.what());
    }
  });
}

msg::mds_to_election_snapshot_install install_snapshot(self_ptr self, const msg::election_to_mds_snapshot_install& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  return wire::make<p::MdsToElectionSnapshotInstall>([&](auto b) {
    if (!req) return set_status(b.initStatus(), p::STATUS_BAD_REQUEST, req.error);
    auto& store = *st.deps.md;
    try {
      if (store.applied_index() < req->getIndex()) {
        auto d = req->getData();
        store.install_snapshot(std::span<const uint8_t>(d.begin(), d.size()));
        spdlog::info("md.db replaced by the master's state as of entry {}", store.applied_index());
      }
      b.setApplied(store.applied_index());
      set_status(b.initStatus(), p::STATUS_OK, "");
    } catch (const std::exception& e) {
      set_status(b.initStatus(), p::STATUS_IO_ERROR, e.what());
    }
  });
}

// ---- MDS membership (make-mds joining, rm-mds) -----------------------------------

namespace {
msg::mds_to_client_membership membership_error(uint32_t code, const std::string& text) {
  return wire::make<p::MdsToClientMembership>([&](auto b) { set_status(b.initStatus(), code, text); });
}
}  // namespace

caf::result<msg::mds_to_client_membership> handle_membership(self_ptr self, const msg::client_to_mds_membership& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return membership_error(p::STATUS_BAD_REQUEST, req.error);
  if (!credentials_ok(st, req->getCredentials())) return membership_error(p::STATUS_AUTH_FAILED, auth_error(st));
  std::optional<endpoint> add;
  std::optional<uint32_t> remove;
  if (req->getChange().isAdd()) {
    std::string err;
    add = parse_endpoint(req->getChange().getAdd(), &err);
    if (!add) return membership_error(p::STATUS_BAD_REQUEST, err);
    if (!add->port) add->port = persistence::default_mds_port;
  } else {
    remove = req->getChange().getRemove();
  }
  auto rp = self->make_response_promise<msg::mds_to_client_membership>();
  self->request(st.election, std::chrono::seconds(5), wire::make<p::MdsToElectionStatus>([](auto) {}))
      .then(
          [self, rp, add, remove](const msg::election_to_mds_status& sm) mutable {
            auto& st = self->state;
            auto s = wire::decode(sm);
            if (!s || !s->getIsLeader())
              return (void)rp.deliver(membership_error(p::STATUS_NOT_MASTER, not_master_text(self)));
            std::vector<uint32_t> ids;
            std::vector<std::pair<uint32_t, std::string>> members;
            std::optional<uint32_t> at_address;  // the member already at the address to add
            for (auto mem : s->getMembers()) {
              ids.push_back(mem.getId());
              members.emplace_back(mem.getId(), mem.getAddress());
              if (add && mem.getAddress() == add->to_string()) at_address = mem.getId();
            }
            if (at_address) {
              // make-mds retried after its answer was lost: the member at
              // that address never acknowledged an entry (its pstorage-mdsd
              // has not run), so the join is answered again with its id. A
              // member that has acknowledged entries runs there: refused.
              bool ran = *at_address == st.self_id;
              for (auto pr : s->getPeers())
                if (pr.getId() == *at_address && pr.getMatch() > 0) ran = true;
              if (ran)
                return (void)rp.deliver(membership_error(
                    p::STATUS_BAD_REQUEST, "MDS#" + std::to_string(*at_address) + " already serves at " +
                                               add->to_string() + "; pick another address or port"));
              spdlog::info("make-mds for {} again: MDS#{} was added there and never ran; answering the join again",
                           add->to_string(), *at_address);
              return (void)rp.deliver(wire::make<p::MdsToClientMembership>([&](auto b) {
                set_status(b.initStatus(), p::STATUS_OK, "");
                b.setMdsId(*at_address);
                auto l = b.initMembers(static_cast<unsigned>(members.size()));
                for (unsigned i = 0; i < members.size(); ++i) {
                  l[i].setId(members[i].first);
                  l[i].setAddress(members[i].second);
                  l[i].setStatus(p::MdsStatus::AVAIL);
                }
                b.setChunkSize(st.deps.md->chunk_size());
                add_ca_to_membership(self, b);
              }));
            }
            // Running: this master and every MDS that answered it within an
            // election timeout.
            std::set<uint32_t> running{st.self_id};
            const uint64_t timeout_ticks = st.deps.election_ticks;
            for (auto pr : s->getPeers())
              if (pr.getTicksSinceAck() < timeout_ticks) running.insert(pr.getId());
            mds::membership_change change;
            uint32_t highest = 0;
            if (auto v = persistence::meta_get(st.deps.store->db(), "max_mds_id")) highest = std::stoul(*v);
            if (add) change.add = mds::next_mds_id(ids, highest);
            if (remove) change.remove = *remove;
            if (auto why = mds::refuse_membership_change(ids, running, change))
              return (void)rp.deliver(membership_error(
                  remove && std::find(ids.begin(), ids.end(), *remove) == ids.end() ? p::STATUS_NOT_FOUND
                                                                                   : p::STATUS_BAD_REQUEST,
                  *why));
            if (add) members.emplace_back(*change.add, add->to_string());
            if (remove) std::erase_if(members, [&](auto& mem) { return mem.first == *remove; });
            auto cfg = wire::make<p::MdsToElectionConfig>([&](auto b) {
              auto l = b.initMembers(static_cast<unsigned>(members.size()));
              for (unsigned i = 0; i < members.size(); ++i) {
                l[i].setId(members[i].first);
                l[i].setAddress(members[i].second);
              }
            });
            self->request(st.election, std::chrono::seconds(5), std::move(cfg))
                .then(
                    [self, rp, change, members](const msg::election_to_mds_config& cm) mutable {
                      auto c = wire::decode(cm);
                      if (!c) return (void)rp.deliver(membership_error(p::STATUS_IO_ERROR, c.error));
                      if (c->getStatus().getCode() != p::STATUS_OK)
                        return (void)rp.deliver(membership_error(c->getStatus().getCode(), c->getStatus().getMessage()));
                      if (change.add) emit(self, "MDS#" + std::to_string(*change.add) + " added to the cluster");
                      else emit(self, "MDS#" + std::to_string(*change.remove) + " removed from the cluster");
                      rp.deliver(wire::make<p::MdsToClientMembership>([&](auto b) {
                        set_status(b.initStatus(), p::STATUS_OK, "");
                        b.setMdsId(change.add.value_or(0));
                        auto l = b.initMembers(static_cast<unsigned>(members.size()));
                        for (unsigned i = 0; i < members.size(); ++i) {
                          l[i].setId(members[i].first);
                          l[i].setAddress(members[i].second);
                          l[i].setStatus(p::MdsStatus::AVAIL);
                        }
                        b.setChunkSize(self->state.deps.md->chunk_size());
                        add_ca_to_membership(self, b);
                      }));
                    },
                    [rp](caf::error& e) mutable {
                      rp.deliver(membership_error(p::STATUS_IO_ERROR, "the election actor did not answer: " +
                                                                          caf::to_string(e)));
                    });
          },
          [rp](caf::error& e) mutable {
            rp.deliver(membership_error(p::STATUS_IO_ERROR, "the election actor did not answer: " + caf::to_string(e)));
          });
  return rp;
}

}  // namespace pstorage::mds_impl
