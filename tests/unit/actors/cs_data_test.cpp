// Chunk-server data path on CAF's deterministic test coordinator (virtual
// time, no sockets): chain writes, reads, sync, stale versions, failures in
// the chain, checksum errors reported to the MDS, chunk management from the
// MDS (create / set_version / truncate / delete) and replication.
// Three CS actors on memory_chunk_storage, a fixed CS directory and a minimal
// stand-in MDS that accepts registration and records what CSs tell it.
#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <tuple>

#include <map>
#include <optional>

#include "actors/common/cs_directory.hpp"
#include "actors/common/node_config.hpp"
#include "actors/cs/cs_actor.hpp"
#include "persistence/memory_chunk_storage.hpp"

using namespace pstorage;
using namespace std::chrono_literals;
namespace p = pstorage::proto;

namespace {

// What the stand-in MDS saw.
struct mds_record {
  uint32_t next_id = 1025;
  std::map<uint32_t, std::string> flags;  // last flags by CS id
  struct report {
    uint32_t cs_id;
    uint64_t chunk, version;
    bool checksum;
  };
  std::vector<report> bad;
};

template <class S>
wire::msg<S> status_only(uint32_t code) {
  return wire::make<S>([&](auto b) { b.initStatus().setCode(code); });
}

mds_api spawn_stand_in_mds(caf::actor_system& sys, std::shared_ptr<mds_record> rec) {
  return sys.spawn([rec](mds_api::pointer) -> mds_api::behavior_type {
    constexpr uint32_t na = p::STATUS_UNAVAILABLE;
    return {
        [](const msg::client_to_mds_stat&) { return status_only<p::MdsToClientStat>(na); },
        [](const msg::client_to_mds_auth_salt&) { return status_only<p::MdsToClientAuthSalt>(na); },
        [](const msg::client_to_mds_auth_node&) { return status_only<p::MdsToClientAuthNode>(na); },
        [](const msg::client_to_mds_file_op&) { return status_only<p::MdsToClientFileOp>(na); },
        [](const msg::client_to_mds_chunk_map&) { return status_only<p::MdsToClientChunkMap>(na); },
        [](const msg::client_to_mds_replica_failed&) { return status_only<p::MdsToClientReplicaFailed>(na); },
        [](const msg::client_to_mds_renew_lease&) { return status_only<p::MdsToClientRenewLease>(na); },
        [](const msg::client_to_mds_watch&) { return status_only<p::MdsToClientWatch>(na); },
        [](const msg::client_to_mds_config&) { return status_only<p::MdsToClientConfig>(na); },
        [](const msg::client_to_mds_events&) { return status_only<p::MdsToClientEvents>(na); },
        [](const msg::client_to_mds_rm_cs&) { return status_only<p::MdsToClientRmCs>(na); },
        [](const msg::client_to_mds_scrub&) { return status_only<p::MdsToClientScrub>(na); },
        [rec](const msg::cs_to_mds_register& m) {
          auto r = wire::decode(m);
          uint32_t id = r->getCsId() ? r->getCsId() : rec->next_id++;
          rec->flags[id] = r->getInfo().getFlags().cStr();
          return wire::make<p::MdsToCsRegister>([&](auto b) {
            b.initStatus().setCode(p::STATUS_OK);
            b.setCsId(id);
            b.setHeartbeatMs(1000);
          });
        },
        [rec](const msg::cs_to_mds_heartbeat& m) {
          auto r = wire::decode(m);
          rec->flags[r->getCsId()] = r->getFlags().cStr();
          return status_only<p::MdsToCsHeartbeat>(p::STATUS_OK);
        },
        [rec](const msg::cs_to_mds_bad_replica& m) {
          auto r = wire::decode(m);
          rec->bad.push_back({r->getCsId(), r->getChunkId(), r->getVersion(), r->getChecksum()});
          return status_only<p::MdsToCsBadReplica>(p::STATUS_OK);
        },
        [](const msg::mds_to_mds_ping&) { return status_only<p::MdsToMdsPong>(na); },
        [](tick_atom) {},
        [](later_atom, uint64_t) {},
        [](const msg::election_to_mds_committed&) {},
        [](const msg::election_to_mds_snapshot_export&) { return msg::mds_to_election_snapshot_export{}; },
        [](const msg::election_to_mds_snapshot_install&) { return msg::mds_to_election_snapshot_install{}; },
        [](const msg::client_to_mds_membership&) { return msg::mds_to_client_membership{}; },
        [](const msg::client_to_mds_license&) { return msg::mds_to_client_license{}; },
        [](const msg::client_to_mds_ha&) { return msg::mds_to_client_ha{}; },
        [](const msg::agent_to_mds_ha_renew&) { return msg::mds_to_agent_ha_renew{}; },
        [](const msg::client_to_mds_revoke_node&) { return msg::mds_to_client_revoke_node{}; },
    };
  });
}

// Forwards to a directory set after the CSs exist (their handles fill its table).
struct lazy_directory_state {
  std::shared_ptr<cs_directory_api> target;
};
cs_directory_api spawn_lazy_directory(caf::actor_system& sys, std::shared_ptr<cs_directory_api> target) {
  return sys.spawn([target](cs_directory_api::pointer self) -> cs_directory_api::behavior_type {
    return {[self, target](connect_atom a, const std::string& addr) { return self->delegate(*target, a, addr); }};
  });
}

constexpr uint64_t test_chunk_size = uint64_t{4} << 20;

struct fixture {
  node_config cfg{node_config::mode::testing};
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<mds_record> rec = std::make_shared<mds_record>();
  mds_api mds = spawn_stand_in_mds(sys, rec);
  mds_locator_api locator = spawn_fixed_mds_locator(sys, mds);
  std::shared_ptr<cs_directory_api> fixed = std::make_shared<cs_directory_api>();
  cs_directory_api directory = spawn_lazy_directory(sys, fixed);
  std::vector<caf::actor> others;  // helper actors to stop at the end

  struct node {
    cs_api actor;
    std::shared_ptr<persistence::memory_chunk_storage> storage;
    uint32_t id = 0;
    std::string address;
    std::shared_ptr<cs::io_monitor> io;  // its I/O figures (docs/monitoring.md)
  };
  std::vector<node> cs;
  std::map<std::string, cs_api> table;

  fixture() {
    for (int i = 0; i < 3; ++i) add_cs(true);
    finish_directory();
  }

  void add_cs(bool checksums) {
    node n;
    persistence::memory_storage_options o;
    o.checksums = checksums;
    o.chunk_size = test_chunk_size;
    n.storage = std::make_shared<persistence::memory_chunk_storage>(o);
    n.address = "10.0.0." + std::to_string(cs.size() + 1) + ":3000";
    auto repo = std::make_shared<persistence::cs_repo>(":memory:");
    persistence::cs_settings s;
    s.cluster = "sim";
    s.repo_uuid = "u" + std::to_string(cs.size());
    s.checksums = checksums;
    repo->initialise(s);
    cs_deps d;
    d.repo = repo;
    d.storage = n.storage;
    d.locator = locator;
    d.directory = directory;
    d.digest = "d";
    d.host_id = s.repo_uuid;
    n.io = std::make_shared<cs::io_monitor>(sys.clock().now());
    d.io = n.io;
    auto idx = cs.size();
    d.on_registered = [this, idx](uint32_t id) { cs[idx].id = id; };
    n.actor = spawn_cs(sys, d);
    table[n.address] = n.actor;
    cs.push_back(n);
    caf::anon_send(cs.back().actor, start_atom::value, cs.back().address);
    sched.run();
  }

  void finish_directory() { *fixed = spawn_fixed_cs_directory(sys, table); }

  ~fixture() {
    for (auto& n : cs) caf::anon_send_exit(n.actor, caf::exit_reason::user_shutdown);
    for (auto& a : others) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(mds, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(locator, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(*fixed, caf::exit_reason::user_shutdown);
    sched.run();
    sched.trigger_timeouts();
    sched.run();
  }

  // Sends a request from a helper actor; runs the scheduler (advancing
  // virtual time by `wait` first if given) and returns the answer.
  template <class Resp, class Req>
  std::optional<Resp> ask(cs_api to, Req req, caf::timespan wait = caf::timespan{0}) {
    auto out = std::make_shared<std::optional<Resp>>();
    auto helper = sys.spawn([=](caf::event_based_actor* self) {
      self->request(to, 30s, std::move(req)).then([=](Resp& r) { *out = std::move(r); }, [](caf::error&) {});
    });
    sched.run();
    if (wait.count() > 0) {
      sched.advance_time(wait);
      sched.run();
    }
    return *out;
  }

  // ---- request builders ----
  static void fill_chain(capnp::List<p::ReplicaLocation>::Builder c, const std::vector<node>& nodes) {
    for (unsigned i = 0; i < nodes.size(); ++i) {
      c[i].setCsId(nodes[i].id);
      c[i].setAddress(nodes[i].address);
    }
  }

  struct chain_result {
    uint32_t code = 999, failed = 0;
    std::string message;
  };

  template <class Resp>
  static chain_result chain_result_of(const std::optional<Resp>& a) {
    chain_result r;
    if (!a) return r;
    auto d = wire::decode(*a);
    REQUIRE(d);
    r.code = d->getStatus().getCode();
    r.failed = d->getFailedCsId();
    r.message = d->getStatus().getMessage().cStr();
    return r;
  }

  chain_result write(const node& head, const std::vector<node>& chain, uint64_t chunk, uint64_t version,
                     uint64_t offset, std::vector<char> data, bool sync = false,
                     caf::timespan wait = caf::timespan{0}) {
    auto req = wire::make<p::ClientToCsWrite>(
        [&](auto b) {
          b.setChunkId(chunk);
          b.setVersion(version);
          b.setOffset(offset);
          b.setSync(sync);
          fill_chain(b.initChain(chain.size()), chain);
        },
        std::move(data));
    return chain_result_of(ask<msg::cs_to_client_write>(head.actor, std::move(req), wait));
  }

  chain_result sync_chain(const node& head, const std::vector<node>& chain, uint64_t chunk, uint64_t version) {
    auto req = wire::make<p::ClientToCsSync>([&](auto b) {
      b.setChunkId(chunk);
      b.setVersion(version);
      fill_chain(b.initChain(chain.size()), chain);
    });
    return chain_result_of(ask<msg::cs_to_client_sync>(head.actor, std::move(req)));
  }

  // {status code, payload}
  std::pair<uint32_t, std::vector<char>> read(const node& n, uint64_t chunk, uint64_t version, uint64_t offset,
                                              uint32_t length) {
    auto a = ask<msg::cs_to_client_read>(n.actor, wire::make<p::ClientToCsRead>([&](auto b) {
                                           b.setChunkId(chunk);
                                           b.setVersion(version);
                                           b.setOffset(offset);
                                           b.setLength(length);
                                         }));
    if (!a) return {999, {}};
    auto d = wire::decode(*a);
    REQUIRE(d);
    return {d->getStatus().getCode(), a->payload};
  }

  template <class Resp, class Req>
  uint32_t status_of(const node& n, Req req) {
    auto a = ask<Resp>(n.actor, std::move(req));
    if (!a) return 999;
    auto d = wire::decode(*a);
    REQUIRE(d);
    return d->getStatus().getCode();
  }

  uint32_t create(const node& n, uint64_t chunk, uint64_t version, uint64_t epoch = 0) {
    return status_of<msg::cs_to_mds_create_chunk>(n, wire::make<p::MdsToCsCreateChunk>([&](auto b) {
                                                    b.setChunkId(chunk);
                                                    b.setVersion(version);
                                                    b.setEpoch(epoch);
                                                  }));
  }
  uint32_t set_version(const node& n, uint64_t chunk, uint64_t old_v, uint64_t new_v,
                       std::optional<uint64_t> truncate_to = std::nullopt, uint64_t epoch = 0) {
    return status_of<msg::cs_to_mds_set_version>(n, wire::make<p::MdsToCsSetVersion>([&](auto b) {
                                                   b.setChunkId(chunk);
                                                   b.setEpoch(epoch);
                                                   b.setOldVersion(old_v);
                                                   b.setNewVersion(new_v);
                                                   if (truncate_to) {
                                                     b.setTruncate(true);
                                                     b.setTruncateTo(*truncate_to);
                                                   }
                                                 }));
  }
  uint32_t remove(const node& n, uint64_t chunk, uint64_t epoch = 0) {
    return status_of<msg::cs_to_mds_delete_chunk>(n, wire::make<p::MdsToCsDeleteChunk>([&](auto b) {
                                                    b.setChunkId(chunk);
                                                    b.setEpoch(epoch);
                                                  }));
  }
  uint32_t replicate(const node& n, uint64_t chunk, uint64_t version, const node& source) {
    return status_of<msg::cs_to_mds_replicate>(n, wire::make<p::MdsToCsReplicate>([&](auto b) {
                                                 b.setChunkId(chunk);
                                                 b.setVersion(version);
                                                 b.initSource().setCsId(source.id);
                                                 b.getSource().setAddress(source.address);
                                               }));
  }

  void create_everywhere(uint64_t chunk, uint64_t version = 1) {
    for (auto& n : cs) REQUIRE(create(n, chunk, version) == p::STATUS_OK);
  }

  // Advances virtual time in small steps, running every job in between.
  void advance(caf::timespan total, caf::timespan step = 100ms) {
    for (caf::timespan t{0}; t < total; t += step) {
      sched.advance_time(step);
      sched.run();
    }
  }
};

std::vector<char> pattern(size_t n, int seed) {
  std::vector<char> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<char>((i * 131 + seed * 7 + i / 4096) & 0xff);
  return v;
}

void put(std::vector<char>& image, uint64_t offset, const std::vector<char>& data) {
  if (image.size() < offset + data.size()) image.resize(offset + data.size(), 0);
  std::copy(data.begin(), data.end(), image.begin() + offset);
}

}  // namespace

TEST_CASE_FIXTURE(fixture, "all three CSs register and report flag C") {
  CHECK(cs[0].id == 1025);
  CHECK(cs[2].id == 1027);
  CHECK(rec->flags[1025] == "C");
}

TEST_CASE_FIXTURE(fixture, "a chain write of several pieces lands on every replica") {
  create_everywhere(7);
  std::vector<char> image;
  const std::vector<std::pair<uint64_t, std::vector<char>>> pieces = {
      {0, pattern(8192, 1)}, {4096 + 100, pattern(5000, 2)}, {1 << 20, pattern(1 << 20, 3)}, {3, pattern(10, 4)}};
  for (auto& [off, data] : pieces) {
    auto r = write(cs[0], {cs[1], cs[2]}, 7, 1, off, data);
    CHECK(r.code == p::STATUS_OK);
    CHECK(r.failed == 0);
    put(image, off, data);
  }
  for (auto& n : cs) {
    auto [code, data] = read(n, 7, 1, 0, static_cast<uint32_t>(image.size() + 4096));
    CHECK(code == p::STATUS_OK);
    REQUIRE(data.size() == image.size() + 4096);
    CHECK(std::equal(image.begin(), image.end(), data.begin()));
    CHECK(std::all_of(data.begin() + image.size(), data.end(), [](char c) { return c == 0; }));
  }
  // a chain may start at any replica, in any order
  auto r = write(cs[2], {cs[0]}, 7, 1, 100, pattern(50, 9));
  CHECK(r.code == p::STATUS_OK);
  put(image, 100, pattern(50, 9));
  CHECK(read(cs[0], 7, 1, 100, 50).second == pattern(50, 9));
  CHECK(read(cs[1], 7, 1, 100, 50).second != pattern(50, 9));  // not in that chain
}

// ClientToCsWrite.extents: several ranges of a chunk in one message (the
// client's write-behind batches), applied in order, overlaps included.
TEST_CASE_FIXTURE(fixture, "a write of several extents applies them in order on every replica of the chain") {
  create_everywhere(8);
  const std::vector<std::pair<uint64_t, std::vector<char>>> ext = {
      {8192, pattern(4096, 1)}, {100, pattern(300, 2)}, {8192 + 1000, pattern(10, 3)}, {1 << 20, pattern(4096, 4)}};
  std::vector<char> payload, image;
  for (auto& [off, data] : ext) {
    payload.insert(payload.end(), data.begin(), data.end());
    put(image, off, data);  // the third overwrites part of the first: order matters
  }
  auto req = [&](std::vector<char> body) {
    return wire::make<p::ClientToCsWrite>(
        [&](auto b) {
          b.setChunkId(8);
          b.setVersion(1);
          auto e = b.initExtents(static_cast<unsigned>(ext.size()));
          for (unsigned i = 0; i < ext.size(); ++i) {
            e[i].setOffset(ext[i].first);
            e[i].setLength(static_cast<uint32_t>(ext[i].second.size()));
          }
          fill_chain(b.initChain(2), {cs[1], cs[2]});
        },
        std::move(body));
  };
  auto r = chain_result_of(ask<msg::cs_to_client_write>(cs[0].actor, req(payload)));
  CHECK(r.code == p::STATUS_OK);
  for (auto& n : cs) {
    auto [code, data] = read(n, 8, 1, 0, static_cast<uint32_t>(image.size()));
    CHECK(code == p::STATUS_OK);
    CHECK(data == image);
  }
  // extents that do not add up to the payload: refused before anything is written
  payload.pop_back();
  auto bad = chain_result_of(ask<msg::cs_to_client_write>(cs[0].actor, req(payload)));
  CHECK(bad.code == p::STATUS_BAD_REQUEST);
  CHECK(bad.message.find("payload") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "sync reaches every replica of the chain; unsynced writes are lost in a crash") {
  create_everywhere(8);
  auto data = pattern(20000, 5);
  REQUIRE(write(cs[0], {cs[1], cs[2]}, 8, 1, 0, data).code == p::STATUS_OK);
  SUBCASE("sync then crash: data survives on all") {
    auto r = sync_chain(cs[0], {cs[1], cs[2]}, 8, 1);
    CHECK(r.code == p::STATUS_OK);
    for (auto& n : cs) {
      n.storage->crash();
      CHECK(read(n, 8, 1, 0, 20000).second == data);
    }
  }
  SUBCASE("no sync, crash: data is gone") {
    for (auto& n : cs) {
      n.storage->crash();
      CHECK(read(n, 8, 1, 0, 20000).second != data);
    }
  }
  SUBCASE("sync flag on the write") {
    REQUIRE(write(cs[0], {cs[1], cs[2]}, 8, 1, 0, data, true).code == p::STATUS_OK);
    for (auto& n : cs) {
      n.storage->crash();
      CHECK(read(n, 8, 1, 0, 20000).second == data);
    }
  }
  SUBCASE("sync of a wrong version is stale") {
    CHECK(sync_chain(cs[0], {cs[1]}, 8, 2).code == p::STATUS_STALE);
    CHECK(sync_chain(cs[0], {cs[1]}, 9, 1).code == p::STATUS_NOT_FOUND);
  }
}

TEST_CASE_FIXTURE(fixture, "a stale version is refused at the head and down the chain") {
  create_everywhere(9);
  CHECK(write(cs[0], {cs[1], cs[2]}, 9, 2, 0, pattern(100, 1)).code == p::STATUS_STALE);
  CHECK(read(cs[0], 9, 2, 0, 10).first == p::STATUS_STALE);
  // the tail moved on (it survived a failure the others did not see)
  REQUIRE(set_version(cs[2], 9, 1, 2) == p::STATUS_OK);
  auto r = write(cs[0], {cs[1], cs[2]}, 9, 1, 0, pattern(100, 1));
  CHECK(r.code == p::STATUS_STALE);
  // a CS never creates a chunk on write
  CHECK(write(cs[0], {}, 99, 1, 0, pattern(10, 1)).code == p::STATUS_NOT_FOUND);
  CHECK(write(cs[0], {}, 99, 1, 0, pattern(10, 1)).failed == cs[0].id);
}

TEST_CASE_FIXTURE(fixture, "a dead CS in the middle of the chain is named and the head still answers") {
  create_everywhere(10);
  caf::anon_send_exit(cs[1].actor, caf::exit_reason::kill);
  sched.run();
  auto r = write(cs[0], {cs[1], cs[2]}, 10, 1, 0, pattern(4096, 1));
  CHECK(r.code != p::STATUS_OK);
  CHECK(r.failed == cs[1].id);
  CHECK(r.message.find("CS#1026") != std::string::npos);
  CHECK(read(cs[0], 10, 1, 0, 4096).second == pattern(4096, 1));  // the head wrote its copy
  // a dead tail is named too; a sync down the chain as well
  auto tail = write(cs[2], {cs[0], cs[1]}, 10, 1, 0, pattern(10, 2));
  CHECK(tail.failed == cs[1].id);
  CHECK(sync_chain(cs[0], {cs[1], cs[2]}, 10, 1).failed == cs[1].id);
  // an address nobody serves
  node ghost{cs_api{}, nullptr, 4242, "10.9.9.9:1"};
  CHECK(write(cs[0], {ghost}, 10, 1, 0, pattern(10, 2)).failed == 4242);
}

TEST_CASE_FIXTURE(fixture, "a hung CS in the chain times out after 5 s per remaining hop and is named") {
  create_everywhere(11);
  // an actor that accepts writes and never answers
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  auto hung = sys.spawn([held](caf::event_based_actor* self) -> caf::behavior {
    return {[self, held](msg::client_to_cs_write&) {
      held->push_back(self->make_response_promise());
      return held->back();
    }};
  });
  others.push_back(hung);
  // a fresh directory that knows the hung actor
  table["10.0.0.9:3000"] = caf::actor_cast<cs_api>(hung);
  caf::anon_send_exit(*fixed, caf::exit_reason::user_shutdown);
  finish_directory();
  node h{caf::actor_cast<cs_api>(hung), nullptr, 5555, "10.0.0.9:3000"};
  // The wait for the next CS is 5 s per remaining hop (actors/cs/cs_actor.cpp
  // forward_down), so the CS right before a dead one reports it: 2 hops here.
  auto early = write(cs[0], {h, cs[2]}, 11, 1, 0, pattern(100, 1), false, 9s);
  CHECK(early.code == 999);  // no answer yet after 9 s
  advance(2s);
  held->clear();
  auto r = write(cs[0], {h, cs[2]}, 11, 1, 0, pattern(100, 1), false, 11s);
  CHECK(r.code == p::STATUS_UNAVAILABLE);
  CHECK(r.failed == 5555);
  held->clear();
}

// The CS's own I/O figures (actors/cs/io_stats.hpp, guide "Monitoring Chunk
// Servers"): an op lasts from its arrival to its answer, so the chain head's
// write waits for the downstream CSs: a hung second CS makes it 10 s long.
TEST_CASE_FIXTURE(fixture, "I/O figures: a chained write lasts until the downstream answer; reads count their bytes") {
  create_everywhere(21);
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  auto hung = sys.spawn([held](caf::event_based_actor* self) -> caf::behavior {
    return {[self, held](msg::client_to_cs_write&) {
      held->push_back(self->make_response_promise());
      return held->back();
    }};
  });
  others.push_back(hung);
  table["10.0.0.9:3000"] = caf::actor_cast<cs_api>(hung);
  caf::anon_send_exit(*fixed, caf::exit_reason::user_shutdown);
  finish_directory();
  node h{caf::actor_cast<cs_api>(hung), nullptr, 5555, "10.0.0.9:3000"};
  auto r = write(cs[0], {h, cs[2]}, 21, 1, 0, pattern(100, 1), false, 9s);
  REQUIRE(r.code == 999);  // no answer yet
  CHECK(cs[0].io->read(sys.clock().now()).first.in_flight == 1);
  advance(2s);  // in 100 ms steps: the head gives up at 10 s
  held->clear();
  auto [f, t] = cs[0].io->read(sys.clock().now());
  CHECK(t.write_ops == 1);
  CHECK(t.write_bytes == 100);
  CHECK(t.failed_ops == 1);
  CHECK(f.latency_max_ms == doctest::Approx(10000).epsilon(0.02));  // 2 hops x 5 s
  CHECK(f.in_flight == 0);
  CHECK(f.queue_depth > 0.4);  // one op in service for 10 of the last ~11 s
  CHECK(t.latency_buckets.back() == 0);  // 10 s is within the last finite bucket
  // A successful chain write and a read on another CS.
  r = write(cs[1], {cs[2]}, 21, 1, 0, pattern(4096, 2));
  REQUIRE(r.code == p::STATUS_OK);
  CHECK(read(cs[1], 21, 1, 0, 4096).first == p::STATUS_OK);
  std::tie(f, t) = cs[1].io->read(sys.clock().now());
  CHECK(t.write_ops == 1);
  CHECK(t.read_ops == 1);
  CHECK(t.read_bytes == 4096);
  CHECK(t.failed_ops == 0);
  CHECK(f.read_bytes_per_s > 0);
  // cs[2] served the forwarded write too (as a chain member).
  CHECK(cs[2].io->read(sys.clock().now()).second.write_bytes == 4096);
}

TEST_CASE_FIXTURE(fixture, "a checksum mismatch is refused, reported to the MDS, and shows flag h") {
  create_everywhere(12);
  auto data = pattern(3 * 4096, 6);
  REQUIRE(write(cs[0], {cs[1], cs[2]}, 12, 1, 0, data).code == p::STATUS_OK);
  REQUIRE(cs[1].storage->flip_bit(12, 5000, 3));
  auto [code, payload] = read(cs[1], 12, 1, 0, 3 * 4096);
  CHECK(code == p::STATUS_CHECKSUM);
  CHECK(payload.empty());
  REQUIRE(rec->bad.size() == 1);
  CHECK(rec->bad[0].cs_id == cs[1].id);
  CHECK(rec->bad[0].chunk == 12);
  CHECK(rec->bad[0].version == 1);
  CHECK(rec->bad[0].checksum);
  // pages that are fine still read, and other replicas are clean
  CHECK(read(cs[1], 12, 1, 8192, 4096).first == p::STATUS_OK);
  CHECK(read(cs[0], 12, 1, 0, 3 * 4096).second == data);
  advance(1500ms);  // a heartbeat carries the flag
  CHECK(rec->flags[cs[1].id] == "Ch");
  CHECK(rec->flags[cs[0].id] == "C");
}

TEST_CASE_FIXTURE(fixture, "with checksums off (make-cs -S) the flag is D and rot is returned") {
  add_cs(false);
  auto& n = cs.back();
  CHECK(rec->flags[n.id] == "D");
  REQUIRE(create(n, 13, 1) == p::STATUS_OK);
  REQUIRE(write(n, {}, 13, 1, 0, pattern(4096, 1)).code == p::STATUS_OK);
  REQUIRE(n.storage->flip_bit(13, 10, 0));
  auto [code, data] = read(n, 13, 1, 0, 4096);
  CHECK(code == p::STATUS_OK);
  CHECK(data != pattern(4096, 1));
  CHECK(rec->bad.empty());
}

TEST_CASE_FIXTURE(fixture, "create, set_version and delete are idempotent") {
  CHECK(create(cs[0], 20, 1) == p::STATUS_OK);
  CHECK(create(cs[0], 20, 1) == p::STATUS_OK);
  CHECK(create(cs[0], 20, 4) == p::STATUS_STALE);
  REQUIRE(write(cs[0], {}, 20, 1, 0, pattern(100, 1)).code == p::STATUS_OK);
  CHECK(set_version(cs[0], 20, 1, 2) == p::STATUS_OK);
  CHECK(set_version(cs[0], 20, 1, 2) == p::STATUS_OK);  // repeated
  CHECK(set_version(cs[0], 20, 5, 6) == p::STATUS_STALE);
  CHECK(set_version(cs[0], 21, 1, 2) == p::STATUS_NOT_FOUND);
  CHECK(read(cs[0], 20, 1, 0, 100).first == p::STATUS_STALE);
  CHECK(read(cs[0], 20, 2, 0, 100).second == pattern(100, 1));
  CHECK(remove(cs[0], 20) == p::STATUS_OK);
  CHECK(remove(cs[0], 20) == p::STATUS_OK);
  CHECK(read(cs[0], 20, 2, 0, 100).first == p::STATUS_NOT_FOUND);
  CHECK(cs[0].storage->list().value.empty());
}

TEST_CASE_FIXTURE(fixture, "orders of a deposed master (lower epoch, or unset once one was seen) are refused; the replica stays") {
  CHECK(create(cs[0], 30, 1, 5) == p::STATUS_OK);  // the master of epoch 5
  CHECK(remove(cs[0], 30, 4) == p::STATUS_STALE);
  CHECK(set_version(cs[0], 30, 1, 2, std::nullopt, 4) == p::STATUS_STALE);
  CHECK(remove(cs[0], 30, 0) == p::STATUS_STALE);
  CHECK(create(cs[0], 31, 1, 3) == p::STATUS_STALE);
  REQUIRE(cs[0].storage->list().value.size() == 1);
  CHECK(cs[0].storage->stat(30).value.version == 1);
  CHECK(set_version(cs[0], 30, 1, 2, std::nullopt, 6) == p::STATUS_OK);  // a newer master
  CHECK(remove(cs[0], 30, 5) == p::STATUS_STALE);
  CHECK(remove(cs[0], 30, 6) == p::STATUS_OK);
  CHECK(cs[0].storage->list().value.empty());
  // Other CSs have seen no epoch yet: unset orders still pass there.
  CHECK(create(cs[1], 30, 1) == p::STATUS_OK);
}

TEST_CASE_FIXTURE(fixture, "set_version with truncate cuts the data past truncateTo") {
  REQUIRE(create(cs[0], 30, 1) == p::STATUS_OK);
  std::vector<char> data(3 * 4096 + 50, 'x');
  REQUIRE(write(cs[0], {}, 30, 1, 0, data).code == p::STATUS_OK);
  CHECK(set_version(cs[0], 30, 1, 2, 5000) == p::STATUS_OK);
  auto [code, got] = read(cs[0], 30, 2, 0, static_cast<uint32_t>(data.size()));
  CHECK(code == p::STATUS_OK);
  std::vector<char> want(data.size(), 0);
  std::fill(want.begin(), want.begin() + 5000, 'x');
  CHECK(got == want);
  // durable: the cut survives a crash
  cs[0].storage->crash();
  CHECK(read(cs[0], 30, 2, 0, static_cast<uint32_t>(data.size())).second == want);
}

TEST_CASE_FIXTURE(fixture, "replicate keeps to the bandwidth the MDS gives (mds.repl.bandwidth), virtual time") {
  REQUIRE(create(cs[0], 41, 2) == p::STATUS_OK);
  REQUIRE(write(cs[0], {}, 41, 2, 0, pattern(test_chunk_size, 5)).code == p::STATUS_OK);
  auto req = wire::make<p::MdsToCsReplicate>([&](auto b) {
    b.setChunkId(41);
    b.setVersion(2);
    b.initSource().setCsId(cs[0].id);
    b.getSource().setAddress(cs[0].address);
    b.setBandwidth(1 << 20);  // 4 MiB at 1 MiB/s: pieces at 0, 1, 2, 3 s, the answer at 4 s
  });
  auto out = std::make_shared<std::optional<msg::cs_to_mds_replicate>>();
  auto target = cs[2].actor;
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(target, 60s, std::move(req)).then([=](msg::cs_to_mds_replicate& r) { *out = std::move(r); },
                                                     [](caf::error&) {});
  });
  sched.run();
  CHECK_FALSE(out->has_value());
  advance(3500ms);
  CHECK_FALSE(out->has_value());
  advance(1000ms);
  REQUIRE(out->has_value());
  auto d = wire::decode(**out);
  REQUIRE(d);
  CHECK(d->getStatus().getCode() == p::STATUS_OK);
  CHECK(read(cs[2], 41, 2, 0, 4096).second == read(cs[0], 41, 2, 0, 4096).second);

  // `length` (the cluster's chunk size) bounds what is read: 1 MiB at 1 MiB/s
  // answers after 1 s, not after the CS's 4 MiB maximum.
  REQUIRE(create(cs[0], 42, 2) == p::STATUS_OK);
  REQUIRE(write(cs[0], {}, 42, 2, 0, pattern(100000, 6)).code == p::STATUS_OK);
  auto req2 = wire::make<p::MdsToCsReplicate>([&](auto b) {
    b.setChunkId(42);
    b.setVersion(2);
    b.initSource().setCsId(cs[0].id);
    b.getSource().setAddress(cs[0].address);
    b.setBandwidth(1 << 20);
    b.setLength(1 << 20);
  });
  auto out2 = std::make_shared<std::optional<msg::cs_to_mds_replicate>>();
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(target, 60s, std::move(req2)).then([=](msg::cs_to_mds_replicate& r) { *out2 = std::move(r); },
                                                      [](caf::error&) {});
  });
  sched.run();
  advance(500ms);
  CHECK_FALSE(out2->has_value());
  advance(1000ms);
  REQUIRE(out2->has_value());
  CHECK(wire::decode(**out2)->getStatus().getCode() == p::STATUS_OK);
  CHECK(read(cs[2], 42, 2, 0, 100000).second == pattern(100000, 6));
}

TEST_CASE_FIXTURE(fixture, "replicate copies a chunk from another CS at its version") {
  REQUIRE(create(cs[0], 40, 3) == p::STATUS_OK);
  std::vector<char> image;
  put(image, 0, pattern(5000, 1));
  put(image, (2 << 20) + 7, pattern(70000, 2));  // after a 1 MiB hole
  REQUIRE(write(cs[0], {}, 40, 3, 0, pattern(5000, 1)).code == p::STATUS_OK);
  REQUIRE(write(cs[0], {}, 40, 3, (2 << 20) + 7, pattern(70000, 2)).code == p::STATUS_OK);
  // a stale leftover on the target is replaced
  REQUIRE(create(cs[2], 40, 1) == p::STATUS_OK);
  CHECK(replicate(cs[2], 40, 3, cs[0]) == p::STATUS_OK);
  auto list = cs[2].storage->list().value;
  REQUIRE(list.size() == 1);
  CHECK(list[0].version == 3);
  auto [code, got] = read(cs[2], 40, 3, 0, static_cast<uint32_t>(image.size()));
  CHECK(code == p::STATUS_OK);
  CHECK(got == image);
  cs[2].storage->crash();  // synced before answering
  CHECK(read(cs[2], 40, 3, 0, static_cast<uint32_t>(image.size())).second == image);
  CHECK(cs[2].storage->used_bytes() <= 20 * 4096);  // holes stay holes (2 + 18 pages of data)

  // from a source without the version: fails, leaves nothing behind
  CHECK(replicate(cs[1], 40, 4, cs[0]) == p::STATUS_STALE);
  CHECK(cs[1].storage->list().value.empty());
  // from a dead source
  caf::anon_send_exit(cs[0].actor, caf::exit_reason::kill);
  sched.run();
  CHECK(replicate(cs[1], 40, 3, cs[0]) != p::STATUS_OK);
  CHECK(cs[1].storage->list().value.empty());
}

// docs/chunk-versions.md, "A bad page in a copy" (issue 15; pstorage-sim
// --seed 1199 --scenario data-disk): before, every copy from a source with
// one bad page failed whole, so the chunk stayed on that one replica.
TEST_CASE_FIXTURE(fixture, "replicate takes a page the source has bad from an alternate, else carries it over marked bad") {
  auto replicate_with = [&](const node& n, const node& source, std::vector<const node*> alternates) {
    auto a = ask<msg::cs_to_mds_replicate>(n.actor, wire::make<p::MdsToCsReplicate>([&](auto b) {
                                             b.setChunkId(50);
                                             b.setVersion(2);
                                             b.initSource().setCsId(source.id);
                                             b.getSource().setAddress(source.address);
                                             auto l = b.initAlternates(static_cast<unsigned>(alternates.size()));
                                             for (unsigned i = 0; i < alternates.size(); ++i) {
                                               l[i].setCsId(alternates[i]->id);
                                               l[i].setAddress(alternates[i]->address);
                                             }
                                           }));
    REQUIRE(a);
    auto d = wire::decode(*a);
    REQUIRE(d);
    std::vector<uint64_t> bad;
    for (auto pg : d->getBadPages()) bad.push_back(pg);
    return std::make_pair(d->getStatus().getCode(), bad);
  };
  REQUIRE(create(cs[0], 50, 2) == p::STATUS_OK);
  REQUIRE(create(cs[1], 50, 2) == p::STATUS_OK);
  const auto data = pattern(6 * 4096, 8);
  REQUIRE(write(cs[0], {cs[1]}, 50, 2, 0, data).code == p::STATUS_OK);
  REQUIRE(cs[0].storage->flip_bit(50, 2 * 4096 + 17, 1));  // page 2 rotten on the source
  REQUIRE(cs[1].storage->flip_bit(50, 4 * 4096 + 5, 2));   // page 4 on the alternate

  // The alternate has page 2 good: the copy is whole and good.
  auto [code, bad] = replicate_with(cs[2], cs[0], {&cs[1]});
  CHECK(code == p::STATUS_OK);
  CHECK(bad.empty());
  CHECK(read(cs[2], 50, 2, 0, 6 * 4096).second == data);
  CHECK(cs[2].storage->verify(50).value.empty());

  // No alternate: page 2 comes over marked bad. Reads of it fail, never
  // return the rotten bytes; every other page is there.
  REQUIRE(remove(cs[2], 50) == p::STATUS_OK);
  std::tie(code, bad) = replicate_with(cs[2], cs[0], {});
  CHECK(code == p::STATUS_OK);  // before: STATUS_CHECKSUM, nothing copied
  CHECK(bad == std::vector<uint64_t>{2});
  CHECK(read(cs[2], 50, 2, 0, 6 * 4096).first == p::STATUS_CHECKSUM);
  CHECK(read(cs[2], 50, 2, 0, 2 * 4096).second == std::vector<char>(data.begin(), data.begin() + 2 * 4096));
  CHECK(read(cs[2], 50, 2, 3 * 4096, 3 * 4096).second == std::vector<char>(data.begin() + 3 * 4096, data.end()));
  CHECK(cs[2].storage->verify(50).value == std::vector<uint64_t>{2});
  cs[2].storage->crash();  // synced before the answer, the mark too
  CHECK(cs[2].storage->verify(50).value == std::vector<uint64_t>{2});

  // Both holders bad at different pages: merged page by page, all good.
  REQUIRE(remove(cs[2], 50) == p::STATUS_OK);
  std::tie(code, bad) = replicate_with(cs[2], cs[1], {&cs[0]});
  CHECK(code == p::STATUS_OK);
  CHECK(bad.empty());
  CHECK(read(cs[2], 50, 2, 0, 6 * 4096).second == data);
}
