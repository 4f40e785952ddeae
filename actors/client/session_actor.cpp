// session_actor.cpp — the CAF side of client::session (contract in
// session.hpp). Blocking calls through caf::scoped_actor; all decisions
// (splitting, retry, backoff, sizes) come from the pure files beside it.
#include "actors/client/client_io.hpp"
#include "actors/client/client_io_wire.hpp"
#include "actors/client/session.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "actors/client/chunk_loc.hpp"
#include "actors/client/chunk_range.hpp"
#include "actors/client/dir_cache.hpp"
#include "actors/client/bounded_connect.hpp"
#include "actors/client/retry_policy.hpp"
#include "actors/common/mds_locator_policy.hpp"
#include "actors/common/peer_revocation.hpp"
#include "actors/client/size_tracker.hpp"
#include "actors/client/write_batches.hpp"
#include "actors/client/write_buffer.hpp"
#include "actors/common/node_config.hpp"
#include "actors/cs/cs_api.hpp"
#include "actors/mds/mds_api.hpp"
#include "persistence/host_config.hpp"

namespace pstorage::client {
namespace p = proto;
using clock_type = std::chrono::steady_clock;

namespace {
thread_local std::string tl_error;

int fail(int e, std::string m) {
  tl_error = std::move(m);
  return e;
}

void log_line(const std::string& s) {
  std::time_t t = std::time(nullptr);
  char ts[32];
  std::strftime(ts, sizeof ts, "%F %T", std::localtime(&t));
  std::fprintf(stderr, "%s pstorage-mount: %s\n", ts, s.c_str());
}

constexpr auto mds_timeout = std::chrono::seconds(15);
constexpr auto cs_timeout = std::chrono::seconds(15);
// A chain write/sync: the head waits 5 s per CS after it (cs_actor's
// forward_down), the client one step more, so that a CS dying at the end of
// the chain is reported by its predecessor, never blamed on the head.
inline std::chrono::seconds chain_timeout(size_t replicas) {
  return std::max(cs_timeout, std::chrono::seconds(5 * (replicas + 1)));
}
constexpr auto mds_patience = std::chrono::seconds(30);  // reconnect attempts before EIO
// session::abort(): wakes every request waiting in ask().
using session_abort_atom = caf::atom_constant<caf::atom("sabort")>;
// Write-behind: a file's buffered writes are sent once they reach this size
// (and on fsync/flush/close, before reads, and every second) by the
// background sender while the writer goes on filling the buffer
// (write_buffer.hpp after_buffered_write: the writer waits at twice this
// size and sends itself at four times).
constexpr size_t write_behind_limit = size_t{16} << 20;
// Pushed extents travel as pieces of at most this size, so that a chain's
// CSs work on consecutive pieces at once instead of store-and-forward.
constexpr size_t max_write_piece = size_t{1} << 20;
// Buffered pieces sent down their chains at once when pushing (push_locked):
// at most this many, and no more bytes than the write-behind limit.
constexpr size_t pipeline_window = 1024;
constexpr auto attr_cache_ttl = std::chrono::seconds(1);  // == the mount's attr_timeout

// `asked`: when the request that brought `r` was sent (its validity starts there).
chunk_loc to_loc(p::ChunkLocation::Reader r, clock_type::time_point asked) {
  chunk_loc l;
  const auto valid = r.getValidMs() ? std::chrono::milliseconds(r.getValidMs()) : default_map_validity;
  l.read_until = asked + valid;
  l.chunk_id = r.getChunkId();
  l.index = r.getIndex();
  l.version = r.getVersion();
  for (auto x : r.getReplicas()) l.replicas.push_back({x.getCsId(), x.getAddress().cStr()});
  return l;
}

template <class ListBuilder>
void fill_chain(ListBuilder&& list, const chunk_loc& l) {
  for (size_t i = 1; i < l.replicas.size(); ++i) {
    list[i - 1].setCsId(l.replicas[i].cs_id);
    list[i - 1].setAddress(l.replicas[i].address);
  }
}

file_attr to_attr(p::FileAttr::Reader a) {
  file_attr f;
  f.ino = a.getIno();
  f.is_dir = a.getIsDir();
  f.size = a.getSize();
  f.mode = a.getMode();
  f.atime_ns = a.getAtimeNs();
  f.mtime_ns = a.getMtimeNs();
  f.ctime_ns = a.getCtimeNs();
  f.nlink = a.getNlink();
  auto r = a.getRepl();
  f.repl.replicas = r.getReplicas();
  f.repl.min_replicas = r.getMinReplicas();
  f.repl.tier = r.getTier();
  f.repl.failure_domain = r.getFailureDomain().cStr();
  return f;
}

using fop_answer = wire::decode_result<p::MdsToClientFileOp>;
}  // namespace

// Per-inode state of this mount: sizes, buffered writes and chunks written
// since the last sync. Lock order: io_m, then m.
struct ino_state {
  std::mutex io_m;  // held while buffered writes are sent (sends stay in write order)
  std::mutex m;
  size_tracker size;  // bytes that reached the chunk servers
  write_buffer buf;   // accepted, not yet sent (write_buffer.hpp)
  std::map<uint64_t, bool> dirty;  // chunk index -> sent without a sync since the last sync
  // The MDS's attributes of a file open on this mount, reused by getattr for
  // attr_cache_ttl (as the kernel's attribute cache would be, but not
  // dropped by every write: fstat between a transaction's writes costs no
  // MDS round trip). Refreshed by open/setattr; dropped by namespace
  // changes, size reports and release.
  std::optional<file_attr> attr;
  clock_type::time_point attr_at;
  int opens = 0;
  int write_opens = 0;
};

struct session::impl {
  session_options o;
  client_io_meter io_meter{clock_type::now()};  // sent with every Watch (client_io.hpp)
  node_config cfg;
  bool tls_loaded = o.tls && (cfg.use_tls(o.tls->cert, o.tls->key, o.tls->ca), true);  // before sys is made
  caf::actor_system sys{cfg};

  std::mutex mds_m;
  mds_api mds;
  std::string master_hint;  // the master a follower named last (NOT_MASTER)
  std::vector<endpoint> learned_mds;  // every MDS, as the master's last Watch answer listed them
  std::mutex cs_m;
  std::map<std::string, cs_api> css;

  std::mutex map_m;
  std::map<std::pair<uint64_t, uint64_t>, chunk_loc> maps;
  uint64_t chunk_size = 0;

  std::mutex ino_m;
  std::map<uint64_t, std::shared_ptr<ino_state>> inos;

  // This mount changed the namespace since its last FileOp sync (the MDS
  // fsyncs namespace changes lazily: md_command.hpp durable_at_once).
  std::atomic<bool> namespace_changed{false};
  // Request ids of namespace changes (ClientToMdsFileOp.requestId): unique
  // within this session's client id; a retry resends the same message, so
  // the MDS answers it from the first outcome (never applied twice).
  std::atomic<uint64_t> next_request_id{1};

  std::mutex bg_m;
  std::condition_variable bg_cv;
  // How often background() reports sizes and considers renewing leases:
  // 1 s; PSTORAGE_SIZE_REPORT_INTERVAL_MS shortens it (a test knob that
  // makes a report racing a flush likely, see mounts_consistency.sh).
  std::chrono::milliseconds bg_interval = [] {
    const char* v = std::getenv("PSTORAGE_SIZE_REPORT_INTERVAL_MS");
    long ms = v ? std::strtol(v, nullptr, 10) : 0;
    return std::chrono::milliseconds(ms > 0 && ms < 1000 ? ms : 1000);
  }();
  std::condition_variable push_cv;  // wakes write_behind() early (a buffer is full)
  bool push_now = false;
  bool stopping = false;
  uint32_t lease_ms = 10000;
  std::thread bg;
  std::thread pusher;
  // Cache invalidation (docs/consistency.md): the thread keeping a Watch
  // parked at the master, and what it calls for each inode it is told of.
  std::thread watcher;
  std::atomic<bool> stop_watch{false};
  std::function<void(uint64_t)> on_invalidate;

  // Listings of directories held under the master's directory watch
  // (dir_cache.hpp): absent names answered without the MDS. Dropped on any
  // change of connection or master and on every Watch that fails.
  std::mutex dir_m;
  dir_cache dirs;
  // This mount changed a file (size report, setattr): its attributes kept
  // with a listing are dropped (the master does not invalidate the writer).
  void attr_drop(uint64_t ino) {
    std::lock_guard<std::mutex> g(dir_m);
    dirs.attr_drop(ino);
  }
  // Test knob (tests/integration/mounts_dir_cache.sh): acknowledge the
  // master's directory invalidations without dropping the listing, to show
  // that the test fails without them.
  const bool ignore_dir_invalidations = [] {
    const char* v = std::getenv("PSTORAGE_DEBUG_IGNORE_DIR_INVALIDATIONS");
    return v && *v == '1';
  }();
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
  }
  void reset_dirs() {
    std::lock_guard<std::mutex> g(dir_m);
    dirs.reset();
  }

  explicit impl(session_options opts) : o(std::move(opts)) {}

  // ---- credentials ----
  template <class B>
  void creds(B b) {
    auto c = b.initCredentials();
    c.setCluster(o.cluster);
    c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(o.digest.data()), o.digest.size()));
  }

  // ---- MDS ----
  // The master MDS (mds_locator_policy.hpp): the master a follower named
  // last first, then the bs.list addresses (MDS addresses: the MDS actor
  // listens on PORT+1). One round; call_mds retries within its patience.
  std::optional<mds_api> mds_handle(std::string& err) {
    std::string hint;
    std::vector<endpoint> candidates;
    {
      std::lock_guard<std::mutex> g(mds_m);
      if (mds) return mds;
      hint = master_hint;
      candidates = mds_locate::candidates(o.mds, learned_mds);
    }
    if (candidates.empty()) {
      err = "no MDS address known for cluster '" + o.cluster + "' (bs.list is empty)";
      return std::nullopt;
    }
    mds_locate::master_search search(candidates);
    search.prefer(hint);
    while (auto e = search.next()) {
      auto svc = mds_locate::service_endpoint(*e);
      std::string why;  // each connect bounded (bounded_connect.hpp): call_mds retries within its patience
      auto h = connect_within<mds_api>(sys, svc.host, svc.port, connect_timeout, why);
      if (h) {
        reset_dirs();  // a new connection: the master may not know our watches
        std::lock_guard<std::mutex> g(mds_m);
        mds = *h;
        return *h;
      }
      search.on_failure(*e, why);
      if (*e == mds_locate::parse_master_address(hint)) {  // a master that died: not first any more
        std::lock_guard<std::mutex> g(mds_m);
        if (master_hint == hint) master_hint.clear();
      }
      // A peer refused this host's certificate as revoked (tls_gate): no
      // other MDS will take it either; stop searching (as the MDS locator does).
      if (!security::tls_gate::revoked_by_peer().empty()) break;
    }
    if (auto by = security::tls_gate::revoked_by_peer(); !by.empty()) {
      err = "this host's certificate is revoked: " + by +
            " refused it (pstorage revoke-node); every request fails with EIO; if that was a mistake, run auth-node"
            " on this host again and mount again";
      static std::atomic<bool> said{false};
      if (!said.exchange(true)) log_line(err);
    } else
      err = "cannot reach any MDS of cluster '" + o.cluster + "':" + search.report();
    return std::nullopt;
  }

  // A follower answered: the next attempt goes to the master it names (or,
  // with no master elected yet, to the MDSs of bs.list in turn).
  void follow_master(const std::string& master) {
    {
      std::lock_guard<std::mutex> g(mds_m);
      mds = mds_api{};
      master_hint = master;
    }
    reset_dirs();  // another master knows none of our directory watches
  }

  void drop_mds() {
    {
      std::lock_guard<std::mutex> g(mds_m);
      mds = mds_api{};
    }
    reset_dirs();  // the master may have forgotten this mount with its connection
  }

  // ---- unmount: session::abort() ends every wait at once ----
  std::atomic<bool> aborting{false};
  std::mutex abort_m;
  std::condition_variable abort_cv;
  std::set<caf::actor> asking;  // the scoped actors waiting inside ask()
  static constexpr const char* aborted_text = "the mount is being unmounted";

  // Waits `d` (a backoff); false, at once, when the session is aborted.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lk(abort_m);
    return !abort_cv.wait_for(lk, d, [this] { return aborting.load(); });
  }
  int aborted() { return fail(ENOTCONN, aborted_text); }

  void abort_all() {
    std::set<caf::actor> waiting;
    {
      std::lock_guard<std::mutex> g(abort_m);
      aborting = true;
      waiting = asking;
    }
    abort_cv.notify_all();
    for (auto& a : waiting) caf::anon_send(a, session_abort_atom::value);
  }

  // One request to a remote actor `h`; waits for its answer, for `timeout`, or
  // until `h` is known to be gone — whichever comes first (or the session is
  // aborted). A blocking
  // request().receive() of CAF 0.17 ignores down messages, so a peer killed
  // with -9 would cost the whole timeout; here the request is a plain send
  // (the answer comes back as an ordinary message) and a monitor's down
  // message (sent when the connection to the peer is lost) ends the wait.
  // Returns false when no answer came (err says why).
  template <class Answer, class Handle, class Req, class OnAnswer>
  bool ask(const Handle& h, caf::timespan timeout, Req req, OnAnswer&& on_answer, std::string& err) {
    caf::scoped_actor self{sys};
    const auto me = caf::actor_cast<caf::actor>(self.ptr());
    {
      std::lock_guard<std::mutex> g(abort_m);
      if (aborting) {
        err = aborted_text;
        return false;
      }
      asking.insert(me);
    }
    self->monitor(h);
    self->send(h, std::move(req));
    bool ok = false;
    self->receive(
        [&](Answer& a) {
          ok = true;
          on_answer(a);
        },
        [&](caf::down_msg& dm) { err = "connection lost (" + sys.render(dm.reason) + ")"; },
        [&](caf::error& e) { err = sys.render(e); },
        [&](session_abort_atom) { err = aborted_text; },
        caf::after(timeout) >> [&] {
          err = "no answer within " +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) + " ms";
        });
    {
      std::lock_guard<std::mutex> g(abort_m);
      asking.erase(me);
    }
    self->demonitor(h.address());
    return ok;
  }

  // One request to the master MDS; reconnects (with backoff) for up to
  // mds_patience when `patient`. A follower's NOT_MASTER answer is never
  // returned: the request goes to the master it names, at once, or after a
  // backoff while no master is elected yet (a failover stays invisible to
  // the application within mds_patience; non-patient calls get one
  // redirection). Returns nullopt (err says why) when out of patience.
  template <class Answer, class Req>
  std::optional<Answer> call_mds(const Req& req, std::string& err, bool patient = true) {
    auto deadline = clock_type::now() + mds_patience;
    unsigned redirects = 0;
    for (unsigned attempt = 0;; ++attempt) {
      if (auto h = mds_handle(err)) {
        std::optional<Answer> out;
        if (ask<Answer>(*h, mds_timeout, req, [&](Answer& a) { out = std::move(a); }, err)) {
          auto d = wire::decode(*out);
          if (!d || d->getStatus().getCode() != p::STATUS_NOT_MASTER) return out;
          std::string master = d->getStatus().getMasterAddress().cStr();
          err = std::string("the MDS is not the master: ") + d->getStatus().getMessage().cStr();
          follow_master(master);
          // Straight to a named master (bounded); otherwise back off below.
          if (!master.empty() && ++redirects <= 8) continue;
        } else {
          drop_mds();
        }
      }
      if (aborting) err = aborted_text;
      // Revoked (mds_handle's err says so): no MDS will take this host again.
      if (!security::tls_gate::revoked_by_peer().empty()) return std::nullopt;
      if (aborting || !patient || clock_type::now() + backoff_delay(attempt) > deadline) return std::nullopt;
      if (!pause(backoff_delay(attempt))) {
        err = aborted_text;
        return std::nullopt;
      }
    }
  }

  template <class Fill>
  int file_op(Fill&& fill, fop_answer* out = nullptr, bool patient = true) {
    auto req = wire::make<p::ClientToMdsFileOp>([&](p::ClientToMdsFileOp::Builder b) {
      creds(b);
      b.setClientId(o.client_id);
      fill(b);
      using W = p::ClientToMdsFileOp::Op::Which;
      switch (b.getOp().which()) {
        case W::MKDIR: case W::CREATE: case W::UNLINK: case W::RMDIR: case W::RENAME: case W::SETATTR:
          namespace_changed = true;  // before sending: it may commit even if the answer is lost
          b.setRequestId(next_request_id++);
          break;
        case W::SET_REPL: case W::RELEASE:
          b.setRequestId(next_request_id++);
          break;
        default:
          break;
      }
    });
    std::string err;
    auto a = call_mds<msg::mds_to_client_file_op>(req, err, patient);
    if (!a) return fail(EIO, err);
    auto d = wire::decode(*a);
    if (!d) return fail(EIO, d.error);
    auto st = d->getStatus();
    if (st.getCode() != p::STATUS_OK)
      return fail(status_errno(st.getCode(), st.getPosixError()), st.getMessage().cStr());
    if (out) *out = std::move(d);
    return 0;
  }

  // ---- CS handles ----
  std::optional<cs_api> cs_handle(const std::string& addr, std::string& err) {
    {
      std::lock_guard<std::mutex> g(cs_m);
      auto it = css.find(addr);
      if (it != css.end()) return it->second;
    }
    auto ep = parse_endpoint(addr, &err);
    if (!ep) return std::nullopt;
    if (!ep->port) {
      err = "CS address '" + addr + "' has no port";
      return std::nullopt;
    }
    std::string why;
    auto h = connect_within<cs_api>(sys, ep->host, ep->port, connect_timeout, why);
    if (!h) {
      err = "cannot connect to CS at " + addr + ": " + why;
      return std::nullopt;
    }
    std::lock_guard<std::mutex> g(cs_m);
    css[addr] = *h;
    return *h;
  }

  void drop_cs(const std::string& addr) {
    std::lock_guard<std::mutex> g(cs_m);
    css.erase(addr);
  }

  // The local half of an open (after the MDS's answer): lease period, open
  // count, size and attribute caches, close-to-open map invalidation.
  int opened(const fop_answer& a, bool write, file_attr& out) {
    out = to_attr(a->getAttr());
    if (write && a->getLeaseMs()) {
      std::lock_guard<std::mutex> g(bg_m);
      lease_ms = a->getLeaseMs();
    }
    auto st = state(out.ino);
    bool first;
    {
      std::lock_guard<std::mutex> g(st->m);
      first = st->opens == 0;
      st->opens++;
      io_meter.opened(clock_type::now());
      if (write) st->write_opens++;
      st->size.seen(out.size);
      st->attr = out;
      st->attr_at = clock_type::now();
      out.size = std::max(st->size.visible(out.size), st->buf.end());
    }
    if (first) uncache_file(out.ino);  // close-to-open: maps may have changed elsewhere
    return 0;
  }

  // ---- chunk map cache ----
  std::optional<chunk_loc> cached(uint64_t ino, uint64_t index) {
    std::lock_guard<std::mutex> g(map_m);
    auto it = maps.find({ino, index});
    if (it == maps.end()) return std::nullopt;
    return it->second;
  }
  void cache(uint64_t ino, const chunk_loc& l) {
    std::lock_guard<std::mutex> g(map_m);
    maps[{ino, l.index}] = l;
  }
  void uncache(uint64_t ino, uint64_t index) {
    std::lock_guard<std::mutex> g(map_m);
    maps.erase({ino, index});
  }
  void uncache_file(uint64_t ino) {
    std::lock_guard<std::mutex> g(map_m);
    maps.erase(maps.lower_bound({ino, 0}), maps.lower_bound({ino + 1, 0}));
  }

  // Asks the MDS for chunk `index` of `ino`. out = nullopt: a hole (reads
  // only). Writes wait while the MDS answers unavailable/no space.
  int fetch_map(uint64_t ino, uint64_t index, bool for_write, std::optional<chunk_loc>& out) {
    auto req = wire::make<p::ClientToMdsChunkMap>([&](p::ClientToMdsChunkMap::Builder b) {
      creds(b);
      b.setClientId(o.client_id);
      b.setIno(ino);
      b.setFirstIndex(index);
      b.setCount(1);
      b.setForWrite(for_write);
    });
    auto read_deadline = clock_type::now() + mds_patience;
    bool logged = false;
    for (unsigned attempt = 0;; ++attempt) {
      std::string err;
      const auto asked = clock_type::now();
      auto a = call_mds<msg::mds_to_client_chunk_map>(req, err);
      if (!a) return fail(EIO, err);
      auto d = wire::decode(*a);
      if (!d) return fail(EIO, d.error);
      auto st = d->getStatus();
      auto dec = on_map_answer(st.getCode(), st.getPosixError(), o.fail_on_nospace);
      if (dec.what == action::done) {
        {
          std::lock_guard<std::mutex> g(map_m);
          chunk_size = d->getChunkSize();
        }
        out.reset();
        for (auto c : d->getChunks()) {
          auto l = to_loc(c, asked);
          l.writable = for_write;
          if (auto prev = cached(ino, l.index); !for_write && prev && prev->version == l.version) l.writable = prev->writable;
          cache(ino, l);
          if (l.index == index) out = l;
        }
        if (logged) log_line("chunk map of inode " + std::to_string(ino) + " available again");
        return 0;
      }
      if (dec.what == action::fail) return fail(dec.error, st.getMessage().cStr());
      // wait_retry / refresh_map: writes block (guide: below MIN writes are
      // suspended); reads give up after mds_patience.
      if (!for_write && clock_type::now() > read_deadline) return fail(EIO, st.getMessage().cStr());
      if (!logged) {
        log_line(std::string(for_write ? "write" : "read") + " of inode " + std::to_string(ino) + " chunk " +
                 std::to_string(index) + " waiting: " + st.getMessage().cStr());
        logged = true;
      }
      if (!pause(backoff_delay(attempt))) return aborted();
    }
  }

  uint64_t get_chunk_size() {
    std::lock_guard<std::mutex> g(map_m);
    return chunk_size;
  }

  int ensure_chunk_size(uint64_t ino) {
    if (get_chunk_size()) return 0;
    std::optional<chunk_loc> l;
    if (int e = fetch_map(ino, 0, false, l)) return e;
    if (!get_chunk_size()) return fail(EIO, "the MDS reported chunk size 0");
    return 0;
  }

  // Reports failed replicas; `loc` becomes the MDS's new location, or nullopt
  // when the caller must ask for the map again (after waiting when below MIN).
  int report_failure(const chunk_loc& old, const std::vector<uint32_t>& failed, bool checksum, uint64_t ino,
                     std::optional<chunk_loc>& loc, unsigned& waits) {
    auto req = wire::make<p::ClientToMdsReplicaFailed>([&](p::ClientToMdsReplicaFailed::Builder b) {
      creds(b);
      b.setClientId(o.client_id);
      b.setChunkId(old.chunk_id);
      b.setVersion(old.version);
      auto l = b.initFailedCsIds(failed.size());
      for (size_t i = 0; i < failed.size(); ++i) l.set(i, failed[i]);
      b.setChecksumError(checksum);
    });
    std::string err;
    const auto asked = clock_type::now();
    auto a = call_mds<msg::mds_to_client_replica_failed>(req, err);
    if (!a) return fail(EIO, err);
    auto d = wire::decode(*a);
    if (!d) return fail(EIO, d.error);
    auto st = d->getStatus();
    std::string who;
    for (auto f : failed) who += " CS#" + std::to_string(f);
    auto dec = on_map_answer(st.getCode(), st.getPosixError(), false);
    uncache(ino, old.index);
    loc.reset();
    switch (dec.what) {
      case action::done:
        loc = to_loc(d->getChunk(), asked);
        loc->index = old.index;
        loc->writable = !checksum;
        cache(ino, *loc);
        log_line("chunk " + std::to_string(old.chunk_id) + ": reported" + who + (checksum ? " (checksum)" : "") +
                 ", now version " + std::to_string(loc->version) + " on " + std::to_string(loc->replicas.size()) +
                 " replicas");
        return 0;
      case action::fail:
        return fail(dec.error, st.getMessage().cStr());
      default:
        log_line("chunk " + std::to_string(old.chunk_id) + ": reported" + who + "; waiting: " +
                 st.getMessage().cStr());
        if (!pause(backoff_delay(waits++))) return aborted();
        return 0;
    }
  }

  // A write or sync down the chain of chunk `index`, with failure handling.
  // send(handle, loc, code, failed_cs) returns false on a transport error.
  template <class Send>
  int chain_op(uint64_t ino, uint64_t index, bool for_write, Send&& send) {
    std::optional<chunk_loc> loc = cached(ino, index);
    if (loc && for_write && !loc->writable) loc.reset();  // read maps never carry writes
    unsigned stale = 0, waits = 0;
    for (;;) {
      if (!loc) {
        if (int e = fetch_map(ino, index, for_write, loc)) return e;
        if (!loc) {
          if (!for_write) return 0;  // sync of a chunk that no longer exists
          return fail(EIO, "the MDS did not allocate chunk " + std::to_string(index) + " of inode " +
                               std::to_string(ino));
        }
      }
      if (loc->replicas.empty()) {
        uncache(ino, index);
        loc.reset();
        if (!pause(backoff_delay(waits++))) return aborted();
        continue;
      }
      const auto& first = loc->replicas[0];
      std::string err;
      uint32_t code = 0, failed_cs = 0;
      bool transport = true;
      if (auto h = cs_handle(first.address, err)) transport = !send(*h, *loc, code, failed_cs, err);
      if (transport) drop_cs(first.address);
      auto dec = on_chain_answer(transport, code, failed_cs, first.cs_id);
      switch (dec.what) {
        case action::done:
          return 0;
        case action::refresh_map:
          uncache(ino, index);
          loc.reset();
          if (++stale > max_stale_refreshes) return fail(EIO, "chunk map stays stale: " + err);
          continue;
        case action::report_failure: {
          if (!err.empty()) log_line("chunk " + std::to_string(loc->chunk_id) + ": " + err);
          chunk_loc old = *loc;
          if (int e = report_failure(old, {dec.failed_cs}, false, ino, loc, waits)) return e;
          continue;
        }
        case action::wait_retry:
          uncache(ino, index);
          loc.reset();
          if (!pause(backoff_delay(waits++))) return aborted();
          continue;
        default:
          return fail(dec.error ? dec.error : EIO, err);
      }
    }
  }

  // sync: every replica also fsyncs the chunk before answering (one round
  // trip for the last write before an fsync).
  int write_piece(uint64_t ino, const chunk_piece& pc, const char* data, bool sync) {
    return chain_op(ino, pc.index, true,
                    [&](cs_api h, const chunk_loc& l, uint32_t& code, uint32_t& failed, std::string& err) {
                      auto req = wire::make<p::ClientToCsWrite>(
                          [&](p::ClientToCsWrite::Builder b) {
                            b.setChunkId(l.chunk_id);
                            b.setVersion(l.version);
                            b.setOffset(pc.offset);
                            fill_chain(b.initChain(l.replicas.size() - 1), l);
                            b.setSync(sync);
                          },
                          std::vector<char>(data, data + pc.length));
                      return send_chain<msg::cs_to_client_write>(h, l, std::move(req), code, failed, err);
                    });
  }

  // Sends a chain request (write or sync) to the chain's head and decodes the
  // answer: false when no answer came; else code/failed/err are filled.
  template <class Answer, class Request>
  bool send_chain(cs_api h, const chunk_loc& l, Request req, uint32_t& code, uint32_t& failed, std::string& err) {
    bool ok = false;
    ask<Answer>(
        h, chain_timeout(l.replicas.size()), std::move(req),
        [&](Answer& a) {
          auto d = wire::decode(a);
          if (!d) {
            err = d.error;
            return;
          }
          ok = true;
          code = d->getStatus().getCode();
          failed = d->getFailedCsId();
          if (code) err = d->getStatus().getMessage().cStr();
        },
        err);
    return ok;
  }

  int sync_chunk(uint64_t ino, uint64_t index) {
    return chain_op(ino, index, false,
                    [&](cs_api h, const chunk_loc& l, uint32_t& code, uint32_t& failed, std::string& err) {
                      auto req = wire::make<p::ClientToCsSync>([&](p::ClientToCsSync::Builder b) {
                        b.setChunkId(l.chunk_id);
                        b.setVersion(l.version);
                        fill_chain(b.initChain(l.replicas.size() - 1), l);
                      });
                      return send_chain<msg::cs_to_client_sync>(h, l, std::move(req), code, failed, err);
                    });
  }

  int read_piece(uint64_t ino, const chunk_piece& pc, char* dst) {
    std::optional<chunk_loc> loc = cached(ino, pc.index);
    // Past its validity a location may list a replica the MDS has since left
    // out of a version round (actors/mds/map_leases.hpp): ask again.
    if (loc && clock_type::now() >= loc->read_until) loc.reset();
    unsigned stale = 0, sweeps = 0, waits = 0;
    for (;;) {
      if (!loc) {
        if (int e = fetch_map(ino, pc.index, false, loc)) return e;
        if (!loc) {  // a hole reads as zeros
          std::memset(dst, 0, pc.length);
          return 0;
        }
      }
      std::vector<uint32_t> bad_checksum;
      bool refresh = false, done = false;
      std::string last_err;
      for (const auto& r : loc->replicas) {
        std::string err;
        uint32_t code = 0;
        bool transport = true;
        if (auto h = cs_handle(r.address, err)) {
          auto req = wire::make<p::ClientToCsRead>([&](p::ClientToCsRead::Builder b) {
            b.setChunkId(loc->chunk_id);
            b.setVersion(loc->version);
            b.setOffset(pc.offset);
            b.setLength(static_cast<uint32_t>(pc.length));
          });
          ask<msg::cs_to_client_read>(
              *h, cs_timeout, std::move(req),
                  [&](msg::cs_to_client_read& a) {
                    auto d = wire::decode(a);
                    if (!d) {
                      err = d.error;
                      return;
                    }
                    code = d->getStatus().getCode();
                    if (code) {
                      transport = false;
                      err = d->getStatus().getMessage().cStr();
                      return;
                    }
                    if (a.payload.size() != pc.length) {
                      transport = false;
                      code = p::STATUS_IO_ERROR;
                      err = "CS#" + std::to_string(r.cs_id) + " returned " + std::to_string(a.payload.size()) +
                            " bytes instead of " + std::to_string(pc.length);
                      return;
                    }
                    std::memcpy(dst, a.payload.data(), pc.length);
                    transport = false;
                  },
              err);
        }
        if (transport) drop_cs(r.address);
        auto dec = on_read_answer(transport, code);
        if (dec.what == action::done) {
          done = true;
          break;
        }
        last_err = "CS#" + std::to_string(r.cs_id) + ": " + err;
        if (dec.what == action::refresh_map) {
          refresh = true;
          break;
        }
        if (dec.checksum) bad_checksum.push_back(r.cs_id);
      }
      if (!bad_checksum.empty()) {
        chunk_loc old = *loc;
        std::optional<chunk_loc> fresh;
        log_line("chunk " + std::to_string(old.chunk_id) + ": checksum error on read, " + last_err);
        if (int e = report_failure(old, bad_checksum, true, ino, fresh, waits); e && !done) return e;
      }
      if (done) return 0;
      uncache(ino, pc.index);
      loc.reset();
      if (refresh) {
        if (++stale > max_stale_refreshes) return fail(EIO, "chunk map stays stale: " + last_err);
        continue;
      }
      if (++sweeps >= max_read_sweeps) return fail(EIO, "no replica could be read: " + last_err);
      if (!pause(backoff_delay(sweeps))) return aborted();
    }
  }

  // ---- attribute cache (ino_state::attr) ----
  void remember_attr(const file_attr& a) {
    if (auto st = state(a.ino, false)) {
      std::lock_guard<std::mutex> g(st->m);
      st->attr = a;
      st->attr_at = clock_type::now();
    }
  }
  void forget_attrs() {
    std::lock_guard<std::mutex> g(ino_m);
    for (auto& [ino, st] : inos) {
      std::lock_guard<std::mutex> g2(st->m);
      st->attr.reset();
    }
  }

  // ---- per-inode state ----
  std::shared_ptr<ino_state> state(uint64_t ino, bool create = true) {
    std::lock_guard<std::mutex> g(ino_m);
    auto it = inos.find(ino);
    if (it != inos.end()) return it->second;
    if (!create) return nullptr;
    auto s = std::make_shared<ino_state>();
    inos[ino] = s;
    return s;
  }

  // force: data was written and synced, the size may be unchanged; the
  // report still goes (the MDS updates mtime and has other mounts drop their
  // cached pages of the file before it answers: docs/consistency.md).
  int report_size(uint64_t ino, ino_state& st, bool force = false) {
    std::optional<uint64_t> sz;
    {
      std::lock_guard<std::mutex> g(st.m);
      sz = st.size.to_report();
      if (!sz && force) sz = st.size.local();
    }
    if (!sz) return 0;
    int e = file_op([&](p::ClientToMdsFileOp::Builder b) {
      auto s = b.getOp().initSetSize();
      s.setIno(ino);
      s.setSize(*sz);
    });
    attr_drop(ino);  // size and mtime changed at the MDS (or may have: a failed report)
    if (e) return e;
    std::lock_guard<std::mutex> g(st.m);
    st.size.reported(*sz);
    st.attr.reset();  // size and mtime changed at the MDS
    return 0;
  }

  // Sends the buffered writes of `ino` down their chains, in write order.
  // sync: the last piece sent to each chunk asks every replica to fsync it,
  // and that chunk leaves `dirty`. The caller holds st.io_m. On failure the
  // extents not known to be sent go back to the buffer (resending is
  // harmless), so a later flush or the background retries them.
  int push_locked(uint64_t ino, ino_state& st, bool sync) {
    std::vector<write_extent> ex;
    {
      std::lock_guard<std::mutex> g(st.m);
      ex = st.buf.take();
    }
    if (ex.empty()) return 0;
    auto give_back = [&](size_t from) {
      std::vector<write_extent> rest(std::make_move_iterator(ex.begin() + static_cast<std::ptrdiff_t>(from)),
                                     std::make_move_iterator(ex.end()));
      std::lock_guard<std::mutex> g(st.m);
      st.buf.restore(std::move(rest));
    };
    if (int e = ensure_chunk_size(ino)) {
      give_back(0);
      return e;
    }
    struct job {
      size_t extent;
      chunk_piece pc;
      bool sync = false;
    };
    std::vector<job> jobs;
    for (size_t i = 0; i < ex.size(); ++i)
      for (const auto& pc : split_range(ex[i].offset, ex[i].data.size(), get_chunk_size(), max_write_piece))
        jobs.push_back({i, pc});
    if (sync) {
      std::map<uint64_t, size_t> last;
      for (size_t j = 0; j < jobs.size(); ++j) last[jobs[j].pc.index] = j;
      for (auto& [index, j] : last) jobs[j].sync = true;
    }
    auto sent = [&](const job& jb) {
      std::lock_guard<std::mutex> g(st.m);
      if (jb.sync)
        st.dirty.erase(jb.pc.index);
      else
        st.dirty[jb.pc.index] = true;
      st.size.wrote(ex[jb.extent].offset + jb.pc.buf_offset + jb.pc.length);
    };
    // Windows of pieces go out together (pipelined): each chain's CSs take
    // them in send order (one sender, FIFO per link), so the file ends as the
    // writes left it. If any answer in a window is not OK, the whole window is
    // sent again one piece at a time with full failure handling; sending a
    // piece again, in order, is harmless.
    for (size_t from = 0; from < jobs.size();) {
      size_t n = 0, bytes = 0;
      while (from + n < jobs.size() && n < pipeline_window &&
             (n == 0 || bytes + jobs[from + n].pc.length <= write_behind_limit))
        bytes += jobs[from + n++].pc.length;
      std::vector<piece_ref> window;
      for (size_t j = from; j < from + n; ++j)
        window.push_back({jobs[j].pc, ex[jobs[j].extent].data.data() + jobs[j].pc.buf_offset, jobs[j].sync});
      if (n == 1 || !write_window(ino, window)) {
        for (size_t j = from; j < from + n; ++j) {
          const auto& jb = jobs[j];
          if (int e = write_piece(ino, jb.pc, ex[jb.extent].data.data() + jb.pc.buf_offset, jb.sync)) {
            give_back(jb.extent);
            return e;
          }
          sent(jb);
        }
      } else {
        for (size_t j = from; j < from + n; ++j) sent(jobs[j]);
      }
      from += n;
    }
    return 0;
  }

  struct piece_ref {
    chunk_piece pc;
    const char* data;
    bool sync;
  };
  // Sends every piece down its chain at once (locations: cached writable
  // maps only), a chunk's pieces batched into messages of at most
  // max_write_piece bytes (write_batches.hpp), and waits for all answers.
  // True only when every piece was acknowledged by its whole chain; false
  // tells the caller to resend the window piece by piece (which handles
  // failures, maps and versions).
  bool write_window(uint64_t ino, const std::vector<piece_ref>& window) {
    caf::scoped_actor self{sys};
    std::set<caf::actor_addr> watched;
    size_t expected = 0;
    caf::timespan timeout{};
    std::vector<piece_extent> shape;
    for (const auto& w : window) shape.push_back({w.pc.index, w.pc.length});
    const auto batches = batch_pieces(shape, max_write_piece);
    for (const auto& bt : batches) {
      auto loc = cached(ino, bt.chunk_index);
      if (!loc || !loc->writable || loc->replicas.empty()) break;
      std::string err;
      auto h = cs_handle(loc->replicas[0].address, err);
      if (!h) break;
      if (watched.insert(h->address()).second) self->monitor(*h);
      timeout = std::max<caf::timespan>(timeout, chain_timeout(loc->replicas.size()));
      std::vector<char> payload;
      payload.reserve(bt.bytes);
      bool sync = false;
      for (size_t i : bt.pieces) {
        payload.insert(payload.end(), window[i].data, window[i].data + window[i].pc.length);
        sync = sync || window[i].sync;
      }
      self->send(*h, wire::make<p::ClientToCsWrite>(
                         [&](p::ClientToCsWrite::Builder b) {
                           b.setChunkId(loc->chunk_id);
                           b.setVersion(loc->version);
                           const auto& first = window[bt.pieces[0]].pc;
                           b.setOffset(first.offset);
                           if (bt.pieces.size() > 1) {
                             auto ex = b.initExtents(static_cast<unsigned>(bt.pieces.size()));
                             for (unsigned k = 0; k < bt.pieces.size(); ++k) {
                               ex[k].setOffset(window[bt.pieces[k]].pc.offset);
                               ex[k].setLength(static_cast<uint32_t>(window[bt.pieces[k]].pc.length));
                             }
                           }
                           fill_chain(b.initChain(loc->replicas.size() - 1), *loc);
                           b.setSync(sync);
                         },
                         std::move(payload)));
      ++expected;
    }
    bool all_ok = expected == batches.size();
    for (size_t got = 0; got < expected;) {
      bool stop = false;
      self->receive(
          [&](msg::cs_to_client_write& a) {
            ++got;
            auto d = wire::decode(a);
            if (!d || d->getStatus().getCode() != p::STATUS_OK) all_ok = false;
          },
          [&](caf::down_msg&) {
            all_ok = false;
            stop = true;
          },
          [&](caf::error&) {
            all_ok = false;
            stop = true;
          },
          caf::after(timeout) >> [&] {
            all_ok = false;
            stop = true;
          });
      if (stop) break;
    }
    for (auto& a : watched) self->demonitor(a);
    return all_ok;
  }

  // Sends the buffered writes of `ino` without syncing (before a read, when
  // the buffer is full, from the background).
  int push(uint64_t ino, ino_state& st) {
    std::lock_guard<std::mutex> io(st.io_m);
    return push_locked(ino, st, false);
  }

  int flush(uint64_t ino) {
    auto st = state(ino, false);
    if (!st) return 0;
    std::lock_guard<std::mutex> io(st->io_m);
    bool wrote;
    {
      std::lock_guard<std::mutex> g(st->m);
      wrote = !st->buf.empty() || !st->dirty.empty();
    }
    if (int e = push_locked(ino, *st, true)) return e;
    std::map<uint64_t, bool> dirty;
    {
      std::lock_guard<std::mutex> g(st->m);
      dirty.swap(st->dirty);
    }
    for (auto it = dirty.begin(); it != dirty.end(); ++it) {
      if (int e = sync_chunk(ino, it->first)) {
        std::lock_guard<std::mutex> g(st->m);
        st->dirty.insert(it, dirty.end());
        return e;
      }
    }
    return report_size(ino, *st, wrote);
  }

  // Inodes with buffered writes.
  std::vector<std::pair<uint64_t, std::shared_ptr<ino_state>>> buffered() {
    std::vector<std::pair<uint64_t, std::shared_ptr<ino_state>>> out;
    std::lock_guard<std::mutex> g(ino_m);
    for (auto& [ino, st] : inos) {
      std::lock_guard<std::mutex> g2(st->m);
      if (!st->buf.empty()) out.emplace_back(ino, st);
    }
    return out;
  }

  // ---- cache invalidation: one Watch parked at the master ----
  // Answered with inodes another client changed while this mount has them
  // open: their cached attributes (here and, through on_invalidate, the
  // kernel's) and pages are dropped, then the next Watch acknowledges them
  // (the writer's answer waits for that, at most the attribute timeout).
  void watch_loop() {
    caf::scoped_actor self{sys};
    uint64_t acked = 0;
    auto nap = [&](std::chrono::milliseconds d) {
      for (auto t = std::chrono::milliseconds(0); t < d && !stop_watch && !aborting; t += std::chrono::milliseconds(100))
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    };
    while (!stop_watch && !aborting) {
      std::string err;
      auto h = mds_handle(err);
      if (!h) {
        nap(std::chrono::milliseconds(1000));
        continue;
      }
      const int64_t sent_at = now_ns();
      self->send(*h, wire::make<p::ClientToMdsWatch>([&](p::ClientToMdsWatch::Builder b) {
        creds(b);
        b.setClientId(o.client_id);
        b.setAckedSeq(acked);
        fill_client_io(b.initIo(), io_meter.figures(clock_type::now()), o.client_id);
      }));
      // The master holds a Watch 5 s; 15 s of silence: the connection is gone.
      const auto deadline = clock_type::now() + std::chrono::seconds(15);
      std::optional<msg::mds_to_client_watch> answer;
      while (!answer && !stop_watch && !aborting && clock_type::now() < deadline)
        self->receive([&](msg::mds_to_client_watch& a) { answer = std::move(a); },
                      caf::after(std::chrono::milliseconds(200)) >> [] {});
      if (stop_watch || aborting) break;
      if (!answer) {
        drop_mds();
        continue;
      }
      auto d = wire::decode(*answer);
      if (!d || d->getStatus().getCode() != p::STATUS_OK) reset_dirs();
      if (!d) {
        nap(std::chrono::milliseconds(1000));
        continue;
      }
      auto code = d->getStatus().getCode();
      if (code == p::STATUS_NOT_MASTER) {
        follow_master(d->getStatus().getMasterAddress().cStr());
        acked = 0;  // a new master numbers afresh
        nap(std::chrono::milliseconds(200));
        continue;
      }
      if (code != p::STATUS_OK) {
        log_line(std::string("cache invalidation watch refused: ") + d->getStatus().getMessage().cStr());
        nap(std::chrono::milliseconds(1000));
        continue;
      }
      for (auto ino : d->getInos()) {
        if (auto st = state(ino, false)) {
          std::lock_guard<std::mutex> g(st->m);
          st->attr.reset();
        }
        if (!ignore_dir_invalidations) {  // a directory's inode: its listing goes; a file's: its kept attributes
          std::lock_guard<std::mutex> g(dir_m);
          dirs.invalidated(ino);
        }
        if (on_invalidate) on_invalidate(ino);
      }
      {
        std::lock_guard<std::mutex> g(dir_m);
        dirs.watch_answered(sent_at, now_ns());
      }
      acked = std::max(acked, d->getSeq());
      learn_mds_list(d->getMdses());
      {  // the cluster's revoked hosts (docs/security.md "Revocation"): this mount's TLS gate
        std::set<std::string> ids;
        for (auto h : d->getRevokedHosts()) ids.insert(h.cStr());
        if (auto line = security::install_revocation_list(ids)) log_line(*line);
        for (auto& r : security::tls_gate::take_refusals()) log_line(security::tls_gate::refusal_line(r));
      }
    }
  }

  // The MDS list of a Watch answer replaces the learned one (logged when it
  // changes); an empty list (an older master) changes nothing.
  template <class List>
  void learn_mds_list(List l) {
    std::vector<endpoint> got;
    for (auto a : l)
      if (auto e = parse_endpoint(a.cStr())) got.push_back(*e);
    if (got.empty()) return;
    std::lock_guard<std::mutex> g(mds_m);
    if (got == learned_mds) return;
    learned_mds = got;
    std::string text;
    for (auto& e : got) text += (text.empty() ? "" : ", ") + e.to_string();
    log_line("MDS list of cluster '" + o.cluster + "' from the master: " + text);
  }

  // ---- background: buffered writes out every second ----
  // Its own thread: a push may block for long (below MIN writes wait), which
  // must not stall lease renewal. A file busy with a flush is skipped.
  void write_behind() {
    std::unique_lock<std::mutex> lk(bg_m);
    while (!stopping) {
      push_cv.wait_for(lk, std::chrono::seconds(1), [this] { return push_now || stopping; });
      push_now = false;
      if (stopping) break;
      lk.unlock();
      for (auto& [ino, st] : buffered()) {
        std::unique_lock<std::mutex> io(st->io_m, std::try_to_lock);
        if (!io.owns_lock()) continue;
        if (push_locked(ino, *st, false))
          log_line("sending buffered writes of inode " + std::to_string(ino) + ": " + tl_error);
      }
      lk.lock();
    }
  }

  // ---- background: lease renewal and periodic size reports ----
  void background() {
    auto last_renew = clock_type::now();
    std::unique_lock<std::mutex> lk(bg_m);
    while (!stopping) {
      bg_cv.wait_for(lk, bg_interval);
      if (stopping) break;
      uint32_t lease = lease_ms;
      lk.unlock();
      std::vector<std::pair<uint64_t, std::shared_ptr<ino_state>>> all;
      {
        std::lock_guard<std::mutex> g(ino_m);
        all.assign(inos.begin(), inos.end());
      }
      std::vector<uint64_t> held;    // open for write here: named in the renewal (re-claims after a master change)
      std::vector<uint64_t> opened;  // open at all here: open again on a new master (orphans we still read)
      for (auto& [ino, st] : all) {
        {
          std::lock_guard<std::mutex> g(st->m);
          if (st->write_opens > 0) held.push_back(ino);
          if (st->opens > 0) opened.push_back(ino);
        }
        // Never beside a flush (it holds io_m until its own report is
        // answered): a second report of the size a flush reports makes the
        // master invalidate the other mounts again after the flush's answer,
        // and a kernel GETATTR crossing that invalidation is dropped, so a
        // read on another mount that began after the fsync returned saw the
        // old size (mounts_consistency.sh). The flush reports it anyway.
        std::unique_lock<std::mutex> io(st->io_m, std::try_to_lock);
        if (!io.owns_lock()) continue;
        if (report_size(ino, *st)) log_line("size report for inode " + std::to_string(ino) + ": " + tl_error);
      }
      if (!opened.empty() && clock_type::now() - last_renew >= std::chrono::milliseconds(lease / 3)) {
        auto req = wire::make<p::ClientToMdsRenewLease>([&](p::ClientToMdsRenewLease::Builder b) {
          creds(b);
          b.setClientId(o.client_id);
          auto l = b.initHeld(static_cast<unsigned>(held.size()));
          for (unsigned i = 0; i < held.size(); ++i) l.set(i, held[i]);
          auto all_open = b.initOpened(static_cast<unsigned>(opened.size()));
          for (unsigned i = 0; i < opened.size(); ++i) all_open.set(i, opened[i]);
        });
        std::string err;
        auto a = call_mds<msg::mds_to_client_renew_lease>(req, err, false);
        // Failed (no master during a failover): again at the next second, not
        // a third of a lease later — the new master's grace is one lease.
        if (a) last_renew = clock_type::now();
        if (!a) {
          log_line("lease renewal failed: " + err);
        } else if (auto d = wire::decode(*a); d && d->getStatus().getCode() != p::STATUS_OK) {
          log_line(std::string("lease renewal refused: ") + d->getStatus().getMessage().cStr());
        }
      }
      lk.lock();
    }
  }
};

session::session(session_options o) : impl_(std::make_unique<impl>(std::move(o))) {
  if (impl_->o.background) {
    impl_->bg = std::thread([this] { impl_->background(); });
    impl_->pusher = std::thread([this] { impl_->write_behind(); });
  }
}

session::~session() {
  {
    std::lock_guard<std::mutex> g(impl_->bg_m);
    impl_->stopping = true;
  }
  impl_->bg_cv.notify_all();
  impl_->push_cv.notify_all();
  if (impl_->bg.joinable()) impl_->bg.join();
  if (impl_->pusher.joinable()) impl_->pusher.join();
  stop_watching();
  // Nothing accepted is dropped silently: what is still buffered goes out.
  for (auto& [ino, st] : impl_->buffered())
    if (impl_->push(ino, *st))
      log_line("unmount: buffered writes of inode " + std::to_string(ino) + " not sent: " + tl_error);
}

const std::string& session::last_error() { return tl_error; }

void session::watch_invalidations(std::function<void(uint64_t ino)> fn) {
  if (impl_->watcher.joinable()) return;
  impl_->on_invalidate = std::move(fn);
  impl_->stop_watch = false;
  impl_->watcher = std::thread([this] { impl_->watch_loop(); });
}

std::optional<uint64_t> session::listing_token() {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  return impl_->dirs.begin(impl::now_ns());
}

void session::listing_adopt(uint64_t dir, const std::vector<std::string>& names, uint64_t token) {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  impl_->dirs.listed(dir, names, token, impl::now_ns());
}

bool session::known_absent(uint64_t dir, const std::string& name) {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  return impl_->dirs.answer(dir, name, impl::now_ns()) == dir_cache::known::absent;
}

std::optional<file_attr> session::cached_entry(uint64_t dir, const std::string& name) {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  return impl_->dirs.present(dir, name, impl::now_ns());
}

void session::entry_adopt(uint64_t dir, const std::string& name, const file_attr& a, uint64_t token) {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  impl_->dirs.attr_adopt(dir, name, a, token, impl::now_ns());
}

void session::name_added(uint64_t dir, const std::string& name) {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  impl_->dirs.added(dir, name);
}

void session::name_removed(uint64_t dir, const std::string& name) {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  impl_->dirs.removed(dir, name);
}

void session::listing_forget(uint64_t dir) {
  std::lock_guard<std::mutex> g(impl_->dir_m);
  impl_->dirs.forget(dir);
}

void session::stop_watching() {
  impl_->stop_watch = true;
  if (impl_->watcher.joinable()) impl_->watcher.join();
}

void session::abort() { impl_->abort_all(); }

int session::check_connection() {
  fop_answer a;
  return impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setLookup("/"); }, &a, false);
}

client_io_figures session::io_figures() { return impl_->io_meter.figures(clock_type::now()); }

int session::master_mds_id(uint32_t& id) {
  auto req = wire::make<p::ClientToMdsStat>([&](p::ClientToMdsStat::Builder b) { impl_->creds(b); });
  std::string err;
  auto a = impl_->call_mds<msg::mds_to_client_stat>(req, err, false);
  if (!a) return fail(EIO, err);
  auto d = wire::decode(*a);
  if (!d) return fail(EIO, d.error);
  if (d->getStatus().getCode() != p::STATUS_OK) return fail(EIO, d->getStatus().getMessage().cStr());
  for (auto m : d->getMdses())
    if (m.getIsMaster()) {
      id = m.getId();
      return 0;
    }
  return fail(ENOENT, "the MDS reported no master");
}

int session::lookup(const std::string& path, file_attr& out) {
  fop_answer a;
  if (int e = impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setLookup(path); }, &a)) return e;
  out = to_attr(a->getAttr());
  return 0;
}

int session::getattr(uint64_t ino, file_attr& out) {
  if (auto st = impl_->state(ino, false)) {
    std::lock_guard<std::mutex> g(st->m);
    if (st->attr && clock_type::now() - st->attr_at < attr_cache_ttl) {
      out = *st->attr;
      return 0;
    }
  }
  fop_answer a;
  if (int e = impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setGetattr(ino); }, &a)) return e;
  out = to_attr(a->getAttr());
  impl_->remember_attr(out);
  return 0;
}

int session::readdir(const std::string& path, std::vector<dir_item>& out) {
  fop_answer a;
  if (int e = impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setReaddir(path); }, &a)) return e;
  out.clear();
  for (auto e : a->getEntries()) out.push_back({e.getName().cStr(), e.getIno(), e.getIsDir()});
  return 0;
}

int session::mkdir(const std::string& path, uint32_t mode) {
  return impl_->file_op([&](p::ClientToMdsFileOp::Builder b) {
    auto m = b.getOp().initMkdir();
    m.setPath(path);
    m.setMode(mode);
  });
}

int session::unlink(const std::string& path) {
  impl_->forget_attrs();  // nlink and ctime of the file change
  return impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setUnlink(path); });
}

int session::rmdir(const std::string& path) {
  return impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setRmdir(path); });
}

int session::rename(const std::string& from, const std::string& to) {
  impl_->forget_attrs();
  return impl_->file_op([&](p::ClientToMdsFileOp::Builder b) {
    auto r = b.getOp().initRename();
    r.setFrom(from);
    r.setTo(to);
  });
}

int session::setattr(const set_attr_request& r, file_attr& out) {
  uint64_t ino = r.ino;
  if (r.set_size) {
    if (!ino) {
      file_attr a;
      if (int e = lookup(r.path, a)) return e;
      ino = a.ino;
    }
    if (int e = impl_->flush(ino)) return e;
  }
  fop_answer a;
  int e = impl_->file_op(
      [&](p::ClientToMdsFileOp::Builder b) {
        auto s = b.getOp().initSetattr();
        if (ino)
          s.setIno(ino);
        else
          s.setPath(r.path);
        s.setSetMode(r.set_mode);
        s.setMode(r.mode);
        s.setSetSize(r.set_size);
        s.setSize(r.size);
        s.setSetAtime(r.set_atime);
        s.setAtimeNs(r.atime_ns);
        s.setAtimeNow(r.atime_now);
        s.setSetMtime(r.set_mtime);
        s.setMtimeNs(r.mtime_ns);
        s.setMtimeNow(r.mtime_now);
      },
      &a);
  if (ino) impl_->attr_drop(ino);  // changed, or may have been (a failure)
  if (e) return e;
  out = to_attr(a->getAttr());
  impl_->attr_drop(out.ino);
  impl_->remember_attr(out);
  if (r.set_size) {
    impl_->uncache_file(ino);
    if (auto st = impl_->state(ino, false)) {
      std::lock_guard<std::mutex> g(st->m);
      st->size.truncated(r.size);
    }
  }
  if (auto st = impl_->state(out.ino, false)) {
    std::lock_guard<std::mutex> g(st->m);
    out.size = std::max(st->size.visible(out.size), st->buf.end());
  }
  return 0;
}

int session::set_repl(const std::string& path, const std::vector<std::string>& assignments, bool recursive) {
  return impl_->file_op([&](p::ClientToMdsFileOp::Builder b) {
    auto s = b.getOp().initSetRepl();
    s.setPath(path);
    auto l = s.initAssignments(assignments.size());
    for (size_t i = 0; i < assignments.size(); ++i) l.set(i, assignments[i]);
    s.setRecursive(recursive);
  });
}

int session::statfs(fs_stats& out) {
  fop_answer a;
  if (int e = impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setStatfs(); }, &a)) return e;
  auto s = a->getStatfs();
  out.total = s.getTotalBytes();
  out.free = s.getFreeBytes();
  out.files = s.getFiles();
  return 0;
}

int session::create(const std::string& path, uint32_t mode, file_attr& out) {
  fop_answer a;
  int e = impl_->file_op(
      [&](p::ClientToMdsFileOp::Builder b) {
        auto c = b.getOp().initCreate();
        c.setPath(path);
        c.setMode(mode);
        c.setOpenForWrite(true);
      },
      &a);
  if (e) return e;
  if (!a->getLeaseMs()) return open("", a->getAttr().getIno(), true, out);  // an MDS without openForWrite
  return impl_->opened(a, true, out);
}

int session::open(const std::string& path, uint64_t ino, bool write, file_attr& out) {
  fop_answer a;
  // EAGAIN (statusUnavailable): a new master's lease grace (lease_table.hpp);
  // an open for write waits it out within the patience, like a failover.
  const auto deadline = clock_type::now() + mds_patience;
  for (unsigned attempt = 0;; ++attempt) {
    int e = impl_->file_op(
        [&](p::ClientToMdsFileOp::Builder b) {
          auto o = b.getOp().initOpen();
          o.setPath(path);
          o.setIno(ino);
          o.setWrite(write);
        },
        &a);
    if (!e) break;
    if (e != EAGAIN || !write || clock_type::now() + backoff_delay(attempt) > deadline) return e;
    if (!impl_->pause(backoff_delay(attempt))) return impl_->aborted();
  }
  return impl_->opened(a, write, out);
}



int session::release(uint64_t ino, bool write) {
  impl_->io_meter.released(clock_type::now());
  auto st = impl_->state(ino, false);
  int e = impl_->flush(ino);
  if (!st) return e;
  bool last;
  {
    std::lock_guard<std::mutex> g(st->m);
    st->opens--;
    if (write) st->write_opens--;
    last = st->opens <= 0;
  }
  if (!last) return e;
  {
    std::lock_guard<std::mutex> g(impl_->ino_m);
    auto it = impl_->inos.find(ino);
    if (it != impl_->inos.end() && it->second == st) {
      std::lock_guard<std::mutex> g2(st->m);
      if (st->opens <= 0 && st->dirty.empty() && st->buf.empty()) impl_->inos.erase(it);
    }
  }
  int r = impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setRelease(ino); });
  return e ? e : r;
}

int session::read(uint64_t ino, uint64_t offset, size_t length, char* buf, size_t& got) {
  const auto started = impl_->io_meter.started(clock_type::now());
  const int e = [&] {
  got = 0;
  if (auto st = impl_->state(ino, false))  // read-your-writes: buffered writes go first
    if (int e = impl_->push(ino, *st)) return e;
  if (int e = impl_->ensure_chunk_size(ino)) return e;
  for (const auto& pc : split_range(offset, length, impl_->get_chunk_size())) {
    if (int e = impl_->read_piece(ino, pc, buf + pc.buf_offset)) return e;
    got += pc.length;
  }
  return 0;
  }();
  impl_->io_meter.finished(started, clock_type::now(), client_op::read, got, e == 0);
  return e;
}

int session::write(uint64_t ino, uint64_t offset, const char* buf, size_t length) {
  const auto started = impl_->io_meter.started(clock_type::now());
  const int e = [&] {
  if (int e = impl_->ensure_chunk_size(ino)) return e;
  auto st = impl_->state(ino);
  size_t buffered;
  {
    std::lock_guard<std::mutex> g(st->m);
    st->buf.add(offset, buf, length);
    buffered = st->buf.bytes();
  }
  const auto next = after_buffered_write(buffered, write_behind_limit, impl_->o.background);
  if (next == after_write::keep) return 0;
  if (next == after_write::send_here) return impl_->push(ino, *st);
  if (next == after_write::wait_wake) {  // one send in flight per file
    std::lock_guard<std::mutex> wait_for_send(st->io_m);
  }
  {
    std::lock_guard<std::mutex> g(impl_->bg_m);
    impl_->push_now = true;
  }
  impl_->push_cv.notify_one();
  return 0;
  }();
  impl_->io_meter.finished(started, clock_type::now(), client_op::write, length, e == 0);
  return e;
}

int session::flush(uint64_t ino) { return impl_->flush(ino); }

int session::sync_namespace(bool always) {  // the mount's fsyncdir: FSYNCS
  const auto started = impl_->io_meter.started(clock_type::now());
  int e = 0;
  if (always || impl_->namespace_changed.exchange(false)) {
    impl_->namespace_changed = false;
    e = impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setSync(); });
    if (e) impl_->namespace_changed = true;
  }
  impl_->io_meter.finished(started, clock_type::now(), client_op::fsync, 0, e == 0);
  return e;
}

int session::fsync(uint64_t ino) {  // the mount's fsync: FSYNCS, its latency the whole of it
  const auto started = impl_->io_meter.started(clock_type::now());
  int e = impl_->flush(ino);
  if (!e && impl_->namespace_changed.exchange(false)) {
    e = impl_->file_op([&](p::ClientToMdsFileOp::Builder b) { b.getOp().setSync(); });
    if (e) impl_->namespace_changed = true;
  }
  impl_->io_meter.finished(started, clock_type::now(), client_op::fsync, 0, e == 0);
  return e;
}

uint64_t session::visible_size(uint64_t ino, uint64_t mds_size) {
  auto st = impl_->state(ino, false);
  if (!st) return mds_size;
  std::lock_guard<std::mutex> g(st->m);
  return std::max(st->size.visible(mds_size), st->buf.end());
}

}  // namespace pstorage::client
