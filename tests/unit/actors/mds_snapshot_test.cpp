// The crash window of a full resync (docs/election.md "Snapshots and
// compaction", install order): journal.db installed the master's snapshot
// (metadata and the md.db image it keeps) but the MDS stopped before md.db
// took it. On the next start the election actor finds md.db behind the
// journal's snapshot and hands the kept image to the MDS before any later
// entry: md.db ends with the master's state and journal.db drops the image.
#include <caf/all.hpp>
#include <doctest/doctest.h>

#include "actors/common/node_config.hpp"
#include "actors/election/election_wire.hpp"
#include "actors/mds/md_validate.hpp"
#include "actors/mds/mds_actor.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t chunk = uint64_t{1} << 20;

persistence::md_store_options opts() {
  persistence::md_store_options o;
  o.chunk_size = chunk;
  return o;
}

void create_files(persistence::md_store& st, int n) {
  for (int i = 0; i < n; ++i) {
    mds::inode_id next = st.max_inode_id() + 1;
    mds::decision_context c;
    c.now = 1000 + i;
    c.new_inode = [&] { return next++; };
    c.new_chunk = [] { return mds::chunk_id{1}; };
    auto o = mds::validate_create(st, c, mds::root_inode, "f" + std::to_string(i), 0644);
    REQUIRE(o.ok());
    REQUIRE(st.commit_local(mds::make_entry(st.last_index() + 1, 1, o.value())).ok());
  }
}

}  // namespace

TEST_CASE("a snapshot kept in journal.db is installed into md.db on start when md.db is behind it") {
  node_config cfg{node_config::mode::testing};
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  // The master's state, as it was sent.
  persistence::md_store master(":memory:", opts());
  create_files(master, 12);
  const auto image = master.export_snapshot();
  const uint64_t index = master.applied_index();

  // This MDS: journal.db holds the installed snapshot and its image; md.db is
  // still empty (the crash came before the MDS replaced it).
  auto journal = std::make_shared<persistence::journal_store>(":memory:");
  election::membership self_only;
  self_only.members.push_back(election::member{1, "127.0.0.1:2510"});
  journal->incoming_begin(index, 1, image.size());
  journal->incoming_chunk(0, image.data(), image.size());
  journal->install(election::to_record(election::snapshot_meta{index, 1, self_only}));
  journal->save({std::nullopt, {}, persistence::journal_hard_state{1, 1, index}}, true);
  auto md = std::make_shared<persistence::md_store>(":memory:", opts());
  REQUIRE(md->applied_index() == 0);

  auto store = std::make_shared<persistence::mds_store>(":memory:");
  persistence::auth_digest auth;
  auth.cluster = "sim";
  auth.salt = "salt";
  auth.iterations = 1;
  auth.digest = persistence::derive_digest("pw", auth.salt, 1);
  store->init_cluster("sim", 1, "127.0.0.1:2510", auth);
  mds_deps d;
  d.store = store;
  d.md = md;
  d.journal = journal;
  std::vector<std::string> events;
  d.on_event = [&](const std::string& e) { events.push_back(e); };
  auto mds = spawn_mds(sys, d);
  for (int i = 0; i < 50 && events.empty(); ++i) {
    sched.run();
    sched.advance_time(100ms);
  }
  sched.run();

  CHECK(md->applied_index() >= index);
  for (int i = 0; i < 12; ++i) CHECK(md->lookup(mds::root_inode, "f" + std::to_string(i)));
  CHECK_FALSE(journal->incoming());  // dropped once md.db holds it
  CHECK(std::find(events.begin(), events.end(), "MDS#1 at 127.0.0.1:2510 became master") != events.end());

  caf::anon_send_exit(mds, caf::exit_reason::user_shutdown);
  sched.run();
  sched.trigger_timeouts();
  sched.run();
}
