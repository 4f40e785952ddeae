// Client sessions and orphans on the master (actors/mds/client_sessions.hpp,
// mds_sessions_actor.cpp), on CAF's test coordinator with virtual time: a
// client not heard from for the session timeout (60 s) loses its open
// handles; an orphan nobody has open any more is purged (journaled) and its
// replicas deleted, with events; orphans found when the MDS starts serving
// are purged one timeout later unless a writer re-claims them.
#include "mds_files_fixture.hpp"

namespace {

struct sessions_fixture : fixture {
  // Advances virtual time by `d` in ticks of 0.5 s; every `every` calls `poke`.
  void pass(std::chrono::milliseconds d, std::chrono::milliseconds every = 0ms, std::function<void()> poke = {}) {
    std::chrono::milliseconds since = 0ms;
    for (auto t = 0ms; t < d; t += 500ms) {
      sched.advance_time(500ms);
      sched.run();
      since += 500ms;
      if (poke && every > 0ms && since >= every) {
        poke();
        since = 0ms;
      }
    }
  }
  msg::mds_to_client_renew_lease renew(const std::string& who, std::vector<uint64_t> held = {}) {
    return ask<msg::mds_to_client_renew_lease>(wire::make<p::ClientToMdsRenewLease>([&](auto b) {
      creds(b.initCredentials(), auth.digest);
      b.setClientId(who);
      auto l = b.initHeld(static_cast<unsigned>(held.size()));
      for (unsigned i = 0; i < held.size(); ++i) l.set(i, held[i]);
    }));
  }
  // md.db applied a journal entry purging `ino` (the purge was proposed and
  // committed, not written on the master only).
  bool purge_applied(uint64_t ino) {
    for (auto& e : md->entries(1, md->applied_index())) {
      if (e.data.empty()) continue;
      try {
        auto cmd = mds::decode_command(e.data);
        if (auto p = std::get_if<mds::cmd_purge_orphan>(&cmd); p && p->ino == ino) return md->outcome(e.index).has_value();
      } catch (const std::exception&) {
      }
    }
    return false;
  }
  size_t deletes_of(const mds::chunk_info& c) {
    size_t n = 0;
    for (auto cs : cs_set(c)) n += log_of(cs).count("delete " + std::to_string(c.id));
    return n;
  }
  // After restart_mds: the stand-in CSs register with the new MDS actor (same
  // repositories, so the same ids), so it can order deletes again.
  void reconnect_css() {
    for (size_t i = 0; i < logs.size(); ++i) {
      auto k = std::to_string(i);
      auto id = logs[i]->id;
      auto cs = spawn_fake_cs(sys, mds, logs[i], auth.digest, "host" + k, "127.0.0.1:50" + k);
      caf::anon_send(cs, start_atom::value, std::string());
      sched.run();
      REQUIRE(logs[i]->id == id);
      css.push_back(cs);
    }
  }
  // /f with one chunk on 2 CSs, open for write by A, unlinked by B: an orphan.
  std::pair<uint64_t, mds::chunk_info> orphan_open_by_a() {
    add_css(2);
    auto c = file_with_chunk("/f", "2");
    auto ino = ino_of("/f");
    REQUIRE(code(op([](auto o) { o.setUnlink("/f"); }, "B")) == p::STATUS_OK);
    REQUIRE(md->getattr(ino));
    REQUIRE(md->orphans() == std::vector<mds::inode_id>{ino});
    REQUIRE(deletes_of(c) == 0);
    return {ino, c};
  }
};

}  // namespace

TEST_CASE_FIXTURE(sessions_fixture, "a crashed client's session expires: its orphan is purged, replicas deleted, events") {
  auto [ino, c] = orphan_open_by_a();
  // B keeps talking; A (which has /f open) is silent from now on.
  auto b_alive = [&] { REQUIRE(code(lookup("/")) == p::STATUS_OK); };
  pass(55s, 5s, [&] { op([](auto o) { o.setGetattr(mds::root_inode); }, "B"); });
  CHECK(md->getattr(ino));  // within the timeout nothing happens
  CHECK(deletes_of(c) == 0);
  CHECK(count_events("session expired") == 0);
  pass(7s);
  CHECK_FALSE(md->getattr(ino));
  CHECK(md->orphans().empty());
  CHECK(deletes_of(c) == 2);
  CHECK(count_events("client 'A' not heard from for 60 s: session expired, 1 open file(s) closed") == 1);
  CHECK(count_events("orphan file #" + std::to_string(ino) + " (unlinked while open, no longer open) purged: 1 chunk(s) deleted") == 1);
  CHECK(count_events("client 'B'") == 0);  // B held nothing
  b_alive();
  CHECK(purge_applied(ino));
}

TEST_CASE_FIXTURE(sessions_fixture, "a client heard from keeps its open files; once silent they are closed") {
  auto [ino, c] = orphan_open_by_a();
  pass(150s, 10s, [&] { op([](auto o) { o.setGetattr(mds::root_inode); }, "A"); });
  CHECK(md->getattr(ino));
  CHECK(deletes_of(c) == 0);
  CHECK(count_events("session expired") == 0);
  pass(61s);
  CHECK_FALSE(md->getattr(ino));
  CHECK(deletes_of(c) == 2);
}

TEST_CASE_FIXTURE(sessions_fixture, "a renewal or a chunk map counts as being heard from") {
  auto [ino, c] = orphan_open_by_a();
  bool flip = false;
  pass(150s, 20s, [&] {
    if ((flip = !flip)) CHECK(wire::decode(renew("A", {ino}))->getStatus().getCode() == p::STATUS_OK);
    else CHECK(wire::decode(chunk_map(ino, 0, 1, false, "A"))->getStatus().getCode() == p::STATUS_OK);
  });
  CHECK(md->getattr(ino));
  CHECK(count_events("session expired") == 0);
}

TEST_CASE_FIXTURE(sessions_fixture, "orphans found at start-up are purged one session timeout after the MDS serves") {
  auto [ino, c] = orphan_open_by_a();
  restart_mds();  // handles are not journaled: nobody is known to have /f open now
  reconnect_css();
  pass(58s);
  CHECK(md->getattr(ino));  // a writer may still re-claim it
  CHECK(deletes_of(c) == 0);
  pass(4s);
  CHECK_FALSE(md->getattr(ino));
  CHECK(deletes_of(c) == 2);
  CHECK(count_events("orphan file #" + std::to_string(ino)) == 1);
  CHECK(purge_applied(ino));
}

TEST_CASE_FIXTURE(sessions_fixture, "a writer renewing after a restart keeps its orphan open; its release purges it") {
  auto [ino, c] = orphan_open_by_a();
  restart_mds();
  reconnect_css();
  // Within the lease grace, A's renewal names /f (open for write there).
  REQUIRE(wire::decode(renew("A", {ino}))->getStatus().getCode() == p::STATUS_OK);
  pass(150s, 3s, [&] { renew("A", {ino}); });
  CHECK(md->getattr(ino));
  CHECK(deletes_of(c) == 0);
  CHECK(code(release(ino, "A")) == p::STATUS_OK);
  CHECK_FALSE(md->getattr(ino));
  CHECK(deletes_of(c) == 2);
}
