#include "actors/cs/cs_actor.hpp"
#include "actors/common/peer_revocation.hpp"
#include "actors/common/sim_bugs.hpp"
#include "actors/cs/copy_pacing.hpp"
#include "actors/cs/copy_plan.hpp"
#include "actors/cs/master_epoch.hpp"
#include "actors/cs/peer_authority.hpp"
#include "actors/cs/refusal_log.hpp"
#include "actors/cs/scrub_run.hpp"
#include "actors/cs/scrub_schedule.hpp"
#include "actors/cs/timed_storage.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <span>

#include "protocol/common.capnp.h"

namespace pstorage {
namespace p = proto;

namespace {

struct copy_job;  // one replication in progress (MdsToCsReplicate)

struct cs_state {
  cs_deps deps;
  persistence::cs_settings settings;
  mds_api mds;
  uint32_t cs_id = 0;
  bool io_error_seen = false;        // flag H until restart
  bool checksum_error_seen = false;  // flag h until restart
  bool io_timeout_seen = false;      // flag T until restart
  cs::scrub_schedule scrub;          // scrubbing: what and when (rate from the MDS)
  uint64_t scrub_generation = 0;     // bumps on every re-arm; stale scrub timers ignore themselves
  cs::scrub_run scrub_run;           // on-demand scrub (`pstorage scrub start`)
  uint32_t scrub_run_rate = 0;       // its replicas per second (MdsToCsScrub.chunksPerSecond), 0: no pause
  std::vector<msg::cs_to_mds_bad_replica> pending_reports;  // while the MDS is away
  std::chrono::milliseconds heartbeat{1000};
  uint64_t session = 0;  // bumps on every (re)connect; stale timers ignore themselves
  bool registered = false;  // with the current `mds`
  unsigned heartbeat_failures = 0;  // in a row, with the current `mds`
  std::string mds_list;  // the master's MDS list last passed to the locator
  cs::master_epoch epoch;           // highest master epoch seen (persisted in cs.db)
  cs::refusal_log refusals;         // rate limit of "refused request" log lines
  bool stopped = false;
  bool started = false;             // start_atom taken (a second one is refused)
  // Copies waiting for their next piece (mds.repl.bandwidth), by pacing id.
  std::map<uint64_t, std::shared_ptr<copy_job>> paced_copies;
  uint64_t next_paced = 0;
  static inline const char* name = "pstorage-cs";
};

using self_ptr = cs_api::stateful_pointer<cs_state>;
// A whole chunk's data must fit in one message's payload (wire::decode).
static_assert(cs_max_chunk_size <= wire::default_limits.payload_bytes);
constexpr auto request_timeout = std::chrono::seconds(10);

bool checksums_on(const cs_state& st) {
  return st.deps.storage ? st.deps.storage->checksums_enabled() : st.settings.checksums;
}

std::string flags_of(const cs_state& st) {
  std::string f = checksums_on(st) ? "C" : "D";
  if (st.io_error_seen) f += "H";
  if (st.checksum_error_seen) f += "h";
  if (st.deps.repository_missing) f += "R";
  if (st.io_timeout_seen) f += "T";
  return f;
}

space_info space_of(const cs_state& st) {
  if (st.deps.space) return st.deps.space();
  if (st.deps.storage) {
    auto r = st.deps.storage->space();
    if (r) return {r.value.total_bytes, r.value.free_bytes};
  }
  return {};
}

void flush_reports(self_ptr self);

// CsToMdsHeartbeat.io from the window's figures (units in common.capnp).
void fill_io_stats(p::CsIoStats::Builder b, const cs::io_figures& f) {
  b.setReadBytesPerSec(static_cast<uint64_t>(f.read_bytes_per_s));
  b.setWriteBytesPerSec(static_cast<uint64_t>(f.write_bytes_per_s));
  b.setReadOpsPerSec(f.read_ops_per_s);
  b.setWriteOpsPerSec(f.write_ops_per_s);
  b.setSyncOpsPerSec(f.sync_ops_per_s);
  b.setLatencyAvgUs(static_cast<uint64_t>(f.latency_avg_ms * 1000));
  b.setLatencyMaxUs(static_cast<uint64_t>(f.latency_max_ms * 1000));
  b.setQueueDepth(f.queue_depth);
  b.setIowaitPercent(f.iowait_percent);
}

void fatal(self_ptr self, const std::string& why) {
  spdlog::error("chunk server stops: {}", why);
  self->state.stopped = true;
  if (self->state.deps.on_fatal) self->state.deps.on_fatal(why);
  self->quit(caf::sec::runtime_error);
}

// A period measured by this host's clock, in true time (cs_deps::clock_rate).
template <class Duration>
std::chrono::nanoseconds local_period(const cs_state& st, Duration d) {
  const double rate = st.deps.clock_rate > 0 ? st.deps.clock_rate : 1.0;
  return std::chrono::nanoseconds(
      static_cast<int64_t>(static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) / rate));
}

void schedule_connect(self_ptr self) {
  self->delayed_send(self, local_period(self->state, self->state.deps.retry_interval), connect_atom::value);
}

constexpr const char* epoch_key = "master_epoch";
constexpr unsigned max_heartbeat_failures = 3;  // then the master is looked for again

// Remembers a raised master epoch in cs.db (once per election, so cheap).
void persist_epoch(cs_state& st) {
  try {
    persistence::meta_set(st.deps.repo->db(), epoch_key, std::to_string(st.epoch.highest()));
  } catch (const std::exception& e) {
    spdlog::warn("cannot record master epoch {} in cs.db: {}", st.epoch.highest(), e.what());
  }
}

// Judges a registration answer's master epoch (the answer comes from the MDS
// this CS asked). False: a deposed master.
bool admit_epoch(self_ptr self, uint64_t epoch) {
  auto& st = self->state;
  switch (st.epoch.admit(epoch)) {
    case cs::master_epoch::verdict::refuse:
      return false;
    case cs::master_epoch::verdict::accept_raised:
      persist_epoch(st);
      return true;
    case cs::master_epoch::verdict::accept:
      return true;
  }
  return true;
}

// Who sent the request being handled, as peer_authority needs it. CAF 0.17
// gives the sender's node: for a direct BASP message the node id the peer
// claimed in its handshake (docs/security.md: what this does not protect
// against without TLS). Node names are spelled out only where a refusal may
// need them (never for the data path's client requests).
cs::sender_facts sender_facts_of(self_ptr self, cs::request_kind kind) {
  auto& st = self->state;
  cs::sender_facts f;
  f.master_known = static_cast<bool>(st.mds);
  const auto& sender = self->current_sender();
  if (!sender) {
    f.origin = cs::sender_origin::anonymous;
  } else if (sender->node() == self->node()) {
    f.origin = cs::sender_origin::this_process;
  } else if (st.mds && sender->node() == st.mds.node()) {
    f.origin = cs::sender_origin::master_node;
  } else {
    f.origin = cs::sender_origin::other_node;
  }
  f.started = st.started;
  const bool client = !cs::is_master_order(kind) && kind != cs::request_kind::start &&
                      kind != cs::request_kind::own_timer;
  const bool spell = !client && f.origin != cs::sender_origin::this_process;
  if (spell) {
    if (sender) f.node = caf::to_string(sender->node());
    if (st.mds) f.master_node = caf::to_string(st.mds.node());
  }
  return f;
}

// Every request handler asks this first (actors/cs/peer_authority.hpp). A
// refusal is logged (at most 10 lines per 10 s) and answered with the
// decision's status and reason; a raised epoch is persisted.
cs::authority_decision authorize(self_ptr self, cs::request_kind kind, uint64_t epoch = 0) {
  auto& st = self->state;
  auto d = cs::authorize(kind, sender_facts_of(self, kind), epoch, st.epoch, st.cs_id);
  if (d.epoch_raised) persist_epoch(st);
  if (!d.allowed) {
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(self->clock().now().time_since_epoch());
    auto v = st.refusals.note(now.count());
    if (v.write && v.left_out)
      spdlog::warn("refused: {} ({} more refused requests were not logged)", d.reason, v.left_out);
    else if (v.write)
      spdlog::warn("refused: {}", d.reason);
  }
  return d;
}

// The MDS we talk to is not (or no longer) the master: forget it and look
// for the master again (the locator follows NOT_MASTER redirections). The
// CS keeps its id: it registers with the master under the same one.
void find_master(self_ptr self, const std::string& why) {
  auto& st = self->state;
  spdlog::warn("{}; looking for the master MDS", why);
  if (st.mds) self->demonitor(st.mds.address());
  st.mds = nullptr;
  st.registered = false;
  st.heartbeat_failures = 0;
  ++st.session;
  schedule_connect(self);
}

// The revocation list of a registration or heartbeat answer into this process's TLS gate
// (actors/common/peer_revocation.hpp), and what the gate refused since the
// last answer logged.
void learn_revoked(capnp::List<capnp::Text>::Reader list) {
  std::set<std::string> ids;
  for (auto h : list) ids.insert(h.cStr());
  if (auto line = security::install_revocation_list(ids)) spdlog::info("{}", *line);
  for (auto& r : security::tls_gate::take_refusals()) spdlog::warn("{}", security::tls_gate::refusal_line(r));
}

void do_register(self_ptr self) {
  auto& st = self->state;
  auto space = space_of(st);
  auto req = wire::make<p::CsToMdsRegister>([&](auto b) {
    auto c = b.initCredentials();
    c.setCluster(st.settings.cluster);
    c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(st.deps.digest.data()), st.deps.digest.size()));
    b.setCsId(st.cs_id);
    b.setRepoUuid(st.settings.repo_uuid);
    auto i = b.initInfo();
    i.setTotalBytes(space.total_bytes);
    i.setFreeBytes(space.free_bytes);
    i.setHost(st.deps.host);
    i.setAddress(st.deps.address);
    i.setHostId(st.deps.host_id);
    i.setTier(static_cast<uint8_t>(st.settings.tier));
    i.setChecksums(checksums_on(st));
    i.setFlags(flags_of(st));
    i.setHttpPort(st.deps.http_port);
    i.setLocation(st.deps.location);
  });
  self->request(st.mds, request_timeout, std::move(req))
      .then(
          [self](msg::mds_to_cs_register& m) {
            auto& st = self->state;
            auto a = wire::decode(m);
            if (!a) {
              spdlog::warn("bad register answer: {}", a.error);
              return schedule_connect(self);  // re-registers (st.mds is kept)
            }
            auto code = a->getStatus().getCode();
            if (code == p::STATUS_NOT_MASTER)
              return find_master(self, std::string("registration: ") + a->getStatus().getMessage().cStr());
            if (code == p::STATUS_OK && !admit_epoch(self, a->getEpoch()))
              return find_master(self, "registration answered by a deposed master (epoch " +
                                           std::to_string(a->getEpoch()) + " < " +
                                           std::to_string(st.epoch.highest()) + ")");
            if (code == p::STATUS_AUTH_FAILED || code == p::STATUS_WRONG_CLUSTER || code == p::STATUS_NOT_FOUND)
              return fatal(self, a->getStatus().getMessage().cStr());
            if (code != p::STATUS_OK) {
              spdlog::warn("MDS refused registration: {}", a->getStatus().getMessage().cStr());
              return schedule_connect(self);
            }
            if (st.cs_id != a->getCsId()) {
              st.cs_id = a->getCsId();
              st.deps.repo->set_cs_id(st.cs_id);
            }
            st.heartbeat = std::chrono::milliseconds(a->getHeartbeatMs() ? a->getHeartbeatMs() : 1000);
            // The revocation list before anything else: until now the TLS gate
            // refused every accepted handshake (spawn_cs holds it).
            learn_revoked(a->getRevokedHosts());
            if (st.registered) return;  // a duplicate answer (retried registration)
            st.registered = true;
            spdlog::info("registered with the MDS as CS#{}", st.cs_id);
            if (st.deps.on_registered) st.deps.on_registered(st.cs_id);
            flush_reports(self);
            self->delayed_send(self, local_period(st, st.heartbeat), heartbeat_atom::value);
          },
          [self](caf::error& err) {
            spdlog::warn("registration failed: {}; retrying", self->system().render(err));
            schedule_connect(self);
          });
}

// ---- data path -----------------------------------------------------------------

using persistence::storage_errc;
using persistence::storage_status;

uint32_t status_code_of(storage_errc e) {
  switch (e) {
    case storage_errc::ok: return p::STATUS_OK;
    case storage_errc::not_found: return p::STATUS_NOT_FOUND;
    case storage_errc::already_exists: return p::STATUS_BAD_REQUEST;
    case storage_errc::stale_version: return p::STATUS_STALE;
    case storage_errc::checksum_mismatch: return p::STATUS_CHECKSUM;
    case storage_errc::io_error: return p::STATUS_IO_ERROR;
    case storage_errc::no_space: return p::STATUS_NO_SPACE;
    case storage_errc::invalid_argument: return p::STATUS_BAD_REQUEST;
  }
  return p::STATUS_IO_ERROR;
}

template <class B>
void set_status(B b, uint32_t code, const std::string& message) {
  auto s = b.initStatus();
  s.setCode(code);
  s.setMessage(message);
}

// Answers with status + failedCsId (CsToClientWrite, CsToClientSync).
template <class Schema>
wire::msg<Schema> chain_answer(uint32_t code, const std::string& message, uint32_t failed) {
  return wire::make<Schema>([&](auto b) {
    set_status(b, code, message);
    b.setFailedCsId(failed);
  });
}

template <class Schema>
wire::msg<Schema> plain_answer(uint32_t code, const std::string& message) {
  return wire::make<Schema>([&](auto b) { set_status(b, code, message); });
}

void send_report(self_ptr self, msg::cs_to_mds_bad_replica report) {
  auto& st = self->state;
  if (!st.mds || st.cs_id == 0) {
    st.pending_reports.push_back(std::move(report));
    return;
  }
  self->request(st.mds, request_timeout, std::move(report))
      .then([](msg::mds_to_cs_bad_replica&) {},
            [self](caf::error& err) {
              spdlog::warn("cannot report a bad replica to the MDS: {}", self->system().render(err));
            });
}

void flush_reports(self_ptr self) {
  auto pending = std::move(self->state.pending_reports);
  self->state.pending_reports.clear();
  for (auto& r : pending) send_report(self, std::move(r));
}

// Records a local storage failure: flags H / h, and a bad-replica report to
// the MDS for a checksum mismatch. Returns the protocol status code.
uint32_t note_failure(self_ptr self, const storage_status& s, uint64_t chunk, uint64_t version,
                      std::vector<uint64_t> bad_pages = {}) {
  auto& st = self->state;
  if (s.code == storage_errc::io_error) {
    if (!st.io_error_seen) spdlog::error("I/O error on the repository: {}", s.message);
    st.io_error_seen = true;
  }
  if (s.code == storage_errc::checksum_mismatch) {
    spdlog::error("bad replica: {}", s.message);
    st.checksum_error_seen = true;
    send_report(self, wire::make<p::CsToMdsBadReplica>([&](auto b) {
                  b.setCsId(st.cs_id);
                  b.setChunkId(chunk);
                  b.setVersion(version);
                  b.setChecksum(true);
                  b.setMessage(s.message);
                  if (bad_pages.empty()) bad_pages.push_back(s.page);
                  auto l = b.initPages(static_cast<unsigned>(bad_pages.size()));
                  for (unsigned i = 0; i < bad_pages.size(); ++i) l.set(i, bad_pages[i]);
                }));
  }
  return status_code_of(s.code);
}

// failedCsId for a local failure: this CS, unless the request itself was bad.
uint32_t failed_id_of(const cs_state& st, uint32_t code) {
  return code == p::STATUS_BAD_REQUEST ? 0 : st.cs_id;
}

// Is the replica there at exactly `version`? (a read of 0 bytes checks it)
storage_status check_version(cs_state& st, uint64_t chunk, uint64_t version) {
  auto r = st.deps.storage->read(chunk, version, 0, 0);
  return r.status;
}

std::string peer_name(uint32_t id, const std::string& address) {
  return "CS#" + std::to_string(id) + " at " + address;
}

// ---- I/O figures (actors/cs/io_stats.hpp): one op per read/write/sync ----------

struct io_op {
  caf::actor_clock::time_point started;
  cs::io_kind kind;
  uint64_t bytes;
};

io_op op_started(self_ptr self, cs::io_kind kind, uint64_t bytes) {
  const auto now = self->clock().now();
  self->state.deps.io->op_started(now);
  return {now, kind, bytes};
}

void op_finished(self_ptr self, const io_op& op, bool ok) {
  self->state.deps.io->op_finished(op.started, self->clock().now(), op.kind, op.bytes, ok);
}

template <class Schema>
bool answer_ok(const wire::msg<Schema>& m) {
  auto d = wire::decode(m);
  return d && d->getStatus().getCode() == p::STATUS_OK;
}

// For a handler that answered at once (not through a promise): the op ends now.
template <class Msg>
void op_answered_now(self_ptr self, const io_op& op, const caf::result<Msg>& r) {
  if (r.flag == caf::rt_delegated) return;  // the promise's on_answer ends it
  const bool ok = r.flag == caf::rt_value && r.value.template match_element<Msg>(0) &&
                  answer_ok(r.value.template get_as<Msg>(0));
  op_finished(self, op, ok);
}

// An answer to a chain request that is delivered at most once.
// `on_answer` (optional) is told once whether the answer was OK.
template <class Resp>
struct chain_reply {
  caf::typed_response_promise<wire::msg<Resp>> rp;
  std::shared_ptr<bool> answered = std::make_shared<bool>(false);
  std::function<void(bool ok)> on_answer;
  void deliver(wire::msg<Resp> m) {
    if (*answered) return;
    *answered = true;
    if (on_answer) on_answer(answer_ok(m));
    rp.deliver(std::move(m));
  }
};

// Sends `fwd` to the CS at `address` (id `next_id`) and delivers its answer
// (or a failure naming next_id) through `rp`. Never blocks the actor.
// `hops` = CSs from next_id to the end of the chain: each waits one step
// (cs_downstream_timeout) longer than the CS after it, so when the last CS
// dies the CS just before it reports it, not an upstream CS whose equal
// timer fired first (which would drop a healthy replica and could leave the
// chunk below MIN).
// `after_send` (optional) runs right after the request went to next_id —
// the local fsync, so that the replicas sync in parallel; `rp.answered` is
// shared with it: once it answered (its fsync failed), nothing more is
// delivered. If next_id cannot be reached, the failure naming it is the
// answer and after_send does not run (the client retries on a new chain).
template <class Resp, class Req>
void forward_down(self_ptr self, uint32_t next_id, std::string address, Req fwd, chain_reply<Resp> rp,
                  size_t hops, std::function<void()> after_send = {}) {
  auto& st = self->state;
  auto fail = [self, next_id, address](chain_reply<Resp>& rp, const std::string& what, const caf::error& err) {
    auto text = peer_name(next_id, address) + " " + what + ": " + self->system().render(err);
    spdlog::warn("chain: {}", text);
    rp.deliver(chain_answer<Resp>(p::STATUS_UNAVAILABLE, text, next_id));
  };
  self->request(st.deps.directory, cs_downstream_timeout, connect_atom::value, address)
      .then(
          [self, next_id, address, fwd = std::move(fwd), rp, fail, hops, after_send](cs_api& next) mutable {
            self->request(next, cs_downstream_timeout * static_cast<int>(std::max<size_t>(hops, 1)), std::move(fwd))
                .then(
                    [next_id, address, rp](wire::msg<Resp>& a) mutable {
                      auto d = wire::decode(a);
                      if (!d)
                        return (void)rp.deliver(chain_answer<Resp>(
                            p::STATUS_IO_ERROR, "bad answer from " + peer_name(next_id, address) + ": " + d.error,
                            next_id));
                      auto code = d->getStatus().getCode();
                      auto failed = d->getFailedCsId();
                      if (code == p::STATUS_OK || failed != 0 || code == p::STATUS_STALE)
                        return (void)rp.deliver(std::move(a));
                      rp.deliver(chain_answer<Resp>(code, d->getStatus().getMessage().cStr(), next_id));
                    },
                    [rp, fail](caf::error& err) mutable { fail(rp, "did not answer", err); });
            if (after_send) after_send();
          },
          [rp, fail](caf::error& err) mutable { fail(rp, "is unreachable", err); });
}

// The answer to a chain request when this CS's own storage failed.
template <class R>
wire::msg<R> local_failure(self_ptr self, const storage_status& s, uint64_t chunk, uint64_t version) {
  auto& st = self->state;
  auto code = note_failure(self, s, chunk, version);
  return chain_answer<R>(code, "CS#" + std::to_string(st.cs_id) + ": " + s.message, failed_id_of(st, code));
}

// forward_down's after_send for a syncing request: this replica fsyncs
// while the request travels on; a failure answers at once. The answer
// otherwise waits for the downstream one, which this actor handles only
// after this fsync returned.
template <class R>
std::function<void()> sync_after_send(self_ptr self, chain_reply<R> reply, uint64_t chunk, uint64_t version) {
  return [self, reply, chunk, version]() mutable {
    auto s = self->state.deps.storage->sync(chunk);
    if (!s) reply.deliver(local_failure<R>(self, s, chunk, version));
  };
}

caf::result<msg::cs_to_client_write> handle_write(self_ptr self, msg::client_to_cs_write& m, const io_op& op) {
  using R = p::CsToClientWrite;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return chain_answer<R>(p::STATUS_BAD_REQUEST, req.error, 0);
  if (auto d = authorize(self, cs::request_kind::client_write); !d.allowed) return chain_answer<R>(d.status, d.reason, 0);
  if (!st.deps.storage) return chain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage", st.cs_id);
  const auto chunk = req->getChunkId(), version = req->getVersion();
  const bool sync = req->getSync();
  auto extents = req->getExtents();
  {  // JRMW of `pstorage top` (io_stats.hpp unaligned_4k)
    bool unaligned = extents.size() == 0 && cs::unaligned_4k(req->getOffset(), m.payload.size());
    for (auto e : extents) unaligned = unaligned || cs::unaligned_4k(e.getOffset(), e.getLength());
    if (unaligned) st.deps.io->unaligned_write(self->clock().now());
  }
  storage_status s;
  if (extents.size() == 0) {
    s = st.deps.storage->write(chunk, version, req->getOffset(),
                               std::span<const char>(m.payload.data(), m.payload.size()));
  } else {  // several ranges, in order; their bytes concatenated in the payload
    uint64_t total = 0;
    for (auto e : extents) total += e.getLength();
    if (total != m.payload.size())
      return chain_answer<R>(p::STATUS_BAD_REQUEST,
                             "write extents cover " + std::to_string(total) + " bytes, the payload has " +
                                 std::to_string(m.payload.size()),
                             0);
    size_t at = 0;
    for (auto e : extents) {
      s = st.deps.storage->write(chunk, version, e.getOffset(),
                                 std::span<const char>(m.payload.data() + at, e.getLength()));
      if (!s) break;
      at += e.getLength();
    }
  }
  if (!s) return local_failure<R>(self, s, chunk, version);
  auto chain = req->getChain();
  if (chain.size() == 0 || PSTORAGE_SIM_BUG(ack_before_last_replica)) {  // (sim-only bug: ack without forwarding)
    if (sync) s = st.deps.storage->sync(chunk);
    if (!s) return local_failure<R>(self, s, chunk, version);
    return chain_answer<R>(p::STATUS_OK, "", 0);
  }
  auto next = chain[0];
  auto fwd = wire::make<p::ClientToCsWrite>(
      [&](auto b) {
        b.setChunkId(chunk);
        b.setVersion(version);
        b.setOffset(req->getOffset());
        b.setSync(req->getSync());
        if (extents.size()) b.setExtents(extents);
        auto c = b.initChain(chain.size() - 1);
        for (unsigned i = 1; i < chain.size(); ++i) {
          c[i - 1].setCsId(chain[i].getCsId());
          c[i - 1].setAddress(chain[i].getAddress());
        }
      },
      std::move(m.payload));
  // With sync: the request goes down first, then this CS fsyncs (in parallel).
  chain_reply<R> reply{self->make_response_promise<msg::cs_to_client_write>()};
  reply.on_answer = [self, op](bool ok) { op_finished(self, op, ok); };
  forward_down<R>(self, next.getCsId(), next.getAddress().cStr(), std::move(fwd), reply, chain.size(),
                  sync ? sync_after_send<R>(self, reply, chunk, version) : std::function<void()>{});
  return reply.rp;
}

caf::result<msg::cs_to_client_sync> handle_sync(self_ptr self, const msg::client_to_cs_sync& m, const io_op& op) {
  using R = p::CsToClientSync;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return chain_answer<R>(p::STATUS_BAD_REQUEST, req.error, 0);
  if (auto d = authorize(self, cs::request_kind::client_sync); !d.allowed) return chain_answer<R>(d.status, d.reason, 0);
  if (!st.deps.storage) return chain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage", st.cs_id);
  const auto chunk = req->getChunkId(), version = req->getVersion();
  auto s = check_version(st, chunk, version);
  if (!s) return local_failure<R>(self, s, chunk, version);
  auto chain = req->getChain();
  if (chain.size() == 0) {
    s = st.deps.storage->sync(chunk);
    if (!s) return local_failure<R>(self, s, chunk, version);
    return chain_answer<R>(p::STATUS_OK, "", 0);
  }
  auto next = chain[0];
  auto fwd = wire::make<p::ClientToCsSync>([&](auto b) {
    b.setChunkId(chunk);
    b.setVersion(version);
    auto c = b.initChain(chain.size() - 1);
    for (unsigned i = 1; i < chain.size(); ++i) {
      c[i - 1].setCsId(chain[i].getCsId());
      c[i - 1].setAddress(chain[i].getAddress());
    }
  });
  // As in handle_write: down first, then the local fsync (in parallel).
  chain_reply<R> reply{self->make_response_promise<msg::cs_to_client_sync>()};
  reply.on_answer = [self, op](bool ok) { op_finished(self, op, ok); };
  forward_down<R>(self, next.getCsId(), next.getAddress().cStr(), std::move(fwd), reply, chain.size(),
                  sync_after_send<R>(self, reply, chunk, version));
  return reply.rp;
}

msg::cs_to_client_read handle_read(self_ptr self, const msg::client_to_cs_read& m) {
  using R = p::CsToClientRead;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return plain_answer<R>(p::STATUS_BAD_REQUEST, req.error);
  if (auto d = authorize(self, cs::request_kind::client_read); !d.allowed) return plain_answer<R>(d.status, d.reason);
  if (!st.deps.storage) return plain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage");
  const auto chunk = req->getChunkId(), version = req->getVersion();
  auto r = st.deps.storage->read(chunk, version, req->getOffset(), req->getLength());
  if (!r && r.status.code == storage_errc::stale_version && PSTORAGE_SIM_BUG(read_from_stale_replica))  // sim-only bug
    if (auto l = st.deps.storage->list(); l)
      for (auto& ci : l.value) if (ci.id == chunk) r = st.deps.storage->read(chunk, ci.version, req->getOffset(), req->getLength());
  if (!r) {
    auto code = note_failure(self, r.status, chunk, version);
    return plain_answer<R>(code, "CS#" + std::to_string(st.cs_id) + ": " + r.status.message);
  }
  return wire::make<R>([](auto b) { b.initStatus().setCode(p::STATUS_OK); }, std::move(r.value));
}

msg::cs_to_mds_create_chunk handle_create(self_ptr self, const msg::mds_to_cs_create_chunk& m) {
  using R = p::CsToMdsCreateChunk;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return plain_answer<R>(p::STATUS_BAD_REQUEST, req.error);
  if (auto d = authorize(self, cs::request_kind::create_chunk, req->getEpoch()); !d.allowed)
    return plain_answer<R>(d.status, d.reason);
  if (!st.deps.storage) return plain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage");
  const auto chunk = req->getChunkId(), version = req->getVersion();
  auto s = st.deps.storage->create(chunk, version);
  if (s.code == storage_errc::already_exists) {
    s = check_version(st, chunk, version);  // the same replica again: done
    if (s.code == storage_errc::stale_version)
      return plain_answer<R>(p::STATUS_STALE, "CS#" + std::to_string(st.cs_id) + ": " +
                                                  persistence::chunk_name(chunk) +
                                                  " already exists here at another version (" + s.message + ")");
  }
  if (!s) return plain_answer<R>(note_failure(self, s, chunk, version), s.message);
  return plain_answer<R>(p::STATUS_OK, "");
}

// Zeroes the bytes of the replica past `keep` and syncs it.
storage_status cut_replica(cs_state& st, uint64_t chunk, uint64_t version, uint64_t keep) {
  auto& storage = *st.deps.storage;
  auto all = storage.list();
  if (!all) return all.status;
  uint64_t length = 0;
  for (auto& c : all.value)
    if (c.id == chunk) length = c.length;
  if (keep < length) {
    const std::vector<char> zeros(std::min<uint64_t>(length - keep, cs_replicate_piece), 0);
    for (uint64_t off = keep; off < length;) {
      const uint64_t n = std::min<uint64_t>(length - off, zeros.size());
      if (auto s = storage.write(chunk, version, off, std::span<const char>(zeros.data(), n)); !s) return s;
      off += n;
    }
  }
  return storage.sync(chunk);
}

// SetVersion(old, new): the master's version round (md_command.hpp, "fence,
// then confirm"). Accepted when the replica is at a version in [old, new]:
// versions above `old` were fenced without any write confirmed at them, so
// such a replica holds the same data as one at `old`. Below `old` the
// replica missed writes: stale_version. The cut of a truncate is applied
// every time it is asked for (idempotent).
msg::cs_to_mds_set_version handle_set_version(self_ptr self, const msg::mds_to_cs_set_version& m) {
  using R = p::CsToMdsSetVersion;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return plain_answer<R>(p::STATUS_BAD_REQUEST, req.error);
  if (auto d = authorize(self, cs::request_kind::set_version, req->getEpoch()); !d.allowed)
    return plain_answer<R>(d.status, d.reason);
  if (!st.deps.storage) return plain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage");
  const auto chunk = req->getChunkId(), old_v = req->getOldVersion(), new_v = req->getNewVersion();
  auto cur = st.deps.storage->stat(chunk);
  persistence::storage_status s = cur.status;
  if (s && (cur.value.version < old_v || cur.value.version > new_v))
    s = {persistence::storage_errc::stale_version,
         persistence::chunk_name(chunk) + " is at version " + std::to_string(cur.value.version) + ", not in [" +
             std::to_string(old_v) + ", " + std::to_string(new_v) + "]",
         chunk};
  if (s && req->getTruncate()) s = cut_replica(st, chunk, cur.value.version, req->getTruncateTo());
  if (s && cur.value.version != new_v) s = st.deps.storage->set_version(chunk, new_v);
  if (!s) return plain_answer<R>(note_failure(self, s, chunk, old_v), "CS#" + std::to_string(st.cs_id) + ": " + s.message);
  return plain_answer<R>(p::STATUS_OK, "");
}

msg::cs_to_mds_delete_chunk handle_delete(self_ptr self, const msg::mds_to_cs_delete_chunk& m) {
  using R = p::CsToMdsDeleteChunk;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return plain_answer<R>(p::STATUS_BAD_REQUEST, req.error);
  if (auto d = authorize(self, cs::request_kind::delete_chunk, req->getEpoch()); !d.allowed)
    return plain_answer<R>(d.status, d.reason);
  if (!st.deps.storage) return plain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage");
  auto s = st.deps.storage->remove(req->getChunkId());
  if (!s && s.code != storage_errc::not_found)
    return plain_answer<R>(note_failure(self, s, req->getChunkId(), 0), s.message);
  return plain_answer<R>(p::STATUS_OK, "");
}

// One replication in progress (MdsToCsReplicate). The decisions (which
// range next, a bad page from an alternate or carried over marked bad) are
// cs::copy_plan's; this only reads, writes and answers.
struct copy_job {
  uint64_t chunk = 0, version = 0;
  uint32_t source_id = 0;
  std::string source_address;
  cs_api source;
  std::vector<std::pair<uint32_t, std::string>> alternates;  // other holders, asked for a bad page
  cs::copy_progress progress;
  uint64_t rate = 0;  // bytes/s, 0 = unlimited (mds.repl.bandwidth)
  caf::actor_clock::time_point started{};
  caf::typed_response_promise<msg::cs_to_mds_replicate> rp;
};
constexpr uint64_t incomplete_version = 0;  // a copy in progress is never a real version

void copy_fail(self_ptr self, const std::shared_ptr<copy_job>& job, uint32_t code, const std::string& why) {
  self->state.deps.storage->remove(job->chunk);
  auto text = "replication of " + persistence::chunk_name(job->chunk) + " from " +
              peer_name(job->source_id, job->source_address) + " failed: " + why;
  spdlog::warn("{}", text);
  job->rp.deliver(plain_answer<p::CsToMdsReplicate>(code, text));
}

void copy_finish(self_ptr self, const std::shared_ptr<copy_job>& job) {
  auto& storage = *self->state.deps.storage;
  auto s = storage.sync(job->chunk);
  if (s) s = storage.set_version(job->chunk, job->version);
  if (!s) return copy_fail(self, job, note_failure(self, s, job->chunk, incomplete_version), s.message);
  spdlog::info("replicated {} version {} from {}", persistence::chunk_name(job->chunk), job->version,
               peer_name(job->source_id, job->source_address));
  const auto& bad = job->progress.carried_bad;
  job->rp.deliver(wire::make<p::CsToMdsReplicate>([&](auto b) {
    set_status(b, p::STATUS_OK, "");
    auto l = b.initBadPages(static_cast<unsigned>(bad.size()));
    for (unsigned i = 0; i < bad.size(); ++i) l.set(i, bad[i]);
  }));
}

// Writes the runs of `data` (read at `offset`) that hold data; all-zero
// pages stay holes.
storage_status copy_write(self_ptr self, const copy_job& job, uint64_t offset, const std::vector<char>& data) {
  const uint64_t ps = persistence::chunk_page_size, n = data.size();
  auto zero_page = [&](uint64_t at) {
    auto b = data.begin() + static_cast<std::ptrdiff_t>(at);
    return std::all_of(b, b + static_cast<std::ptrdiff_t>(std::min(ps, n - at)), [](char c) { return c == 0; });
  };
  for (uint64_t at = 0; at < n;) {
    if (zero_page(at)) {
      at += ps;
      continue;
    }
    uint64_t end = at + ps;
    while (end < n && !zero_page(end)) end += ps;
    end = std::min(end, n);
    auto s = self->state.deps.storage->write(job.chunk, incomplete_version, offset + at,
                                             std::span<const char>(data.data() + at, end - at));
    if (!s) return s;
    at = end;
  }
  return {};
}

void copy_step(self_ptr self, std::shared_ptr<copy_job> job);

// One read of the step `n` from `from` (the source or an alternate).
void copy_read(self_ptr self, std::shared_ptr<copy_job> job, cs_api from, cs::copy_next n) {
  const bool from_source = n.move == cs::copy_move::read_source;
  auto req = wire::make<p::ClientToCsRead>([&](auto b) {
    b.setChunkId(job->chunk);
    b.setVersion(job->version);
    b.setOffset(n.offset);
    b.setLength(static_cast<uint32_t>(n.length));
  });
  auto outcome = [self, job, n](cs::read_outcome o) {
    if (!cs::apply_copy_outcome(job->progress, n, o, persistence::chunk_page_size))
      return copy_fail(self, job, p::STATUS_IO_ERROR, "page " + std::to_string(n.page) + " not copied");
    copy_step(self, job);
  };
  self->request(from, cs_downstream_timeout, std::move(req))
      .then(
          [self, job, n, from_source, outcome](msg::cs_to_client_read& a) {
            auto d = wire::decode(a);
            const uint32_t code = d ? d->getStatus().getCode() : p::STATUS_IO_ERROR;
            const std::string why = d ? std::string(d->getStatus().getMessage().cStr()) : d.error;
            if (code == p::STATUS_CHECKSUM) return outcome(cs::read_outcome::checksum_mismatch);
            if (!from_source && (code != p::STATUS_OK || a.payload.size() != n.length))
              return outcome(cs::read_outcome::failed);
            // Past the source's chunk size: the whole chunk is here.
            if (code == p::STATUS_BAD_REQUEST && n.offset > 0) return copy_finish(self, job);
            if (code != p::STATUS_OK) return copy_fail(self, job, code, why);
            if (a.payload.size() != n.length)
              return copy_fail(self, job, p::STATUS_IO_ERROR, "short read of " + std::to_string(a.payload.size()) + " bytes");
            if (auto s = copy_write(self, *job, n.offset, a.payload); !s)
              return copy_fail(self, job, note_failure(self, s, job->chunk, incomplete_version), s.message);
            if (!from_source)
              spdlog::warn("replication of {}: page {} bad on {}, taken from {}", persistence::chunk_name(job->chunk),
                           n.page, peer_name(job->source_id, job->source_address),
                           peer_name(job->alternates[n.alternate].first, job->alternates[n.alternate].second));
            outcome(cs::read_outcome::ok);
          },
          [self, job, from_source, outcome](caf::error& err) {
            if (from_source) return copy_fail(self, job, p::STATUS_UNAVAILABLE, "no answer: " + self->system().render(err));
            outcome(cs::read_outcome::failed);
          });
}

void copy_step(self_ptr self, std::shared_ptr<copy_job> job) {
  // Paced before each read and before the answer: a copy never takes less
  // than its bytes / mds.repl.bandwidth, even a chunk of one piece.
  if (job->rate) {
    auto wait = cs::copy_pace_delay(job->progress.offset, job->rate,
                                    std::chrono::duration_cast<std::chrono::nanoseconds>(self->clock().now() - job->started));
    if (wait.count() > 0) {
      auto& st = self->state;
      const uint64_t id = ++st.next_paced;
      st.paced_copies[id] = std::move(job);
      self->delayed_send(self, wait, copy_pace_atom::value, id);
      return;
    }
  }
  const auto n = cs::next_copy_step(job->progress, cs_replicate_piece, persistence::chunk_page_size,
                                    job->alternates.size());
  switch (n.move) {
    case cs::copy_move::finish: return copy_finish(self, job);
    case cs::copy_move::give_up:
      return copy_fail(self, job, p::STATUS_CHECKSUM,
                       "more than " + std::to_string(cs::max_carried_bad) + " pages bad on every holder (page " +
                           std::to_string(n.page) + ")");
    case cs::copy_move::mark_bad: {
      // No holder has this page good: carried over marked bad, so reads of
      // it keep failing (never re-checksummed), docs/chunk-versions.md.
      auto s = self->state.deps.storage->mark_page_bad(job->chunk, incomplete_version, n.page);
      if (!s) return copy_fail(self, job, note_failure(self, s, job->chunk, incomplete_version),
                               "page " + std::to_string(n.page) + " is bad on every holder and cannot be marked bad here: " + s.message);
      spdlog::warn("replication of {}: page {} is bad on {} and on the {} other holder(s) asked: carried over marked bad",
                   persistence::chunk_name(job->chunk), n.page, peer_name(job->source_id, job->source_address),
                   job->alternates.size());
      cs::apply_copy_outcome(job->progress, n, cs::read_outcome::ok, persistence::chunk_page_size);
      return copy_step(self, job);
    }
    case cs::copy_move::read_source: return copy_read(self, job, job->source, n);
    case cs::copy_move::read_alternate: {
      const auto& alt = job->alternates[n.alternate];
      self->request(self->state.deps.directory, cs_downstream_timeout, connect_atom::value, alt.second)
          .then([self, job, n](cs_api& peer) { copy_read(self, job, peer, n); },
                [self, job, n](caf::error&) {
                  cs::apply_copy_outcome(job->progress, n, cs::read_outcome::failed, persistence::chunk_page_size);
                  copy_step(self, job);
                });
      return;
    }
  }
}

caf::result<msg::cs_to_mds_replicate> handle_replicate(self_ptr self, const msg::mds_to_cs_replicate& m) {
  using R = p::CsToMdsReplicate;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return plain_answer<R>(p::STATUS_BAD_REQUEST, req.error);
  if (auto d = authorize(self, cs::request_kind::replicate, req->getEpoch()); !d.allowed)
    return plain_answer<R>(d.status, d.reason);
  if (!st.deps.storage) return plain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage");
  auto job = std::make_shared<copy_job>();
  job->chunk = req->getChunkId();
  job->version = req->getVersion();
  job->source_id = req->getSource().getCsId();
  job->source_address = req->getSource().getAddress().cStr();
  job->progress.limit = st.deps.storage->chunk_size();
  if (req->getLength() > 0) job->progress.limit = std::min<uint64_t>(job->progress.limit, req->getLength());
  for (auto a : req->getAlternates())
    if (a.getCsId() != job->source_id && a.getCsId() != st.cs_id) job->alternates.emplace_back(a.getCsId(), a.getAddress().cStr());
  job->rate = req->getBandwidth();
  job->started = self->clock().now();
  if (job->version == incomplete_version) return plain_answer<R>(p::STATUS_BAD_REQUEST, "version 0 is not a chunk version");
  // A leftover (stale or half-copied) replica of this chunk is replaced.
  if (auto s = st.deps.storage->remove(job->chunk); !s && s.code != storage_errc::not_found)
    return plain_answer<R>(note_failure(self, s, job->chunk, 0), s.message);
  if (auto s = st.deps.storage->create(job->chunk, incomplete_version); !s)
    return plain_answer<R>(note_failure(self, s, job->chunk, 0), s.message);
  job->rp = self->make_response_promise<msg::cs_to_mds_replicate>();
  auto rp = job->rp;
  self->request(st.deps.directory, cs_downstream_timeout, connect_atom::value, job->source_address)
      .then(
          [self, job](cs_api& source) {
            job->source = source;
            copy_step(self, job);
          },
          [self, job](caf::error& err) {
            copy_fail(self, job, p::STATUS_UNAVAILABLE, "source unreachable: " + self->system().render(err));
          });
  return rp;
}

// ---- flags T / H for every storage call, scrubbing ---------------------------------

cs::storage_observer storage_observer_of(self_ptr self) {
  cs::storage_observer o;
  o.now = [self] { return self->clock().now(); };
  o.on_call = [self](const char* op, std::chrono::nanoseconds took, const storage_status& s) {
    auto& st = self->state;
    st.deps.io->storage_call(took, self->clock().now());  // IOWAIT
    if (took > st.deps.io_timeout) {
      if (!st.io_timeout_seen)
        spdlog::error("I/O request timeout: storage {} took {} ms (limit {} ms)", op,
                      std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(st.deps.io_timeout).count());
      st.io_timeout_seen = true;
    }
    if (s.code == storage_errc::io_error) {
      if (!st.io_error_seen) spdlog::error("I/O error on the repository ({}): {}", op, s.message);
      st.io_error_seen = true;
    }
  };
  return o;
}

// (Re)arms the scrubbing timer after `delay` (none: scrubbing off).
void scrub_arm(self_ptr self, std::optional<std::chrono::nanoseconds> delay) {
  auto& st = self->state;
  ++st.scrub_generation;
  if (delay) self->delayed_send(self, local_period(st, *delay), scrub_atom::value, st.scrub_generation);
}

// Verifies one replica (guide: "Configuring Data Scrubbing"). Bad pages:
// flag h + bad-replica report (the MDS re-replicates it). Returns whether
// the replica was found bad.
bool verify_replica(self_ptr self, uint64_t id, uint64_t version) {
  auto r = self->state.deps.storage->verify(id);
  if (!r) {
    if (r.status.code != storage_errc::not_found) note_failure(self, r.status, id, version);
    return r.status.code != storage_errc::not_found;
  }
  if (r.value.empty()) return false;
  auto s = persistence::checksum_error(id, r.value.front());
  s.message = "scrubbing: " + s.message + ", " + std::to_string(r.value.size()) + " bad page(s) in version " +
              std::to_string(version);
  note_failure(self, s, id, version, r.value);
  return true;
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t steady_ms(self_ptr self) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(self->clock().now().time_since_epoch()).count());
}

// Verifies the next replica of the periodic round. Replicas being copied
// (version 0) are skipped.
void scrub_one(self_ptr self) {
  auto& st = self->state;
  if (!st.deps.storage) return;
  auto all = st.deps.storage->list();
  if (!all) return;  // an I/O error already raised flag H
  std::vector<cs::scrub_chunk> chunks;
  chunks.reserve(all.value.size());
  for (auto& c : all.value)
    if (c.version != incomplete_version) chunks.push_back({c.id, c.version});
  auto pick = st.scrub.pick(chunks);
  if (!pick) return;
  const auto rounds = st.scrub.rounds();
  st.scrub.done(pick->id);
  if (st.scrub.rounds() != rounds) st.scrub_run.periodic_round_done(wall_ns());
  verify_replica(self, pick->id, pick->version);
}

// MdsToCsScrub: start verifying every replica now (a run in progress goes on).
msg::cs_to_mds_scrub handle_scrub(self_ptr self, const msg::mds_to_cs_scrub& m) {
  using R = p::CsToMdsScrub;
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return plain_answer<R>(p::STATUS_BAD_REQUEST, req.error);
  if (auto d = authorize(self, cs::request_kind::scrub, req->getEpoch()); !d.allowed)
    return plain_answer<R>(d.status, d.reason);
  if (!st.deps.storage) return plain_answer<R>(p::STATUS_UNAVAILABLE, "this CS has no chunk storage");
  if (!st.scrub_run.running()) {
    auto all = st.deps.storage->list();
    if (!all) return plain_answer<R>(note_failure(self, all.status, 0, 0), all.status.message);
    std::vector<cs::scrub_item> items;
    for (auto& c : all.value)
      if (c.version != incomplete_version) items.push_back({c.id, c.length, c.version});
    st.scrub_run.start(std::move(items), wall_ns(), steady_ms(self));
    st.scrub_run_rate = req->getChunksPerSecond();
    spdlog::info("scrub: verifying {} replicas ({} bytes) on order of the master", st.scrub_run.figures(false, 0).chunks_total,
                 st.scrub_run.figures(false, 0).bytes_total);
    if (st.scrub_run.running()) self->send(self, scrub_step_atom::value);
  }
  const auto total = st.scrub_run.figures(false, steady_ms(self)).chunks_total;
  return wire::make<R>([&](auto b) {
    b.initStatus().setCode(p::STATUS_OK);
    b.setChunksTotal(total);
  });
}

// One replica of the on-demand run, then the next in a new message.
void scrub_step(self_ptr self) {
  auto& st = self->state;
  auto next = st.scrub_run.next();
  if (!next || st.stopped || !st.deps.storage) return;
  bool bad = verify_replica(self, next->id, next->version);
  st.scrub_run.done(next->id, bad, wall_ns(), steady_ms(self));
  if (st.scrub_run.running() && st.scrub_run_rate) {
    self->delayed_send(self, local_period(st, std::chrono::nanoseconds(1000000000 / st.scrub_run_rate)),
                       scrub_step_atom::value);
  } else if (st.scrub_run.running()) {
    self->send(self, scrub_step_atom::value);
  } else {
    auto f = st.scrub_run.figures(false, steady_ms(self));
    spdlog::info("scrub: completed, {} replicas verified in {} ms, {} bad", f.chunks_done, f.last_cycle_ms,
                 f.bad_found);
  }
}

}  // namespace

cs_api spawn_cs(caf::actor_system& sys, cs_deps deps) {
  // Until its registration answer carries the revocation list (learn_revoked),
  // this process accepts no TLS handshake: a CS started after a host was
  // revoked refuses it from its first connection (docs/security.md
  // "Revocation"). Its own connection to the MDS is not held.
  security::install_tls_verify();
  security::tls_gate::hold_accepted_until_set(
      "this chunk server has not registered with the master yet, so it does not know the cluster's revocation list");
  return sys.spawn([deps](self_ptr self) -> cs_api::behavior_type {
    auto& st = self->state;
    st.deps = deps;
    if (!st.deps.io) st.deps.io = std::make_shared<cs::io_monitor>(self->clock().now());
    if (st.deps.storage)  // every storage call timed (flag T) and watched (flag H)
      st.deps.storage = std::make_shared<cs::timed_storage>(st.deps.storage, storage_observer_of(self));
    if (st.deps.repository_missing)
      spdlog::error("the chunk repository is missing or unreadable (flag R): serving no replicas");
    st.settings = deps.repo->settings();
    st.cs_id = st.settings.cs_id;
    try {
      if (auto e = persistence::meta_get(st.deps.repo->db(), epoch_key)) st.epoch = cs::master_epoch(std::stoull(*e));
    } catch (const std::exception& e) {
      spdlog::warn("cannot read the master epoch from cs.db: {}", e.what());
    }
    self->set_down_handler([self](caf::down_msg& dm) {
      auto& st = self->state;
      if (st.mds && dm.source == st.mds.address()) {
        spdlog::warn("lost connection to the MDS; reconnecting");
        st.mds = nullptr;
        st.registered = false;
        ++st.session;
        schedule_connect(self);
      }
    });
    return {
        [self](start_atom, const std::string& address) {
          if (!authorize(self, cs::request_kind::start).allowed) return;
          self->state.started = true;
          self->state.deps.address = address;
          self->send(self, connect_atom::value);
          scrub_arm(self, self->state.scrub.start(self->clock().now()));
        },
        [self](scrub_atom, uint64_t generation) {
          if (!authorize(self, cs::request_kind::own_timer).allowed) return;
          auto& st = self->state;
          if (generation != st.scrub_generation || st.stopped) return;  // re-armed since
          scrub_one(self);
          scrub_arm(self, st.scrub.after_tick(self->clock().now()));
        },
        [self](scrub_step_atom) {
          if (!authorize(self, cs::request_kind::own_timer).allowed) return;
          scrub_step(self);
        },
        [self](const msg::mds_to_cs_scrub& m) { return handle_scrub(self, m); },
        [self](copy_pace_atom, uint64_t id) {
          if (!authorize(self, cs::request_kind::own_timer).allowed) return;
          auto& st = self->state;
          auto it = st.paced_copies.find(id);
          if (it == st.paced_copies.end()) return;
          auto job = std::move(it->second);
          st.paced_copies.erase(it);
          copy_step(self, std::move(job));
        },
        [self](const msg::client_to_cs_ping& m) {
          auto req = wire::decode(m);
          auto d = authorize(self, cs::request_kind::ping);
          return wire::make<p::CsToClientPing>([&](auto b) {
            auto s = b.initStatus();
            if (!req) {
              s.setCode(p::STATUS_BAD_REQUEST);
              s.setMessage(req.error);
              return;
            }
            if (!d.allowed) {
              s.setCode(d.status);
              s.setMessage(d.reason);
              return;
            }
            b.setNonce(req->getNonce());
            b.setCsId(self->state.cs_id);
          });
        },
        // Data path (issue 3): see cs_actor.hpp.
        [self](msg::client_to_cs_write& m) {
          auto op = op_started(self, cs::io_kind::write, m.payload.size());
          auto r = handle_write(self, m, op);
          op_answered_now(self, op, r);
          return r;
        },
        [self](const msg::client_to_cs_read& m) {
          auto op = op_started(self, cs::io_kind::read, 0);
          auto r = handle_read(self, m);
          op.bytes = r.payload.size();
          op_finished(self, op, answer_ok(r));
          return r;
        },
        [self](const msg::client_to_cs_sync& m) {
          auto op = op_started(self, cs::io_kind::sync, 0);
          auto r = handle_sync(self, m, op);
          op_answered_now(self, op, r);
          return r;
        },
        [self](const msg::mds_to_cs_create_chunk& m) { return handle_create(self, m); },
        [self](const msg::mds_to_cs_set_version& m) { return handle_set_version(self, m); },
        [self](const msg::mds_to_cs_delete_chunk& m) { return handle_delete(self, m); },
        [self](const msg::mds_to_cs_replicate& m) { return handle_replicate(self, m); },
        [self](connect_atom) {
          if (!authorize(self, cs::request_kind::own_timer).allowed) return;
          auto& st = self->state;
          if (st.stopped) return;
          if (st.mds) {
            // Connected but the registration was lost or refused: ask again
            // (found by the simulator, seed 119 registration-churn).
            if (!st.registered) do_register(self);
            return;
          }
          self->request(st.deps.locator, request_timeout, locate_mds_atom::value)
              .then(
                  [self](mds_api& mds) {
                    auto& st = self->state;
                    if (st.mds) return;  // a concurrent connect won
                    st.mds = mds;
                    ++st.session;
                    self->monitor(mds);
                    do_register(self);
                  },
                  [self](caf::error& err) {
                    // Refused as revoked in the TLS handshake: nothing of this
                    // cluster will accept this host again (docs/security.md "Revocation").
                    if (auto by = security::tls_gate::revoked_by_peer(); !by.empty())
                      return fatal(self, "this host's certificate is revoked: " + by +
                                             " refused it (pstorage revoke-node); a host that must come back needs "
                                             "a new host id and auth-node");
                    spdlog::warn("cannot reach the MDS: {}; retrying", self->system().render(err));
                    schedule_connect(self);
                  });
        },
        [self](heartbeat_atom) {
          if (!authorize(self, cs::request_kind::own_timer).allowed) return;
          auto& st = self->state;
          if (!st.mds || st.cs_id == 0) return;
          auto space = space_of(st);
          auto session = st.session;
          auto hb = wire::make<p::CsToMdsHeartbeat>([&](auto b) {
            b.setCsId(st.cs_id);
            b.setTotalBytes(space.total_bytes);
            b.setFreeBytes(space.free_bytes);
            b.setFlags(flags_of(st));
            b.setChunksVerified(st.scrub.verified());
            fill_io_stats(b.initIo(), st.deps.io->read(self->clock().now()).first);
            fill_scrub_progress(b.initScrub(), st.scrub_run.figures(st.scrub.enabled(), steady_ms(self)));
          });
          self->request(st.mds, request_timeout, std::move(hb))
              .then(
                  [self, session](msg::mds_to_cs_heartbeat& m) {
                    auto& st = self->state;
                    if (session != st.session) return;
                    auto a = wire::decode(m);
                    st.heartbeat_failures = 0;
                    if (a && a->getStatus().getCode() == p::STATUS_NOT_MASTER)
                      return find_master(self, std::string("heartbeat: ") + a->getStatus().getMessage().cStr());
                    if (a && a->getStatus().getCode() == p::STATUS_NOT_FOUND) {
                      spdlog::warn("MDS does not know CS#{}; registering again", st.cs_id);
                      st.registered = false;
                      return do_register(self);
                    }
                    // The MDS list, for the locator (a one-MDS cluster has
                    // nothing to teach: the CS reached that one already).
                    if (a && a->getStatus().getCode() == p::STATUS_OK && a->getMdses().size() > 1) {
                      std::string list;
                      for (auto m : a->getMdses()) list += (list.empty() ? "" : ",") + std::string(m.cStr());
                      if (list != st.mds_list) {
                        st.mds_list = list;
                        self->send(st.deps.locator, learn_mds_atom::value, list);
                      }
                    }
                    // The cluster's revoked hosts (docs/security.md "Revocation"):
                    // this process's TLS gate refuses their new handshakes.
                    if (a && a->getStatus().getCode() == p::STATUS_OK) learn_revoked(a->getRevokedHosts());
                    // mds.wd.verify_chunks (guide: "Configuring Data Scrubbing")
                    if (a && a->getStatus().getCode() == p::STATUS_OK &&
                        st.scrub.set_rate(a->getVerifyChunksPerMinute())) {
                      spdlog::info("scrubbing: {} chunks per minute", st.scrub.rate());
                      if (st.started) scrub_arm(self, st.scrub.start(self->clock().now()));
                    }
                    self->delayed_send(self, local_period(st, st.heartbeat), heartbeat_atom::value);
                  },
                  [self, session](caf::error& err) {
                    auto& st = self->state;
                    if (session != st.session) return;
                    spdlog::warn("heartbeat failed: {}", self->system().render(err));
                    if (PSTORAGE_SIM_BUG(cs_stop_heartbeat_on_error)) return;  // simulator-only bug
                    if (++st.heartbeat_failures >= max_heartbeat_failures)
                      return find_master(self, std::to_string(st.heartbeat_failures) +
                                                   " heartbeats in a row got no answer");
                    self->delayed_send(self, local_period(st, st.heartbeat), heartbeat_atom::value);
                  });
        },
    };
  });
}

}  // namespace pstorage
