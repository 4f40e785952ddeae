// Chunk-server scrubbing and failure flags on CAF's deterministic test
// coordinator (virtual time, no sockets). Guide: "Configuring Data
// Scrubbing" (verify_chunks per minute, default 2), "Failed Chunk Servers"
// (flags H, h, R, T). One CS on memory_chunk_storage and a stand-in MDS that
// accepts registration, answers heartbeats with the scrubbing rate it is
// told, and records flags, chunksVerified and bad-replica reports.
#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <functional>
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

struct mds_record {
  uint32_t verify_rate = 2;  // what heartbeat answers carry (mds.wd.verify_chunks)
  std::string flags;         // last flags seen (register or heartbeat)
  uint64_t verified = 0;     // last chunksVerified
  int heartbeats = 0;
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
          rec->flags = r->getInfo().getFlags().cStr();
          return wire::make<p::MdsToCsRegister>([&](auto b) {
            b.initStatus().setCode(p::STATUS_OK);
            b.setCsId(1025);
            b.setHeartbeatMs(1000);
          });
        },
        [rec](const msg::cs_to_mds_heartbeat& m) {
          auto r = wire::decode(m);
          rec->flags = r->getFlags().cStr();
          rec->verified = r->getChunksVerified();
          ++rec->heartbeats;
          return wire::make<p::MdsToCsHeartbeat>([&](auto b) {
            b.initStatus().setCode(p::STATUS_OK);
            b.setVerifyChunksPerMinute(rec->verify_rate);
          });
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

// Forwards to a memory storage; runs a hook inside verify() (to let virtual
// time pass while the "disk" works).
class hooked_storage final : public persistence::chunk_storage {
 public:
  explicit hooked_storage(std::shared_ptr<persistence::chunk_storage> in) : in_(std::move(in)) {}
  std::function<void()> on_verify;
  bool checksums_enabled() const override { return in_->checksums_enabled(); }
  uint64_t chunk_size() const override { return in_->chunk_size(); }
  persistence::storage_status create(uint64_t c, uint64_t v) override { return in_->create(c, v); }
  persistence::storage_status write(uint64_t c, uint64_t v, uint64_t o, std::span<const char> d) override {
    return in_->write(c, v, o, d);
  }
  persistence::storage_result<std::vector<char>> read(uint64_t c, uint64_t v, uint64_t o, uint64_t l) override {
    return in_->read(c, v, o, l);
  }
  persistence::storage_status sync(uint64_t c) override { return in_->sync(c); }
  persistence::storage_status set_version(uint64_t c, uint64_t v) override { return in_->set_version(c, v); }
  persistence::storage_status remove(uint64_t c) override { return in_->remove(c); }
  persistence::storage_result<std::vector<persistence::chunk_info>> list() override { return in_->list(); }
  persistence::storage_result<persistence::chunk_info> stat(uint64_t c) override { return in_->stat(c); }
  persistence::storage_result<std::vector<uint64_t>> verify(uint64_t c) override {
    if (on_verify) on_verify();
    return in_->verify(c);
  }
  persistence::storage_result<persistence::storage_space> space() override { return in_->space(); }

 private:
  std::shared_ptr<persistence::chunk_storage> in_;
};

struct fixture {
  node_config cfg{node_config::mode::testing};
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<mds_record> rec = std::make_shared<mds_record>();
  mds_api mds = spawn_stand_in_mds(sys, rec);
  mds_locator_api locator = spawn_fixed_mds_locator(sys, mds);
  cs_directory_api directory = spawn_fixed_cs_directory(sys, {});
  std::shared_ptr<persistence::memory_chunk_storage> mem;
  std::shared_ptr<hooked_storage> hooked;
  cs_api cs;

  // storage: true = memory storage behind the hook; false = none (flag R case).
  void start(bool with_storage = true, bool repository_missing = false) {
    auto repo = std::make_shared<persistence::cs_repo>(":memory:");
    persistence::cs_settings s;
    s.cluster = "sim";
    s.repo_uuid = "u0";
    s.checksums = true;
    repo->initialise(s);
    cs_deps d;
    d.repo = repo;
    if (with_storage) {
      persistence::memory_storage_options o;
      o.chunk_size = uint64_t{1} << 20;
      mem = std::make_shared<persistence::memory_chunk_storage>(o);
      hooked = std::make_shared<hooked_storage>(mem);
      d.storage = hooked;
    }
    d.repository_missing = repository_missing;
    d.locator = locator;
    d.directory = directory;
    d.digest = "d";
    d.host_id = "u0";
    cs = spawn_cs(sys, d);
    caf::anon_send(cs, start_atom::value, std::string("10.0.0.1:3000"));
    sched.run();
  }

  ~fixture() {
    if (cs) caf::anon_send_exit(cs, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(mds, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(locator, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    sched.run();
    sched.trigger_timeouts();
    sched.run();
  }

  // Lets `d` of virtual time pass in 10 ms steps (timers set on the way fire too).
  void run_for(caf::timespan d) {
    sched.run();
    for (caf::timespan t{0}; t < d; t += 10ms) {
      sched.advance_time(10ms);
      sched.run();
    }
  }

  void store_chunk(uint64_t id, uint64_t version, char fill) {
    REQUIRE(mem->create(id, version));
    std::vector<char> data(3 * persistence::chunk_page_size, fill);
    REQUIRE(mem->write(id, version, 0, data));
    REQUIRE(mem->sync(id));
  }
};

}  // namespace

TEST_CASE_FIXTURE(fixture, "with the rate raised, a flipped bit is found in time and reported to the MDS") {
  start();
  store_chunk(10, 3, 'a');
  store_chunk(20, 7, 'b');
  store_chunk(30, 1, 'c');
  REQUIRE(mem->flip_bit(20, 5000, 2));
  rec->verify_rate = 600;  // one chunk per 100 ms, from the first heartbeat answer (t = 1 s)
  run_for(900ms);
  CHECK(rec->bad.empty());  // default rate (30 s apart): nothing verified yet
  CHECK(rec->heartbeats == 0);
  // Rate known at ~1 s; chunk 10 at ~1.1 s, chunk 20 at ~1.2 s.
  run_for(400ms);
  REQUIRE(rec->bad.size() == 1);
  CHECK(rec->bad[0].cs_id == 1025);
  CHECK(rec->bad[0].chunk == 20);
  CHECK(rec->bad[0].version == 7);
  CHECK(rec->bad[0].checksum);
  run_for(1s);  // next heartbeat carries flag h and the count
  CHECK(rec->flags.find('h') != std::string::npos);
  CHECK(rec->flags.find('C') != std::string::npos);
  CHECK(rec->flags.find('H') == std::string::npos);
  CHECK(rec->verified >= 8);  // ~1.1 s .. ~2 s at 100 ms apart (count as of the heartbeat at ~2 s)
  // Round-robin: the clean chunks are never reported, the bad one once per
  // round of 3 (ticks at ~1.1 .. ~2.3 s: 20 is verified at ticks 2, 5, 8, 11).
  for (auto& r : rec->bad) CHECK(r.chunk == 20);
  CHECK(rec->bad.size() >= 3);
  CHECK(rec->bad.size() <= 5);
}

TEST_CASE_FIXTURE(fixture, "the default rate verifies two chunks per minute") {
  start();
  store_chunk(1, 1, 'x');
  store_chunk(2, 1, 'y');
  run_for(29s);
  CHECK(rec->verified == 0);
  run_for(2s);
  CHECK(rec->verified == 1);
  run_for(30s);
  CHECK(rec->verified == 2);
  CHECK(rec->flags == "C");
  CHECK(rec->bad.empty());
}

TEST_CASE_FIXTURE(fixture, "rate 0 stops scrubbing; raising it resumes the round") {
  start();
  store_chunk(1, 1, 'x');
  store_chunk(2, 1, 'y');
  store_chunk(3, 1, 'z');
  rec->verify_rate = 600;
  run_for(2s);
  CHECK(rec->verified > 0);
  rec->verify_rate = 0;
  run_for(1100ms);  // a heartbeat answer carries 0
  run_for(1s);      // the next heartbeat reports the final count
  const auto stopped_at = rec->verified;
  REQUIRE(mem->flip_bit(2, 1, 1));
  run_for(120s);
  CHECK(rec->verified == stopped_at);
  CHECK(rec->bad.empty());
  rec->verify_rate = 600;
  run_for(2500ms);  // rate known within 1 s, counted by the heartbeat after
  CHECK(rec->verified > stopped_at);
  REQUIRE_FALSE(rec->bad.empty());
  CHECK(rec->bad[0].chunk == 2);
}

TEST_CASE_FIXTURE(fixture, "an I/O error while scrubbing shows flag H") {
  start();
  store_chunk(1, 1, 'x');
  rec->verify_rate = 600;
  run_for(1050ms);  // rate known, no tick yet
  CHECK(rec->flags == "C");
  mem->fail_next(1, persistence::storage_errc::io_error);
  run_for(1s);
  CHECK(rec->flags.find('H') != std::string::npos);
  CHECK(rec->flags.find('T') == std::string::npos);
  CHECK(rec->bad.empty());  // an I/O error is not a bad replica
}

TEST_CASE_FIXTURE(fixture, "a storage call slower than 10 s shows flag T") {
  start();
  store_chunk(1, 1, 'x');
  rec->verify_rate = 600;
  // The "disk" takes 11 s of virtual time to verify.
  hooked->on_verify = [this] { sched.clock().current_time += 11s; };
  run_for(2s);
  CHECK(rec->flags.find('T') != std::string::npos);
  CHECK(rec->flags.find('H') == std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "9 s is not a timeout") {
  start();
  store_chunk(1, 1, 'x');
  rec->verify_rate = 600;
  hooked->on_verify = [this] { sched.clock().current_time += 9s; };
  run_for(2s);
  CHECK(rec->verified > 0);
  CHECK(rec->flags == "C");
}

TEST_CASE_FIXTURE(fixture, "a CS whose repository was missing at start reports R and serves nothing") {
  start(false, true);
  CHECK(rec->flags == "CR");  // at registration
  rec->verify_rate = 600;
  run_for(3s);  // scrubbing ticks find no storage: nothing happens
  CHECK(rec->heartbeats >= 2);
  CHECK(rec->flags == "CR");
  CHECK(rec->verified == 0);
  auto out = std::make_shared<uint32_t>(999);
  sys.spawn([=, to = cs](caf::event_based_actor* self) {
    self->request(to, 5s, wire::make<p::ClientToCsRead>([](auto b) {
          b.setChunkId(1);
          b.setVersion(1);
          b.setLength(10);
        }))
        .then([=](msg::cs_to_client_read& a) { *out = wire::decode(a)->getStatus().getCode(); });
  });
  sched.run();
  CHECK(*out == p::STATUS_UNAVAILABLE);
}
