#include "actors/mds/mds_actor.hpp"
#include "actors/common/sim_bugs.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>


#include "actors/common/peer_revocation.hpp"
#include "actors/mds/mds_auth.hpp"
#include "actors/mds/mds_state.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"
#include "protocol/common.capnp.h"
#include "protocol/endpoint.hpp"

namespace pstorage {
namespace p = proto;

namespace mds_impl {

void run_later(self_ptr self, caf::timespan delay, std::function<void()> fn) {
  auto& st = self->state;
  const uint64_t id = ++st.next_later;
  st.later.emplace(id, std::move(fn));
  self->delayed_send(self, delay, later_atom::value, id);
}

void emit(self_ptr self, const std::string& text) {
  spdlog::info("event: {}", text);
  if (self->state.deps.on_event) self->state.deps.on_event(text);
  journal_event(self, text);  // the master's replicated history (get-event); before
                              // after_event, which may emit the cluster status
  after_event(self, text);  // persisted; cluster status re-evaluated (mds_repair_actor.cpp)
}

void emit_once(self_ptr self, const std::string& text) {
  auto now = self->clock().now();
  auto& recent = self->state.recent_events;
  if (auto it = recent.find(text); it != recent.end() && now - it->second < std::chrono::seconds(60)) return;
  if (recent.size() > 1000) recent.clear();
  recent[text] = now;
  emit(self, text);
}

void set_status(p::Status::Builder b, uint32_t code, const std::string& message) {
  b.setCode(code);
  b.setMessage(message);
}

bool credentials_ok(mds_state& st, p::Credentials::Reader c) {
  auto d = c.getDigest();
  std::string digest(reinterpret_cast<const char*>(d.begin()), d.size());
  return std::string(c.getCluster().cStr()) == st.cluster && persistence::digest_equal(digest, st.auth.digest);
}

std::string auth_error(mds_state& st) {
  return "authentication failed for cluster '" + st.cluster +
         "': run 'pstorage -c " + st.cluster + " auth-node' on this host with the cluster password";
}

bool sent_by_cs(self_ptr self, uint32_t cs_id) {
  auto& st = self->state;
  auto h = st.cs_handles.find(cs_id);
  auto sender = self->current_sender();
  return h != st.cs_handles.end() && sender && h->second.address() == sender->address();
}

}  // namespace mds_impl

namespace {
using namespace mds_impl;

// Unacknowledged appends per follower (raft_core config max_inflight_msgs).
// One: entries proposed while an append is in flight wait for its answer and
// then go together (tests/bench/meta_bench.sh --threads, docs/benchmarks.md:
// follower CPU per entry 0.43 -> 0.26 ms with 8 creating threads); a lone
// client's latency is the same (one entry, one round trip either way).
constexpr size_t mds_max_inflight_appends = 1;

void fill_cs_info(p::CsInfo::Builder b, const mds::cs_entry& e) {
  b.setId(e.rec.id);
  switch (e.status) {
    case mds::cs_status::active: b.setStatus(p::CsStatus::ACTIVE); break;
    case mds::cs_status::inactive: b.setStatus(p::CsStatus::INACTIVE); break;
    case mds::cs_status::offline: b.setStatus(p::CsStatus::OFFLINE); break;
    case mds::cs_status::dropped: b.setStatus(p::CsStatus::DROPPED); break;
  }
  b.setTotalBytes(e.total_bytes);
  b.setFreeBytes(e.free_bytes);
  b.setHost(e.rec.host);
  b.setAddress(e.rec.address);
  b.setHostId(e.rec.host_id);
  b.setTier(static_cast<uint8_t>(e.rec.tier));
  b.setChecksums(e.rec.checksums);
  b.setFlags(e.flags);
  b.setHttpPort(e.rec.http_port);
  b.setLocation(e.rec.location);
  auto io = b.initIo();
  io.setReadBytesPerSec(e.io.read_bytes_per_s);
  io.setWriteBytesPerSec(e.io.write_bytes_per_s);
  io.setReadOpsPerSec(e.io.read_ops_per_s);
  io.setWriteOpsPerSec(e.io.write_ops_per_s);
  io.setSyncOpsPerSec(e.io.sync_ops_per_s);
  io.setLatencyAvgUs(e.io.latency_avg_us);
  io.setLatencyMaxUs(e.io.latency_max_us);
  io.setQueueDepth(e.io.queue_depth);
  io.setIowaitPercent(e.io.iowait_percent);
  fill_scrub_progress(b.initScrub(), e.scrub);
}

// The heartbeat's CsIoStats as the registry keeps them (docs/monitoring.md).
mds::cs_io_figures io_figures_from(p::CsIoStats::Reader r) {
  mds::cs_io_figures f;
  f.read_bytes_per_s = r.getReadBytesPerSec();
  f.write_bytes_per_s = r.getWriteBytesPerSec();
  f.read_ops_per_s = r.getReadOpsPerSec();
  f.write_ops_per_s = r.getWriteOpsPerSec();
  f.sync_ops_per_s = r.getSyncOpsPerSec();
  f.latency_avg_us = r.getLatencyAvgUs();
  f.latency_max_us = r.getLatencyMaxUs();
  f.queue_depth = r.getQueueDepth();
  f.iowait_percent = r.getIowaitPercent();
  return f;
}

persistence::cs_record record_from(p::CsInfo::Reader info, uint32_t id, const std::string& uuid) {
  persistence::cs_record r;
  r.id = id;
  r.repo_uuid = uuid;
  r.host = info.getHost();
  r.host_id = info.getHostId();
  r.address = info.getAddress();
  r.location = info.getLocation();
  r.tier = info.getTier();
  r.checksums = info.getChecksums();
  r.http_port = info.getHttpPort();
  return r;
}

msg::mds_to_cs_register register_reply(self_ptr self, uint32_t code, const std::string& text, uint32_t id) {
  auto& st = self->state;
  return wire::make<p::MdsToCsRegister>([&](auto b) {
    set_status(b.initStatus(), code, text);
    b.setCsId(id);
    b.setHeartbeatMs(static_cast<uint32_t>(st.deps.heartbeat_interval.count()));
    b.setEpoch(st.term);
    // The revocation list, so the CS's TLS gate knows it before it accepts
    // anyone (docs/security.md "Revocation"); md.db's, loaded if no tick did yet.
    if (code != p::STATUS_OK) return;
    if (!st.revoked_loaded) revocation_tick(self);
    auto r = b.initRevokedHosts(static_cast<unsigned>(st.revoked.size()));
    unsigned i = 0;
    for (auto& h : st.revoked) r.set(i++, h);
  });
}

// The registration is in the journal (or needed no change): the CS is
// active, its connection known, its lagging replicas up for promotion.
msg::mds_to_cs_register registered(self_ptr self, const persistence::cs_record& rec, uint64_t total, uint64_t free,
                                   const std::string& flags, caf::strong_actor_ptr sender) {
  auto& st = self->state;
  if (auto ev = st.registry.on_register(rec, total, free, flags, self->clock().now())) emit(self, ev->text);
  if (sender) {
    auto addr = caf::actor_cast<caf::actor_addr>(sender);
    st.cs_by_addr[addr] = rec.id;
    st.cs_handles[rec.id] = caf::actor_cast<cs_api>(sender);
    self->monitor(sender);
  }
  // A returning CS may hold replicas that missed version rounds but no write
  // (md_command.hpp, the write floor): a round confirms them again.
  if (st.deps.md)
    for (auto chunk : st.deps.md->lagging_chunks_on(rec.id)) st.unconfirmed.insert(chunk);
  promote_unconfirmed(self);  // a returning holder may be the one a chunk waits for
  return register_reply(self, p::STATUS_OK, "", rec.id);
}

mds::cmd_register_cs register_command(const persistence::cs_record& r) {
  return mds::cmd_register_cs{r.id,       r.repo_uuid, r.host, r.host_id, r.address,
                              r.location, r.tier,      r.checksums, r.http_port};
}

// Registration (guide: CS ids from 1025, never reused): the CS registry is
// journaled (md_command.hpp cmd_register_cs), so the answer waits for the
// commit when the CS is new or its details changed. A CS asking again while
// its first registration is being committed waits for that one.
caf::result<msg::mds_to_cs_register> handle_register(self_ptr self, const msg::cs_to_mds_register& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) {
    spdlog::warn("{}", req.error);
    return register_reply(self, p::STATUS_BAD_REQUEST, req.error, 0);
  }
  if (!credentials_ok(st, req->getCredentials())) return register_reply(self, p::STATUS_AUTH_FAILED, auth_error(st), 0);
  if (std::string(req->getCredentials().getCluster().cStr()) != st.cluster)
    return register_reply(self, p::STATUS_WRONG_CLUSTER, "this MDS serves cluster '" + st.cluster + "'", 0);
  auto uuid = std::string(req->getRepoUuid().cStr());
  auto info = req->getInfo();
  // A revoked host's CS (its TLS connection was open before the revocation)
  // never registers again (docs/security.md "Revocation").
  if (auto why = revoked_host_refusal(self, info.getHostId().cStr())) {
    spdlog::warn("refused the registration of CS#{} at {}: {}", req->getCsId(), info.getAddress().cStr(), *why);
    return register_reply(self, p::STATUS_AUTH_FAILED, *why, 0);
  }
  const uint64_t total = info.getTotalBytes(), free = info.getFreeBytes();
  const std::string flags = info.getFlags();
  uint32_t id = req->getCsId();
  uint32_t existing = 0;
  std::optional<mds::md_command> cmd;
  bool join_pending = false;
  switch (st.registry.classify_register(id, uuid, &existing)) {
    case mds::cs_registry::match::new_cs:
      if (auto it = st.registering.find(uuid); it != st.registering.end()) {
        id = it->second;
        join_pending = true;
        break;
      }
      id = st.next_cs_id++;
      if (PSTORAGE_SIM_BUG(mds_reuse_cs_id) && !st.registry.entries().empty()) {  // simulator-only bug
        id = st.registry.entries().begin()->first;
        break;  // and not journaled
      }
      cmd = register_command(record_from(info, id, uuid));
      spdlog::info("registering new CS#{} at {} (host {})", id, info.getAddress().cStr(), info.getHost().cStr());
      break;
    case mds::cs_registry::match::known: {
      id = existing;  // also when the CS asked again without the id it never received
      auto* e = st.registry.find(id);
      auto now = register_command(record_from(info, id, uuid));
      if (!e || register_command(e->rec) != now) cmd = now;
      break;
    }
    case mds::cs_registry::match::uuid_mismatch:
      return register_reply(
          self, p::STATUS_WRONG_CLUSTER,
          "CS#" + std::to_string(id) + " is registered with another repository; this repository is a copy", 0);
    case mds::cs_registry::match::unknown_id:
      return register_reply(self, p::STATUS_NOT_FOUND,
                            "CS#" + std::to_string(id) + " is unknown to (or was dropped from) cluster '" + st.cluster +
                                "'; create a new chunk server with make-cs",
                            0);
  }
  auto rec = record_from(info, id, uuid);
  auto sender = self->current_sender();
  if (!cmd && !join_pending) return registered(self, rec, total, free, flags, sender);
  auto rp = self->make_response_promise<msg::mds_to_cs_register>();
  auto answer = [self, rp, rec, total, free, flags, sender](std::optional<std::string> why) mutable {
    if (why) {
      rp.deliver(register_reply(self, p::STATUS_UNAVAILABLE, "registration not recorded: " + *why + "; retry", 0));
      return;
    }
    rp.deliver(registered(self, rec, total, free, flags, sender));
  };
  if (join_pending) {
    st.registration_waiters[uuid].push_back(std::move(answer));
    return rp;
  }
  if (!req->getCsId()) st.registering[uuid] = id;
  commit_command(self, *cmd, [self, uuid, answer](std::optional<std::string> why) mutable {
    auto& st = self->state;
    st.registering.erase(uuid);
    answer(why);
    auto waiters = std::move(st.registration_waiters[uuid]);
    st.registration_waiters.erase(uuid);
    for (auto& w : waiters) w(why);
  });
  return rp;
}

msg::mds_to_cs_heartbeat handle_heartbeat(self_ptr self, const msg::cs_to_mds_heartbeat& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  auto reply = [&](uint32_t code, const std::string& text) {
    return wire::make<p::MdsToCsHeartbeat>([&](auto b) {
      set_status(b.initStatus(), code, text);
      b.setVerifyChunksPerMinute(verify_chunks_per_minute(self));
      auto l = b.initMdses(static_cast<unsigned>(st.members.size()));
      for (unsigned i = 0; i < st.members.size(); ++i) l.set(i, st.members[i].second);
      auto r = b.initRevokedHosts(static_cast<unsigned>(st.revoked.size()));  // the CS's TLS gate
      unsigned i = 0;
      for (auto& h : st.revoked) r.set(i++, h);
    });
  };
  if (!req) return reply(p::STATUS_BAD_REQUEST, req.error);
  // A heartbeat counts only on the connection the CS registered on with this
  // MDS: one that arrives otherwise (the CS reconnected, this MDS became
  // master since, or the request waited for an election while the CS died
  // and its connection closed) is answered "register again" and changes no
  // liveness (a dead CS must never turn active).
  if (const uint32_t id = req->getCsId(); id != 0 && !sent_by_cs(self, id))
    return reply(p::STATUS_NOT_FOUND, "CS#" + std::to_string(id) + " is not registered on this connection; register again");
  std::optional<mds::cs_event> changed;
  if (!st.registry.on_heartbeat(req->getCsId(), req->getTotalBytes(), req->getFreeBytes(), req->getFlags(),
                                self->clock().now(), &changed))
    return reply(p::STATUS_NOT_FOUND, "unknown CS id, register again");
  if (req->hasIo()) st.registry.record_io(req->getCsId(), io_figures_from(req->getIo()));
  if (req->hasScrub()) st.registry.record_scrub(req->getCsId(), scrub_figures_from(req->getScrub()));
  if (changed) emit(self, changed->text);
  return reply(p::STATUS_OK, "");
}

// The stat answer. `es`: the election actor's view (nullptr when it did not
// answer): every MDS of the membership with the master's view of its
// progress, the epoch and its age; on an MDS that knows no master, why.
msg::mds_to_client_stat build_stat(self_ptr self, const p::ElectionToMdsStatus::Reader* es) {
  auto& st = self->state;
  return wire::make<p::MdsToClientStat>([&](auto b) {
    set_status(b.initStatus(), p::STATUS_OK, "");
    b.setCluster(st.cluster);
    const uint64_t last = es ? es->getLastIndex() : 0;
    const uint64_t tick_ms = es ? es->getTickMs() : 0;
    std::vector<std::pair<uint32_t, std::string>> members = st.members;
    if (es) {
      members.clear();
      for (auto mem : es->getMembers()) members.emplace_back(mem.getId(), mem.getAddress());
    }
    if (members.empty()) members.emplace_back(st.self_id, st.self_address);
    auto mdses = b.initMdses(static_cast<unsigned>(members.size()));
    for (unsigned i = 0; i < members.size(); ++i) {
      auto [id, address] = members[i];
      auto info = mdses[i];
      info.setId(id);
      info.setAddress(address);
      info.setIsMaster(id == st.leader_id && st.leader_id != 0);
      if (auto ep = parse_endpoint(address)) info.setHttpPort(static_cast<uint16_t>((ep->port ? ep->port : 2510) + 2));
      if (id == st.self_id) {
        info.setStatus(p::MdsStatus::AVAIL);
        info.setHttpPort(st.deps.http_port);
        info.setMatchIndex(last);
        continue;
      }
      bool avail = false;
      if (es)
        for (auto pr : es->getPeers())
          if (pr.getId() == id) {
            avail = pr.getTicksSinceAck() < st.deps.election_ticks;
            info.setMatchIndex(pr.getMatch());
            info.setLag(last > pr.getMatch() ? last - pr.getMatch() : 0);
            info.setLastAckMs(uint64_t(pr.getTicksSinceAck()) * tick_ms);
          }
      // A follower sees the master only: it is up while it leads.
      if (!st.is_leader && id == st.leader_id) avail = true;
      info.setStatus(avail ? p::MdsStatus::AVAIL : p::MdsStatus::INACTIVE);
    }
    b.setEpoch(st.term);
    b.setCommitIndex(es ? es->getCommit() : st.commit_index);
    if (st.serving) b.setEpochAgeMs(static_cast<uint64_t>((steady_ns(self) - st.master_since_ns) / 1000000));
    if (!st.serving && st.leader_id == 0) {
      const size_t n = members.size();
      b.setMasterProblem("no master MDS: fewer than a majority (" + std::to_string(n / 2 + 1) + " of " +
                         std::to_string(n) +
                         ") of the MDSs are running and reachable; metadata changes wait until enough of them return");
    }
    auto& entries = st.registry.entries();
    auto css = b.initCss(static_cast<unsigned>(entries.size()));
    unsigned i = 0;
    for (auto& [id, e] : entries) {
      fill_cs_info(css[i], e);
      if (st.bad_cs.count(id) && e.flags.find('h') == std::string::npos) css[i].setFlags(e.flags + "h");
      ++i;
    }
    const auto io = st.registry.io_totals();
    auto cio = b.initIo();
    cio.setReadBytesPerSec(io.read_bytes_per_s);
    cio.setWriteBytesPerSec(io.write_bytes_per_s);
    cio.setReadOpsPerSec(io.read_ops_per_s);
    cio.setWriteOpsPerSec(io.write_ops_per_s);
    fill_stat_repair(self, b);
    fill_license_state(self, b.initLicense());
  });
}

caf::result<msg::mds_to_client_stat> handle_stat(self_ptr self, const msg::client_to_mds_stat& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req)
    return wire::make<p::MdsToClientStat>([&](auto b) { set_status(b.initStatus(), p::STATUS_BAD_REQUEST, req.error); });
  if (!credentials_ok(st, req->getCredentials()))
    return wire::make<p::MdsToClientStat>([&](auto b) { set_status(b.initStatus(), p::STATUS_AUTH_FAILED, auth_error(st)); });
  auto rp = self->make_response_promise<msg::mds_to_client_stat>();
  self->request(st.election, std::chrono::seconds(2), wire::make<p::MdsToElectionStatus>([](auto) {}))
      .then(
          [self, rp](const msg::election_to_mds_status& sm) mutable {
            auto s = wire::decode(sm);
            if (!s) {
              rp.deliver(build_stat(self, nullptr));
              return;
            }
            auto r = *s;
            rp.deliver(build_stat(self, &r));
          },
          [self, rp](caf::error&) mutable { rp.deliver(build_stat(self, nullptr)); });
  return rp;
}

// A request for the master, answered by this MDS only while it serves as
// master (docs/election.md): a follower that knows the master answers
// NOT_MASTER with its address; while no master is known the request waits
// (deferred, replayed once the election is decided).
template <class Resp, class Req, class Handler>
caf::result<Resp> for_master(self_ptr self, const Req& m, Handler handler) {
  auto& st = self->state;
  if (serving_now(self)) return handler(self, m);
  // A follower that knows the master sends the client there; otherwise (no
  // master yet, or this master's lease lapsed) the request waits.
  if ((st.leader_id != 0 && !st.is_leader) || st.deferred.size() >= 10000) {
    return wire::make<typename Resp::schema>([&](auto b) {
      auto s = b.initStatus();
      set_status(s, p::STATUS_NOT_MASTER, not_master_text(self));
      s.setMasterAddress(st.master_address);
    });
  }
  auto rp = self->make_response_promise<Resp>();
  // A request whose sender's connection closes while it waits is dropped,
  // not replayed: a dead CS's held heartbeat must not mark it active again.
  caf::actor_addr from;
  if (auto sender = self->current_sender()) {
    from = sender->address();
    self->monitor(caf::actor_cast<caf::actor>(sender));
  }
  st.deferred.push_back([self, rp, m, from]() mutable {
    if (from && self->state.closed_while_deferred.count(from)) return;  // its connection closed meanwhile
    rp.delegate(caf::actor_cast<mds_api>(self), m);
  });
  return rp;
}

}  // namespace

using namespace mds_impl;

mds_api spawn_mds(caf::actor_system& sys, mds_deps deps) {
  // md.db's revocation list into this process's TLS gate before the daemon
  // publishes anything (the first tick, 500 ms on, would leave the gate
  // empty until then: docs/security.md "Revocation").
  if (deps.md) {
    std::set<std::string> ids;
    for (auto& r : deps.md->revoked_hosts()) ids.insert(r.host_id);
    if (auto line = security::install_revocation_list(ids)) spdlog::info("{}", *line);
  }
  return sys.spawn([deps](self_ptr self) -> mds_api::behavior_type {
    auto& st = self->state;
    st.deps = deps;
    st.registry = mds::cs_registry(deps.liveness);
    st.rnd = mds::seeded_random(deps.seed);
    st.cluster = deps.store->cluster();
    st.self_id = deps.store->self_id();
    st.self_address = deps.store->self_address();
    st.auth = deps.store->auth();
    init_data_path(self);
    st.registry.load(st.deps.md->css(), self->clock().now());  // the journaled CS registry
    init_repair(self);
    init_license(self);
    init_ha(self);
    // The election actor: the journal's only writer (docs/election.md).
    {
      election_deps ed;
      ed.journal = deps.journal ? deps.journal : std::make_shared<persistence::journal_store>(":memory:");
      ed.core.id = st.self_id;
      ed.core.election_ticks = deps.election_ticks;
      ed.core.heartbeat_ticks = deps.heartbeat_ticks;
      ed.core.seed = deps.seed;
      // Group commit of appends (docs/election.md "Flow control"): one
      // append in flight per follower; what is proposed meanwhile goes in
      // the next one, with one follower fsync and one answer for all of it.
      ed.core.max_inflight_msgs = mds_max_inflight_appends;
      ed.tick_interval = deps.election_tick;
      ed.applied = st.deps.md->applied_index();
      // mds.db's MDS list: the addresses to reach each MDS at (configure-mds
      // may have changed them), and the cluster a brand-new journal starts
      // as. A repository made by `make-mds -I` lists only itself: it starts
      // the cluster. One made by joining (`make-mds` without -I) lists the
      // members the master gave it: its journal stays empty and the master
      // fills it (entries or a snapshot).
      election::membership listed;
      for (auto& m : deps.store->mdses()) {
        listed.members.push_back(election::member{m.id, m.address});
        ed.address_overrides[m.id] = m.address;
      }
      if (!listed.contains(st.self_id)) listed.members.push_back(election::member{st.self_id, st.self_address});
      listed.normalize();
      if (listed.members.size() == 1) ed.bootstrap = listed;
      ed.sink = self;
      ed.self_address = st.self_address;
      ed.cluster = st.cluster;
      ed.connect = deps.connect_peer;
      ed.compact_keep = deps.journal_keep;
      ed.compact_every = deps.journal_compact_every;
      st.election = spawn_election(self->system(), std::move(ed));
      self->link_to(st.election);
      if (deps.election_spawned) deps.election_spawned(st.election);
    }
    self->set_down_handler([self](caf::down_msg& dm) {
      auto& st = self->state;
      if (!st.deferred.empty() && st.closed_while_deferred.size() < 100000) st.closed_while_deferred.insert(dm.source);
      watch_sender_down(self, dm.source);
      auto it = st.cs_by_addr.find(dm.source);
      if (it == st.cs_by_addr.end()) return;
      auto id = it->second;
      st.cs_by_addr.erase(it);
      // The connection of an earlier incarnation: the CS has registered again
      // since (a restart right after kill -9 can beat the old connection's
      // teardown), and the new one is alive.
      if (auto h = st.cs_handles.find(id); h != st.cs_handles.end() && h->second.address() != dm.source) return;
      if (PSTORAGE_SIM_BUG(mds_ignore_disconnect)) return;  // simulator-only bug
      st.cs_handles.erase(id);
      if (auto ev = st.registry.on_disconnect(id, self->clock().now())) emit(self, ev->text);
    });
    self->delayed_send(self, deps.tick_interval, tick_atom::value);
    return {
        [self](const msg::client_to_mds_stat& m) -> caf::result<msg::mds_to_client_stat> {
          // With no master anywhere, any MDS answers stat itself: it says why.
          if (!serving(self) && self->state.leader_id == 0) return handle_stat(self, m);
          return for_master<msg::mds_to_client_stat>(self, m, handle_stat);
        },
        // auth-node (issue 14): challenge-response, then a certificate
        // signed by the cluster CA (mds_auth_actor.cpp).
        [self](const msg::client_to_mds_auth_salt& m) { return handle_auth_challenge(self, m); },
        [self](const msg::client_to_mds_auth_node& m) { return handle_auth_node(self, m); },
        // Data path (issue 3): mds_files_actor.cpp.
        [self](const msg::client_to_mds_file_op& m) -> caf::result<msg::mds_to_client_file_op> {
          return for_master<msg::mds_to_client_file_op>(self, m, handle_file_op);
        },
        [self](const msg::client_to_mds_chunk_map& m) -> caf::result<msg::mds_to_client_chunk_map> {
          return for_master<msg::mds_to_client_chunk_map>(self, m, handle_chunk_map);
        },
        [self](const msg::client_to_mds_replica_failed& m) -> caf::result<msg::mds_to_client_replica_failed> {
          return for_master<msg::mds_to_client_replica_failed>(self, m, handle_replica_failed);
        },
        [self](const msg::client_to_mds_renew_lease& m) -> caf::result<msg::mds_to_client_renew_lease> {
          return for_master<msg::mds_to_client_renew_lease>(self, m, handle_renew_lease);
        },
        [self](const msg::client_to_mds_watch& m) -> caf::result<msg::mds_to_client_watch> {
          return for_master<msg::mds_to_client_watch>(self, m, handle_watch);
        },
        [self](const msg::cs_to_mds_bad_replica& m) -> caf::result<msg::mds_to_cs_bad_replica> {
          return for_master<msg::mds_to_cs_bad_replica>(self, m, handle_bad_replica);
        },
        // Administration (issue 4): mds_admin_actor.cpp.
        [self](const msg::client_to_mds_config& m) -> caf::result<msg::mds_to_client_config> {
          return for_master<msg::mds_to_client_config>(self, m, handle_config);
        },
        [self](const msg::client_to_mds_events& m) -> caf::result<msg::mds_to_client_events> {
          return for_master<msg::mds_to_client_events>(self, m, handle_events);
        },
        [self](const msg::client_to_mds_rm_cs& m) -> caf::result<msg::mds_to_client_rm_cs> {
          return for_master<msg::mds_to_client_rm_cs>(self, m, handle_rm_cs);
        },
        [self](const msg::client_to_mds_scrub& m) -> caf::result<msg::mds_to_client_scrub> {
          return for_master<msg::mds_to_client_scrub>(self, m, handle_scrub);
        },
        [self](const msg::client_to_mds_membership& m) -> caf::result<msg::mds_to_client_membership> {
          return for_master<msg::mds_to_client_membership>(self, m, handle_membership);
        },
        // Licensing (issue 17): mds_license_actor.cpp.
        [self](const msg::client_to_mds_license& m) -> caf::result<msg::mds_to_client_license> {
          return for_master<msg::mds_to_client_license>(self, m, handle_license);
        },
        // Revocation (issue 14): mds_admin_actor.cpp.
        [self](const msg::client_to_mds_revoke_node& m) -> caf::result<msg::mds_to_client_revoke_node> {
          return for_master<msg::mds_to_client_revoke_node>(self, m, handle_revoke_node);
        },
        // High Availability (issue 18): mds_ha_actor.cpp.
        [self](const msg::client_to_mds_ha& m) -> caf::result<msg::mds_to_client_ha> {
          return for_master<msg::mds_to_client_ha>(self, m, handle_ha);
        },
        [self](const msg::agent_to_mds_ha_renew& m) -> caf::result<msg::mds_to_agent_ha_renew> {
          return for_master<msg::mds_to_agent_ha_renew>(self, m, handle_ha_renew);
        },
        [self](const msg::cs_to_mds_register& m) -> caf::result<msg::mds_to_cs_register> {
          return for_master<msg::mds_to_cs_register>(self, m, handle_register);
        },
        [self](const msg::cs_to_mds_heartbeat& m) -> caf::result<msg::mds_to_cs_heartbeat> {
          return for_master<msg::mds_to_cs_heartbeat>(self, m, handle_heartbeat);
        },
        [self](const msg::election_to_mds_committed& m) { on_committed(self, m); },
        [self](const msg::election_to_mds_snapshot_export& m) { return export_snapshot(self, m); },
        [self](const msg::election_to_mds_snapshot_install& m) { return install_snapshot(self, m); },
        [self](const msg::mds_to_mds_ping& m) {
          auto req = wire::decode(m);
          return wire::make<p::MdsToMdsPong>([&](auto b) {
            if (!req) return set_status(b.initStatus(), p::STATUS_BAD_REQUEST, req.error);
            set_status(b.initStatus(), p::STATUS_OK, "");
            b.setFromId(self->state.self_id);
            b.setEpoch(self->state.term);
          });
        },
        [self](tick_atom) {
          if (serving(self)) {  // followers keep no CS liveness, leases or repair
            for (auto& ev : self->state.registry.tick(self->clock().now())) emit(self, ev.text);
            data_path_tick(self);
            promote_unconfirmed(self);
            repair_tick(self);
            license_tick(self);
          }
          if (self->state.election) journal_tick(self);  // every MDS: compaction; the master: JRN events
          revocation_tick(self);  // every MDS: md.db's revocation list into the TLS gate
          self->delayed_send(self, self->state.deps.tick_interval, tick_atom::value);
        },
        [self](later_atom, uint64_t id) {
          auto& later = self->state.later;
          auto it = later.find(id);
          if (it == later.end()) return;
          auto fn = std::move(it->second);
          later.erase(it);
          fn();
        },
    };
  });
}

}  // namespace pstorage
