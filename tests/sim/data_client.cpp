#include "tests/sim/data_client.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>

#include "actors/common/atoms.hpp"
#include "actors/cs/cs_api.hpp"
#include "actors/mds/mds_api.hpp"
#include "protocol/common.capnp.h"
#include "protocol/messages.hpp"

namespace pstorage::sim {
namespace {
namespace p = proto;
using ms = std::chrono::milliseconds;
constexpr ms mds_timeout{5000};
constexpr ms write_timeout{12000};  // a chain of 3: each hop may wait 5 s for the next
constexpr ms read_timeout{5000};
constexpr uint64_t blocks_per_chunk_max = 16;
constexpr size_t data_min_replicas = 2;  // the files' replicas=3:2

using renew_atom = caf::atom_constant<caf::atom("simrenew")>;

struct replica {
  uint32_t id;
  std::string address;
};
struct location {
  uint64_t chunk = 0, index = 0, version = 0;
  std::vector<replica> replicas;
  ms valid{3000};  // ChunkLocation.validMs: reads may use it this long (map_leases.hpp)
};

template <class B>
void put_credentials(data_env* env, B b) {
  auto c = b.initCredentials();
  c.setCluster(env->cluster);
  c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(env->digest.data()), env->digest.size()));
}

template <class L>
location to_location(L l) {
  location out;
  out.chunk = l.getChunkId();
  out.index = l.getIndex();
  out.version = l.getVersion();
  for (auto r : l.getReplicas()) out.replicas.push_back({r.getCsId(), r.getAddress().cStr()});
  if (l.getValidMs()) out.valid = ms(l.getValidMs());
  return out;
}

void raise(data_env* env, const std::string& inv, const std::string& what) { env->m->raised.push_back({inv, what}); }

// replica-domains-distinct on a map a client got.
// Skipped while a chunk holds more replicas than NORM (3 here): repair added
// one for a replica on a dead CS that is still listed; trimming the surplus
// must then leave distinct domains, and that is checked again.
void check_domains(data_env* env, const std::string& who, const location& l) {
  if (l.replicas.size() > 3) return env->count("data.domains.over-replicated-skipped");
  std::map<std::string, uint32_t> seen;
  for (auto& r : l.replicas) {
    auto d = env->domain_of(r.id);
    if (d.empty()) continue;
    auto [it, fresh] = seen.emplace(d, r.id);
    if (!fresh)
      raise(env, "replica-domains-distinct",
            who + ": chunk " + std::to_string(l.chunk) + " v" + std::to_string(l.version) + " has replicas on CS#" +
                std::to_string(it->second) + " and CS#" + std::to_string(r.id) + ", both in failure domain " + d);
  }
}

uint64_t blocks_per_chunk(data_env* env) { return std::min<uint64_t>(blocks_per_chunk_max, env->dm->chunk_size / data_block); }
uint64_t chunks_per_file(data_env* env) { return env->dm->blocks_per_file / blocks_per_chunk(env); }

// ---- writer ------------------------------------------------------------------------

struct writer {
  caf::event_based_actor* self;
  data_env* env;
  size_t k, f;
  std::string who;
  uint64_t id = 0, first_block = 0, nblocks = 0, index = 0;
  std::vector<char> payload;
  location loc;
  int64_t backoff_ms = 100;

  file_history& file() { return env->dm->files[f]; }
  mds_api mds() { return caf::actor_cast<mds_api>(env->mds(k)); }

  msg::client_to_mds_file_op file_op(const std::function<void(p::ClientToMdsFileOp::Builder)>& fill) {
    return wire::make<p::ClientToMdsFileOp>([&](p::ClientToMdsFileOp::Builder b) {
      put_credentials(env, b);
      b.setClientId(who);
      fill(b);
    });
  }
  template <class F>
  void later(int64_t delay_ms, F fn) {
    self->delayed_send(self, ms(delay_ms), tick_atom::value);
    pending = fn;
  }
  std::function<void()> pending;
  void retry(std::function<void()> fn) {
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 1000);
    later(env->r->between(backoff_ms / 2, backoff_ms), std::move(fn));
  }

  // create (EEXIST is fine), replicas=3:2, open for write.
  void open() {
    auto m = mds();
    if (!m) return retry([this] { open(); });
    auto path = file().path;
    self->request(m, mds_timeout, file_op([&](auto b) {
            auto c = b.getOp().initCreate();
            c.setPath(path);
            c.setMode(0644);
          }))
        .then(
            [this](msg::mds_to_client_file_op& r) {
              auto a = wire::decode(r);
              if (!a) return retry([this] { open(); });
              auto code = a->getStatus().getCode();
              if (code != p::STATUS_OK && a->getStatus().getPosixError() != EEXIST) {
                env->count("data.writer.create-refused");
                return retry([this] { open(); });
              }
              set_repl();
            },
            [this](caf::error&) { retry([this] { open(); }); });
  }
  void set_repl() {
    auto m = mds();
    if (!m) return retry([this] { open(); });
    auto path = file().path;
    self->request(m, mds_timeout, file_op([&](auto b) {
            auto s = b.getOp().initSetRepl();
            s.setPath(path);
            s.initAssignments(1).set(0, "replicas=3:" + std::to_string(data_min_replicas));
          }))
        .then(
            [this](msg::mds_to_client_file_op& r) {
              auto a = wire::decode(r);
              if (!a || a->getStatus().getCode() != p::STATUS_OK) return retry([this] { open(); });
              open_write();
            },
            [this](caf::error&) { retry([this] { open(); }); });
  }
  void open_write() {
    auto m = mds();
    if (!m) return retry([this] { open_write(); });
    auto path = file().path;
    self->request(m, mds_timeout, file_op([&](auto b) {
            auto o = b.getOp().initOpen();
            o.setPath(path);
            o.setWrite(true);
          }))
        .then(
            [this](msg::mds_to_client_file_op& r) {
              auto a = wire::decode(r);
              if (!a || a->getStatus().getCode() != p::STATUS_OK) {
                env->count("data.writer.open-refused");
                return retry([this] { open_write(); });
              }
              file().ino = a->getAttr().getIno();
              backoff_ms = 100;
              if (id) return get_map();  // re-opened in the middle of a write
              next_write();
            },
            [this](caf::error&) { retry([this] { open_write(); }); });
  }
  void renew() {
    if (auto m = mds())
      self->request(m, mds_timeout, wire::make<p::ClientToMdsRenewLease>([&](auto b) {
              put_credentials(env, b);
              b.setClientId(who);
            }))
          .then([](msg::mds_to_client_renew_lease&) {}, [](caf::error&) {});
    self->delayed_send(self, ms(3000), renew_atom::value);
  }

  void next_write() {
    if (env->stopping()) {
      id = 0;
      return;
    }
    auto bpc = blocks_per_chunk(env);
    index = env->r->below(chunks_per_file(env));
    auto s = env->r->below(bpc);
    nblocks = 1 + env->r->below(std::min<uint64_t>(4, bpc - s));
    first_block = index * bpc + s;
    id = env->dm->next_write_id++;
    payload.assign(nblocks * data_block, 0);
    for (uint64_t b = 0; b < nblocks; ++b) {
      fill_block(payload.data() + b * data_block, id, first_block + b);
      file().issued[first_block + b].insert(id);
    }
    backoff_ms = 100;
    get_map();
  }
  void get_map() {
    auto m = mds();
    if (!m) return retry([this] { get_map(); });
    auto ino = file().ino;
    self->request(m, mds_timeout, wire::make<p::ClientToMdsChunkMap>([&](auto b) {
            put_credentials(env, b);
            b.setClientId(who);
            b.setIno(ino);
            b.setFirstIndex(index);
            b.setCount(1);
            b.setForWrite(true);
          }))
        .then(
            [this](msg::mds_to_client_chunk_map& r) {
              auto a = wire::decode(r);
              if (!a) return retry([this] { get_map(); });
              auto code = a->getStatus().getCode();
              if (code == p::STATUS_UNAVAILABLE || code == p::STATUS_NO_SPACE) {
                env->count(code == p::STATUS_NO_SPACE ? "data.write.map-nospace" : "data.write.map-unavailable");
                return retry([this] { get_map(); });
              }
              if (code != p::STATUS_OK) {  // e.g. the lease is gone (MDS restart): open again
                env->count("data.write.map-refused");
                return retry([this] { open_write(); });
              }
              for (auto c : a->getChunks())
                if (c.getIndex() == index) {
                  loc = to_location(c);
                  check_domains(env, who, loc);
                  return write();
                }
              retry([this] { get_map(); });
            },
            [this](caf::error&) { retry([this] { get_map(); }); });
  }
  void write() {
    if (loc.replicas.empty()) return retry([this] { get_map(); });
    auto head = loc.replicas[0];
    auto link = env->cs(k, head.address);
    if (!link) return report_failed(head.id);
    auto off = first_block * data_block - index * env->dm->chunk_size;
    env->count("data.write.sent");
    // Every other write of several blocks goes as one extent per block, last
    // block first (Write.extents, as the mount batches a chunk's pieces).
    std::vector<char> body = payload;
    const size_t blocks = payload.size() / data_block;
    const bool as_extents = blocks > 1 && id % 2 == 1;
    if (as_extents) {
      env->count("data.write.sent-as-extents");
      body.clear();
      for (size_t i = blocks; i-- > 0;)
        body.insert(body.end(), payload.begin() + static_cast<std::ptrdiff_t>(i * data_block),
                    payload.begin() + static_cast<std::ptrdiff_t>((i + 1) * data_block));
    }
    auto req = wire::make<p::ClientToCsWrite>(
        [&](auto b) {
          b.setChunkId(loc.chunk);
          b.setVersion(loc.version);
          b.setOffset(off);
          b.setSync(true);
          if (as_extents) {
            auto e = b.initExtents(static_cast<unsigned>(blocks));
            for (size_t i = 0; i < blocks; ++i) {
              e[static_cast<unsigned>(i)].setOffset(off + (blocks - 1 - i) * data_block);
              e[static_cast<unsigned>(i)].setLength(static_cast<uint32_t>(data_block));
            }
          }
          auto c = b.initChain(static_cast<unsigned>(loc.replicas.size() - 1));
          for (size_t i = 1; i < loc.replicas.size(); ++i) {
            c[static_cast<unsigned>(i - 1)].setCsId(loc.replicas[i].id);
            c[static_cast<unsigned>(i - 1)].setAddress(loc.replicas[i].address);
          }
        },
        std::move(body));
    uint64_t wid = id;
    self->request(caf::actor_cast<cs_api>(link), write_timeout, std::move(req))
        .then(
            [this, head, wid](msg::cs_to_client_write& r) {
              if (wid != id) return;
              auto a = wire::decode(r);
              auto code = a ? a->getStatus().getCode() : uint32_t{p::STATUS_IO_ERROR};
              if (code == p::STATUS_OK) return acked();
              if (code == p::STATUS_STALE) {
                env->count("data.write.stale");
                return get_map();
              }
              env->count("data.write.failed");
              uint32_t failed = a && a->getFailedCsId() ? a->getFailedCsId() : head.id;
              report_failed(failed);
            },
            [this, head, wid](caf::error&) {
              if (wid != id) return;
              env->count("data.write.timeout");
              report_failed(head.id);
            });
  }
  void report_failed(uint32_t cs) {
    auto m = mds();
    if (!m) return retry([this] { get_map(); });
    env->count("data.write.replica-failed");
    env->note(who + " reports CS#" + std::to_string(cs) + " failed for chunk " + std::to_string(loc.chunk) + " v" +
              std::to_string(loc.version));
    self->request(m, mds_timeout, wire::make<p::ClientToMdsReplicaFailed>([&](auto b) {
            put_credentials(env, b);
            b.setClientId(who);
            b.setChunkId(loc.chunk);
            b.setVersion(loc.version);
            b.initFailedCsIds(1).set(0, cs);
          }))
        .then(
            [this](msg::mds_to_client_replica_failed& r) {
              auto a = wire::decode(r);
              if (a && a->getStatus().getCode() == p::STATUS_OK && a->hasChunk()) {
                loc = to_location(a->getChunk());
                check_domains(env, who, loc);
                return write();
              }
              if (a && a->getStatus().getCode() == p::STATUS_UNAVAILABLE) env->count("data.write.blocked-below-min");
              retry([this] { get_map(); });
            },
            [this](caf::error&) { retry([this] { get_map(); }); });
  }
  void acked() {
    auto& fh = file();
    // no-write-on-blocked-chunk: the chain that acknowledged the write had at
    // least MIN replicas (files are replicas=3:2; below MIN writes must wait).
    if (loc.replicas.size() < data_min_replicas)
      raise(env, "no-write-on-blocked-chunk",
            who + " write " + std::to_string(id) + " to " + fh.path + " chunk " + std::to_string(loc.chunk) + " v" +
                std::to_string(loc.version) + " was acknowledged by a chain of " + std::to_string(loc.replicas.size()) +
                " replica(s), below the minimum of " + std::to_string(data_min_replicas));
    for (uint64_t b = 0; b < nblocks; ++b) fh.acked[first_block + b] = id;
    ++fh.acked_writes;
    env->count("data.write.acked");
    env->note(who + " write " + std::to_string(id) + " " + fh.path + " blocks " + std::to_string(first_block) + ".." +
              std::to_string(first_block + nblocks - 1) + " acked (chunk " + std::to_string(loc.chunk) + " v" +
              std::to_string(loc.version) + ")");
    if (auto m = mds()) {
      auto ino = fh.ino;
      auto size = (first_block + nblocks) * data_block;
      fh.size_sent = std::max(fh.size_sent, size);
      self->request(m, mds_timeout, file_op([&](auto b) {
              auto s = b.getOp().initSetSize();
              s.setIno(ino);
              s.setSize(size);
            }))
          .then(
              [this, size](msg::mds_to_client_file_op& r) {
                auto a = wire::decode(r);
                if (a && a->getStatus().getCode() == p::STATUS_OK) file().size_acked = std::max(file().size_acked, size);
              },
              [](caf::error&) {});
    }
    id = 0;
    later(env->r->between(20, 400), [this] { next_write(); });
  }
};

// ---- reader ------------------------------------------------------------------------

struct reader {
  caf::event_based_actor* self;
  data_env* env;
  size_t k;
  std::string who;
  std::map<uint64_t, std::map<uint32_t, std::string>> seen;  // chunk -> CSs any map listed
  // Chunk maps kept like the mount keeps them: (ino, index) -> location, read
  // with until its validity (counted from the request) runs out.
  struct cached_map {
    location loc;
    caf::actor_clock::time_point read_until;
  };
  std::map<std::pair<uint64_t, uint64_t>, cached_map> maps;
  // the read in progress
  bool busy = false;
  size_t f = 0;
  uint64_t index = 0, first_block = 0, nblocks = 0;
  std::vector<uint64_t> acked_at_start;
  location loc;
  std::vector<replica> order;
  size_t next = 0;
  int refreshes = 0;
  uint64_t token = 0;

  file_history& file() { return env->dm->files[f]; }

  void start() {
    if (busy || env->stopping()) return;
    std::vector<size_t> ready;
    for (size_t i = 0; i < env->dm->files.size(); ++i)
      if (env->dm->files[i].ino) ready.push_back(i);
    if (ready.empty()) return;
    f = ready[env->r->below(ready.size())];
    auto bpc = blocks_per_chunk(env);
    index = env->r->below(chunks_per_file(env));
    auto s = env->r->below(bpc);
    nblocks = 1 + env->r->below(bpc - s);
    first_block = index * bpc + s;
    acked_at_start.assign(file().acked.begin() + static_cast<std::ptrdiff_t>(first_block),
                          file().acked.begin() + static_cast<std::ptrdiff_t>(first_block + nblocks));
    busy = true;
    refreshes = 0;
    ++token;
    // Mostly with the kept map while it is valid, as the mount reads: a
    // replica the MDS left out of a round meanwhile must not serve a version
    // older than an acknowledged write (read-latest).
    if (auto it = maps.find({file().ino, index});
        it != maps.end() && self->clock().now() < it->second.read_until && env->r->below(4) != 0) {
      env->count("data.read.kept-map");
      loc = it->second.loc;
      return use_map();
    }
    get_map();
  }
  void finish() { busy = false; }
  void get_map() {
    auto m = caf::actor_cast<mds_api>(env->mds(k));
    if (!m) return finish();
    auto ino = file().ino;
    auto t = token;
    auto asked = self->clock().now();
    self->request(m, mds_timeout, wire::make<p::ClientToMdsChunkMap>([&](auto b) {
            put_credentials(env, b);
            b.setClientId(who);
            b.setIno(ino);
            b.setFirstIndex(index);
            b.setCount(1);
            b.setForWrite(false);
          }))
        .then(
            [this, t, ino, asked](msg::mds_to_client_chunk_map& r) {
              if (t != token) return;
              auto a = wire::decode(r);
              if (!a || a->getStatus().getCode() != p::STATUS_OK) return finish();
              for (auto c : a->getChunks())
                if (c.getIndex() == index) {
                  loc = to_location(c);
                  maps[{ino, index}] = cached_map{loc, asked + loc.valid};
                  check_domains(env, who, loc);
                  return have_map();
                }
              // A hole: only right if nothing was acknowledged there.
              for (uint64_t b = 0; b < nblocks; ++b)
                if (acked_at_start[b])
                  raise(env, "read-latest",
                        who + ": the MDS reports chunk " + std::to_string(index) + " of " + file().path +
                            " as a hole, but write " + std::to_string(acked_at_start[b]) + " was acknowledged there");
              finish();
            },
            [this, t](caf::error&) {
              if (t == token) finish();
            });
  }
  void have_map() {
    auto& s = seen[loc.chunk];
    std::vector<replica> gone;
    for (auto& [id, addr] : s)
      if (std::none_of(loc.replicas.begin(), loc.replicas.end(), [&](auto& r) { return r.id == id; }))
        gone.push_back({id, addr});
    for (auto& r : loc.replicas) s[r.id] = r.address;
    if (!gone.empty() && env->r->below(2) == 0) {
      set_order();
      return probe(gone[env->r->below(gone.size())]);
    }
    use_map();
  }
  void set_order() {
    order.clear();
    if (!loc.replicas.empty()) {
      auto start = env->r->below(loc.replicas.size());
      for (size_t i = 0; i < loc.replicas.size(); ++i) order.push_back(loc.replicas[(start + i) % loc.replicas.size()]);
    }
    next = 0;
  }
  void use_map() {
    set_order();
    try_next();
  }
  // Returns "" or the first problem of a payload read for the current range.
  std::string check(const std::vector<char>& data) {
    if (data.size() != nblocks * data_block)
      return "returned " + std::to_string(data.size()) + " bytes for " + std::to_string(nblocks * data_block);
    for (uint64_t b = 0; b < nblocks; ++b) {
      auto why = env->dm->check_block(file(), first_block + b, data.data() + b * data_block, acked_at_start[b]);
      if (!why.empty()) return why;
    }
    return "";
  }
  msg::client_to_cs_read read_req() {
    auto off = first_block * data_block - index * env->dm->chunk_size;
    return wire::make<p::ClientToCsRead>([&](auto b) {
      b.setChunkId(loc.chunk);
      b.setVersion(loc.version);
      b.setOffset(off);
      b.setLength(static_cast<uint32_t>(nblocks * data_block));
    });
  }
  void probe(replica r) {
    auto link = env->cs(k, r.address);
    if (!link) return try_next();
    env->count("data.read.fence-probe");
    auto t = token;
    self->request(caf::actor_cast<cs_api>(link), read_timeout, read_req())
        .then(
            [this, t, r](msg::cs_to_client_read& ans) {
              if (t != token) return;
              auto a = wire::decode(ans);
              if (a && a->getStatus().getCode() == p::STATUS_OK) {
                env->count("data.read.fence-probe.served");
                auto why = check(ans.payload);
                if (!why.empty())
                  raise(env, "read-latest",
                        who + ": CS#" + std::to_string(r.id) + ", no longer listed for chunk " + std::to_string(loc.chunk) +
                            ", served a read at the current version v" + std::to_string(loc.version) + ": " + why);
              } else {
                env->count("data.read.fence-probe.refused");
              }
              try_next();
            },
            [this, t](caf::error&) {
              if (t == token) try_next();
            });
  }
  void try_next() {
    if (next >= order.size()) {
      if (++refreshes > 3) {
        env->count("data.read.gave-up");
        return finish();
      }
      return get_map();
    }
    auto r = order[next++];
    auto link = env->cs(k, r.address);
    if (!link) return try_next();
    auto t = token;
    self->request(caf::actor_cast<cs_api>(link), read_timeout, read_req())
        .then(
            [this, t, r](msg::cs_to_client_read& ans) {
              if (t != token) return;
              auto a = wire::decode(ans);
              auto code = a ? a->getStatus().getCode() : uint32_t{p::STATUS_IO_ERROR};
              if (code == p::STATUS_OK) {
                env->count("data.read.ok");
                auto why = check(ans.payload);
                if (!why.empty())
                  raise(env, "read-latest",
                        who + ": read of chunk " + std::to_string(loc.chunk) + " v" + std::to_string(loc.version) +
                            " from CS#" + std::to_string(r.id) + ": " + why);
                return finish();
              }
              if (code == p::STATUS_CHECKSUM) {
                env->count("data.read.checksum");
                if (auto m = caf::actor_cast<mds_api>(env->mds(k)))
                  self->request(m, mds_timeout, wire::make<p::ClientToMdsReplicaFailed>([&](auto b) {
                          put_credentials(env, b);
                          b.setClientId(who);
                          b.setChunkId(loc.chunk);
                          b.setVersion(loc.version);
                          b.initFailedCsIds(1).set(0, r.id);
                          b.setChecksumError(true);
                        }))
                      .then([](msg::mds_to_client_replica_failed&) {}, [](caf::error&) {});
              } else {
                env->count(code == p::STATUS_STALE ? "data.read.stale" : "data.read.failed");
              }
              try_next();
            },
            [this, t](caf::error&) {
              if (t != token) return;
              env->count("data.read.timeout");
              try_next();
            });
  }
};

}  // namespace

caf::actor spawn_writer(caf::actor_system& sys, data_env* env, size_t client, size_t file) {
  return sys.spawn([env, client, file](caf::event_based_actor* self) -> caf::behavior {
    auto w = std::make_shared<writer>();
    w->self = self;
    w->env = env;
    w->k = client;
    w->f = file;
    w->who = "client" + std::to_string(client + 1);
    w->later(env->r->between(100, 1000), [w] { w->open(); });
    self->delayed_send(self, ms(3000), renew_atom::value);
    return {
        [w](tick_atom) {
          auto fn = std::move(w->pending);
          w->pending = nullptr;
          if (fn) fn();
        },
        [w](renew_atom) { w->renew(); },
    };
  });
}

caf::actor spawn_reader(caf::actor_system& sys, data_env* env, size_t client) {
  return sys.spawn([env, client](caf::event_based_actor* self) -> caf::behavior {
    auto r = std::make_shared<reader>();
    r->self = self;
    r->env = env;
    r->k = client;
    r->who = "client" + std::to_string(client + 1);
    self->delayed_send(self, ms(env->r->between(500, 2000)), tick_atom::value);
    return {[r, self](tick_atom) {
      r->start();
      self->delayed_send(self, ms(r->env->r->between(100, 800)), tick_atom::value);
    }};
  });
}

}  // namespace pstorage::sim
