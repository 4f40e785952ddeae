// Proposals of an epoch this MDS lost are always answered. MDS#1 of three,
// whose peers are played by this test (their election messages are scripted
// here), proposes three mkdirs as master of epoch 2 that never commit: MDS#3
// takes epoch 3 and overwrites them, then MDS#1 wins epoch 4 again. The
// proposals sat in the MDS actor's table of waiting proposals by index; the
// new epoch's own proposals reuse those indexes. Before the fix the new
// epoch's proposal ("became master") took the slot of the third mkdir, whose
// answer was lost: the client never heard back. In the simulator the lost
// callback was a version round's confirmation: the chunk stayed locked
// (`with_chunk`) and unconfirmed for good (pstorage-sim --seed 3269
// --scenario data-3mds, simulator built from 109671b: "chunk 3 v2 has 0 live
// replica(s) after settling").
#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "actors/common/node_config.hpp"
#include "actors/election/election_wire.hpp"
#include "actors/mds/mds_actor.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage;
using namespace std::chrono_literals;
namespace p = pstorage::proto;

namespace {

std::string addr(uint32_t id) { return "10.0.0." + std::to_string(id) + ":2510"; }

// A scripted peer MDS: records what MDS#1's election actor sends it and,
// while `answers`, grants (pre-)votes and acknowledges appends.
struct peer_script {
  uint32_t id = 0;
  bool answers = false;
  std::vector<election::message> got;
};

caf::actor spawn_peer(caf::actor_system& sys, std::shared_ptr<peer_script> ps) {
  return sys.spawn([ps](caf::event_based_actor* self) -> caf::behavior {
    return {[self, ps](const msg::mds_to_mds_raft& w) {
      auto d = wire::decode(w);
      if (!d) return;
      auto m = election::from_wire(*d);
      ps->got.push_back(m);
      if (!ps->answers) return;
      election::message r;
      r.from = ps->id;
      r.to = m.from;
      r.term = m.term;
      switch (m.type) {
        case election::msg_type::pre_vote: r.type = election::msg_type::pre_vote_resp; break;
        case election::msg_type::vote: r.type = election::msg_type::vote_resp; break;
        case election::msg_type::append:
          r.type = election::msg_type::append_resp;
          r.index = m.log_index + m.entries.size();
          r.context = m.context;
          break;
        default: return;
      }
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), election::to_wire(r, "sim", addr(ps->id)));
    }};
  });
}

}  // namespace

TEST_CASE("a proposal of an epoch the MDS lost is answered, not overwritten by the next epoch's") {
  node_config cfg{node_config::mode::testing};
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  persistence::auth_digest auth;
  auth.cluster = "sim";
  auth.salt = "salt";
  auth.iterations = 1;
  auth.digest = persistence::derive_digest("pw", auth.salt, 1);
  auto store = std::make_shared<persistence::mds_store>(":memory:");
  store->init_cluster("sim", 1, addr(1), auth);
  store->set_mdses({{1, addr(1)}, {2, addr(2)}, {3, addr(3)}});
  election::membership all;
  for (uint32_t m = 1; m <= 3; ++m) all.members.push_back(election::member{m, addr(m)});
  all.normalize();
  auto journal = std::make_shared<persistence::journal_store>(":memory:");
  {
    auto boot = election::raft_core::bootstrap(all);
    persistence::journal_batch b;
    for (auto& e : boot.entries) b.entries.push_back(election::to_record(e));
    b.hard_state = persistence::journal_hard_state{boot.hs.term, boot.hs.vote, boot.hs.commit};
    journal->save(b, true);
  }
  auto md = std::make_shared<persistence::md_store>(":memory:");

  std::map<uint32_t, std::shared_ptr<peer_script>> scripts;
  std::map<uint32_t, caf::actor> peers;
  for (uint32_t id : {2u, 3u}) {
    scripts[id] = std::make_shared<peer_script>();
    scripts[id]->id = id;
    peers[id] = spawn_peer(sys, scripts[id]);
  }
  election_api election;
  std::vector<std::string> events;
  mds_deps d;
  d.store = store;
  d.md = md;
  d.journal = journal;
  d.on_event = [&](const std::string& e) { events.push_back(e); };
  d.connect_peer = [&](election_api self, uint32_t id, const std::string&) {
    caf::anon_send(self, peer_atom::value, id, peers.count(id) ? peers[id] : caf::actor{});
  };
  d.election_spawned = [&](const election_api& e) { election = e; };
  auto mds = spawn_mds(sys, d);
  std::vector<caf::actor> clients;
  // Every actor ends with the test, also when a REQUIRE ends it early.
  struct stop_all {
    std::function<void()> fn;
    ~stop_all() { fn(); }
  } stop{[&] {
    caf::anon_send_exit(mds, caf::exit_reason::user_shutdown);
    for (auto& [id, a] : peers) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& a : clients) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
    sched.trigger_timeouts();
    sched.run();
  }};
  sched.run();
  REQUIRE(election);

  auto masters = [&] { return std::count(events.begin(), events.end(), "MDS#1 at " + addr(1) + " became master"); };
  auto run_until = [&](auto pred) {
    for (int i = 0; i < 200 && !pred(); ++i) {
      sched.advance_time(100ms);
      sched.run();
    }
    return pred();
  };

  // Epoch 2: MDS#2 votes for MDS#1 and acknowledges its entries.
  scripts[2]->answers = true;
  REQUIRE(run_until([&] { return masters() == 1; }));
  sched.run();
  const uint64_t committed = md->applied_index();  // bootstrap, noop, the "became master" event
  REQUIRE(committed >= 2);
  REQUIRE(md->entry(committed)->term == 2);

  // Three mkdirs proposed in epoch 2; nobody acknowledges them.
  scripts[2]->answers = false;
  std::vector<std::shared_ptr<std::optional<uint32_t>>> answers;
  for (auto name : {"a", "b", "c"}) {
    auto out = std::make_shared<std::optional<uint32_t>>();
    answers.push_back(out);
    auto req = wire::make<p::ClientToMdsFileOp>([&](auto b) {
      auto c = b.initCredentials();
      c.setCluster("sim");
      c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(auth.digest.data()), auth.digest.size()));
      b.setClientId("A");
      b.initOp().initMkdir().setPath(std::string("/") + name);
      b.getOp().getMkdir().setMode(0755);
    });
    clients.push_back(sys.spawn([=](caf::event_based_actor* self) {
      self->request(mds, caf::infinite, req).then([=](msg::mds_to_client_file_op& r) {
        *out = wire::decode(r)->getStatus().getCode();
      });
    }));
    sched.run();
  }
  for (auto& a : answers) REQUIRE_FALSE(a->has_value());  // proposed, waiting for a majority

  // Epoch 3: MDS#3 leads and replaces everything after `committed` with its noop.
  {
    election::message m;
    m.type = election::msg_type::append;
    m.from = 3;
    m.to = 1;
    m.term = 3;
    m.log_index = committed;
    m.log_term = 2;
    m.entries.push_back(election::entry{committed + 1, 3, election::entry_kind::noop, {}});
    m.commit = committed + 1;
    caf::anon_send(caf::actor_cast<caf::actor>(election), election::to_wire(m, "sim", addr(3)));
    sched.run();
  }
  REQUIRE(md->applied_index() == committed + 1);
  REQUIRE(answers[0]->has_value());  // its index now holds epoch 3's noop
  CHECK(**answers[0] == p::STATUS_NOT_MASTER);

  // Epoch 4: MDS#3 falls silent, MDS#2 elects MDS#1 again; its noop takes the
  // second mkdir's index, its "became master" event the third's.
  scripts[2]->answers = true;
  REQUIRE(run_until([&] { return masters() == 2; }));
  run_until([&] { return md->applied_index() >= committed + 3; });
  REQUIRE(md->applied_index() >= committed + 3);
  REQUIRE(answers[1]->has_value());
  CHECK(**answers[1] == p::STATUS_NOT_MASTER);
  REQUIRE(answers[2]->has_value());  // failed before: overwritten, never answered
  CHECK(**answers[2] == p::STATUS_NOT_MASTER);
  CHECK_FALSE(md->lookup(mds::root_inode, "a"));
  CHECK_FALSE(md->lookup(mds::root_inode, "b"));
  CHECK_FALSE(md->lookup(mds::root_inode, "c"));
}
