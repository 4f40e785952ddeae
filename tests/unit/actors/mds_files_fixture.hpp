// mds_files_fixture.hpp — the MDS data path on CAF's test coordinator with
// virtual time and an in-memory md_store, for actor tests (mds_files_test,
// mds_sessions_test): stand-in CSs of type cs_api that record every MDS
// request and answer as told, and request shorthands.
#pragma once

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "actors/common/node_config.hpp"
#include "actors/cs/cs_api.hpp"
#include "actors/mds/mds_actor.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage;
using namespace std::chrono_literals;
namespace p = pstorage::proto;

namespace {

constexpr uint64_t chunk = 1 << 20;  // 1 MiB chunks in these tests

// What a stand-in CS saw and how it behaves.
struct cs_log {
  uint32_t id = 0;
  std::vector<std::string> calls;  // "create 5 v1", "setv 5 1->2", "setv 5 1->2 trunc 100", "delete 5"
  bool fail_create = false;
  bool fail_set_version = false;
  uint64_t free_bytes = 50ull << 30;  // reported at registration (of 100 GiB)
  size_t count(const std::string& prefix) const {
    return std::count_if(calls.begin(), calls.end(), [&](auto& c) { return c.rfind(prefix, 0) == 0; });
  }
};

template <class S>
wire::msg<S> ok_status_msg(bool ok = true) {
  return wire::make<S>([&](auto b) {
    b.initStatus().setCode(ok ? p::STATUS_OK : p::STATUS_IO_ERROR);
    if (!ok) b.getStatus().setMessage("disk failed");
  });
}

cs_api spawn_fake_cs(caf::actor_system& sys, mds_api mds, std::shared_ptr<cs_log> log, std::string digest,
                     std::string host_id, std::string address) {
  return sys.spawn([=](cs_api::pointer self) -> cs_api::behavior_type {
    return {
        [](const msg::client_to_cs_ping&) { return wire::make<p::CsToClientPing>([](auto) {}); },
        [](const msg::client_to_cs_write&) { return ok_status_msg<p::CsToClientWrite>(); },
        [](const msg::client_to_cs_read&) { return ok_status_msg<p::CsToClientRead>(); },
        [](const msg::client_to_cs_sync&) { return ok_status_msg<p::CsToClientSync>(); },
        [=](const msg::mds_to_cs_create_chunk& m) {
          auto d = wire::decode(m);
          log->calls.push_back("create " + std::to_string(d->getChunkId()) + " v" + std::to_string(d->getVersion()));
          return ok_status_msg<p::CsToMdsCreateChunk>(!log->fail_create);
        },
        [=](const msg::mds_to_cs_set_version& m) {
          auto d = wire::decode(m);
          std::string s = "setv " + std::to_string(d->getChunkId()) + " " + std::to_string(d->getOldVersion()) +
                          "->" + std::to_string(d->getNewVersion());
          if (d->getTruncate()) s += " trunc " + std::to_string(d->getTruncateTo());
          log->calls.push_back(s);
          return ok_status_msg<p::CsToMdsSetVersion>(!log->fail_set_version);
        },
        [=](const msg::mds_to_cs_delete_chunk& m) {
          auto d = wire::decode(m);
          log->calls.push_back("delete " + std::to_string(d->getChunkId()));
          return ok_status_msg<p::CsToMdsDeleteChunk>();
        },
        [](const msg::mds_to_cs_replicate&) { return ok_status_msg<p::CsToMdsReplicate>(); },
        [=](start_atom, const std::string&) {
          auto req = wire::make<p::CsToMdsRegister>([&](auto b) {
            auto c = b.initCredentials();
            c.setCluster("sim");
            c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
            b.setRepoUuid("uuid-" + host_id);
            auto info = b.initInfo();
            info.setAddress(address);
            info.setHost("h-" + host_id);
            info.setHostId(host_id);
            info.setTotalBytes(100ull << 30);
            info.setFreeBytes(log->free_bytes);
            info.setChecksums(true);
            info.setFlags("C");
          });
          self->request(mds, 5s, std::move(req)).then([=](msg::mds_to_cs_register& r) {
            auto d = wire::decode(r);
            log->id = d->getCsId();
          });
        },
        [](connect_atom) {},
        [](heartbeat_atom) {},
        [](scrub_step_atom) {},
        [](const msg::mds_to_cs_scrub&) {
          return wire::make<p::CsToMdsScrub>([](auto b) { b.initStatus().setCode(p::STATUS_OK); });
        },
        // scrub_atom CHUNK: the fake found its replica of CHUNK (at v1) bad
        // and reports it from its own connection, as a scrub would.
        [=](scrub_atom, uint64_t chunk) {
          self->request(mds, 5s, wire::make<p::CsToMdsBadReplica>([&](auto b) {
                  b.setCsId(log->id);
                  b.setChunkId(chunk);
                  b.setVersion(1);
                  b.setChecksum(true);
                  b.setMessage("CRC mismatch at page 3");
                }))
              .then([=](msg::mds_to_cs_bad_replica& r) { log->calls.push_back("report " + std::to_string(wire::decode(r)->getStatus().getCode())); });
        },
        [](copy_pace_atom, uint64_t) {},
    };
  });
}

struct fixture {
  node_config cfg{node_config::mode::testing};
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<persistence::mds_store> store = std::make_shared<persistence::mds_store>(":memory:");
  std::shared_ptr<persistence::md_store> md;
  std::shared_ptr<persistence::journal_store> journal = std::make_shared<persistence::journal_store>(":memory:");
  persistence::auth_digest auth;
  std::vector<std::string> events;
  int64_t wall = 1'000'000'000'000;
  mds_api mds;
  std::vector<cs_api> css;
  std::vector<std::shared_ptr<cs_log>> logs;

  // map_validity 0: rounds never wait for clients' maps (map_leases.hpp;
  // the waiting has its own case below, with the production 3 s).
  explicit fixture(std::chrono::milliseconds map_validity = std::chrono::milliseconds(0)) {
    auth.cluster = "sim";
    auth.salt = "salt";
    auth.iterations = 1;
    auth.digest = persistence::derive_digest("pw", auth.salt, 1);
    store->init_cluster("sim", 1, "127.0.0.1:2510", auth);
    persistence::md_store_options o;
    o.chunk_size = chunk;
    md = std::make_shared<persistence::md_store>(":memory:", o);
    mds_deps d;
    d.store = store;
    d.md = md;
    d.journal = journal;
    d.liveness.inactive_after = 600s;  // stand-ins send no heartbeats
    d.liveness.offline_after = 600s;
    d.wall_clock_ns = [this] { return wall += 1000; };
    d.placement.free_space_margin = 0;
    d.on_event = [this](const std::string& e) { events.push_back(e); };
    d.map_validity = map_validity;
    deps = d;
    mds = spawn_mds(sys, d);
  }
  mds_deps deps;

  // Stops the MDS and starts it again on the same stores; returns once it
  // serves as master again (a new epoch).
  void restart_mds() {
    caf::anon_send_exit(mds, caf::exit_reason::kill);
    sched.run();
    auto before = count_events("became master");
    mds = spawn_mds(sys, deps);
    for (int i = 0; i < 100 && count_events("became master") == before; ++i) {
      sched.advance_time(100ms);
      sched.run();
    }
    REQUIRE(count_events("became master") == before + 1);
  }

  ~fixture() {
    caf::anon_send_exit(mds, caf::exit_reason::user_shutdown);
    for (auto& c : css) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    sched.run();
    sched.trigger_timeouts();
    sched.run();
  }

  // Adds n stand-in CSs on distinct hosts; returns their logs.
  void add_css(int n, uint64_t free_bytes = 50ull << 30) {
    for (int i = 0; i < n; ++i) {
      auto log = std::make_shared<cs_log>();
      log->free_bytes = free_bytes;
      auto k = std::to_string(logs.size());
      auto cs = spawn_fake_cs(sys, mds, log, auth.digest, "host" + k, "127.0.0.1:50" + k);
      caf::anon_send(cs, start_atom::value, std::string());
      sched.run();
      REQUIRE(log->id >= 1025);
      css.push_back(cs);
      logs.push_back(log);
    }
  }
  cs_log& log_of(uint32_t id) {
    for (auto& l : logs)
      if (l->id == id) return *l;
    FAIL("no CS#" << id);
    return *logs[0];
  }

  // Sends one request from a throwaway actor and runs the scheduler.
  template <class Resp, class Req>
  Resp ask(Req req) {
    auto out = std::make_shared<std::optional<Resp>>();
    auto target = mds;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(target, 30s, req).then([=](Resp& r) { *out = r; });
    });
    sched.run();
    REQUIRE(out->has_value());
    return **out;
  }

  void creds(p::Credentials::Builder c, const std::string& digest) {
    c.setCluster("sim");
    c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
  }

  template <class Fill>
  msg::mds_to_client_file_op op(Fill&& fill, const std::string& client = "A", std::string digest = "",
                                uint64_t request_id = 0) {
    if (digest.empty()) digest = auth.digest;
    return ask<msg::mds_to_client_file_op>(wire::make<p::ClientToMdsFileOp>([&](auto b) {
      creds(b.initCredentials(), digest);
      b.setClientId(client);
      b.setRequestId(request_id);
      fill(b.initOp());
    }));
  }
  // Shorthands; each returns the decoded reply's root kept alive by `last`.
  std::optional<wire::decode_result<p::MdsToClientFileOp>> last;
  const p::MdsToClientFileOp::Reader& fop(msg::mds_to_client_file_op m) {
    keep = std::move(m);
    last.emplace(wire::decode(keep));
    REQUIRE(*last);
    return **last;
  }
  msg::mds_to_client_file_op keep;

  uint32_t code(const msg::mds_to_client_file_op& m) { return wire::decode(m)->getStatus().getCode(); }
  int posix(const msg::mds_to_client_file_op& m) { return wire::decode(m)->getStatus().getPosixError(); }
  std::string message(const msg::mds_to_client_file_op& m) { return wire::decode(m)->getStatus().getMessage(); }

  msg::mds_to_client_file_op mkdir(const std::string& path) {
    return op([&](auto o) { o.initMkdir().setPath(path); o.getMkdir().setMode(0755); });
  }
  msg::mds_to_client_file_op create(const std::string& path) {
    return op([&](auto o) { o.initCreate().setPath(path); o.getCreate().setMode(0644); });
  }
  msg::mds_to_client_file_op lookup(const std::string& path) { return op([&](auto o) { o.setLookup(path); }); }
  uint64_t ino_of(const std::string& path) { return wire::decode(lookup(path))->getAttr().getIno(); }
  msg::mds_to_client_file_op set_repl(const std::string& path, std::vector<std::string> as, bool rec = false) {
    return op([&](auto o) {
      auto s = o.initSetRepl();
      s.setPath(path);
      s.setRecursive(rec);
      auto l = s.initAssignments(static_cast<unsigned>(as.size()));
      for (unsigned i = 0; i < as.size(); ++i) l.set(i, as[i]);
    });
  }
  msg::mds_to_client_file_op open(const std::string& path, bool write, const std::string& client = "A") {
    return op([&](auto o) { o.initOpen().setPath(path); o.getOpen().setWrite(write); }, client);
  }
  msg::mds_to_client_file_op release(uint64_t ino, const std::string& client = "A") {
    return op([&](auto o) { o.setRelease(ino); }, client);
  }

  msg::mds_to_client_chunk_map chunk_map(uint64_t ino, uint64_t first, uint32_t count, bool write,
                                         const std::string& client = "A") {
    return ask<msg::mds_to_client_chunk_map>(wire::make<p::ClientToMdsChunkMap>([&](auto b) {
      creds(b.initCredentials(), auth.digest);
      b.setClientId(client);
      b.setIno(ino);
      b.setFirstIndex(first);
      b.setCount(count);
      b.setForWrite(write);
    }));
  }
  msg::client_to_mds_replica_failed replica_failed_req(uint64_t chunk_id, uint64_t version,
                                                     std::vector<uint32_t> failed, bool checksum = false) {
    return wire::make<p::ClientToMdsReplicaFailed>([&](auto b) {
      creds(b.initCredentials(), auth.digest);
      b.setClientId("A");
      b.setChunkId(chunk_id);
      b.setVersion(version);
      auto l = b.initFailedCsIds(static_cast<unsigned>(failed.size()));
      for (unsigned i = 0; i < failed.size(); ++i) l.set(i, failed[i]);
      b.setChecksumError(checksum);
    });
  }
  msg::mds_to_client_replica_failed replica_failed(uint64_t chunk_id, uint64_t version, std::vector<uint32_t> failed,
                                                   bool checksum = false) {
    return ask<msg::mds_to_client_replica_failed>(replica_failed_req(chunk_id, version, std::move(failed), checksum));
  }

  // A file at `path` with replicas=`repl`, opened for write by A, chunk 0 allocated.
  mds::chunk_info file_with_chunk(const std::string& path, const std::string& repl) {
    REQUIRE(code(create(path)) == p::STATUS_OK);
    REQUIRE(code(set_repl(path, {"replicas=" + repl})) == p::STATUS_OK);
    REQUIRE(code(open(path, true)) == p::STATUS_OK);
    auto m = chunk_map(ino_of(path), 0, 1, true);
    auto d = wire::decode(m);
    REQUIRE(d->getStatus().getCode() == p::STATUS_OK);
    REQUIRE(d->getChunks().size() == 1);
    auto c = md->chunk_at(ino_of(path), 0);
    REQUIRE(c);
    return *c;
  }

  size_t count_events(const std::string& needle) const {
    size_t n = 0;
    for (auto& e : events) n += e.find(needle) != std::string::npos;
    return n;
  }
};

template <class Loc>
std::set<uint32_t> cs_set_of(Loc l) {
  std::set<uint32_t> s;
  for (auto r : l.getReplicas()) s.insert(r.getCsId());
  return s;
}

std::set<uint32_t> cs_set(const mds::chunk_info& c) {
  std::set<uint32_t> s;
  for (auto& r : c.replicas) s.insert(r.cs);
  return s;
}

}  // namespace
