// The MDS data path on CAF's test coordinator with virtual time and an
// in-memory md_store: namespace ops, set-attr, allocation through placement
// and MdsToCsCreateChunk, replica failure with version bumps, MIN, leases,
// orphans, truncate and bad-replica reports. CSs are stand-in actors of type
// cs_api that record every MDS request and answer as told.
#include "mds_files_fixture.hpp"

TEST_CASE_FIXTURE(fixture, "namespace operations end to end through the actor") {
  CHECK(code(mkdir("/a")) == p::STATUS_OK);
  CHECK(code(create("/a/f")) == p::STATUS_OK);
  auto& l = fop(lookup("/a/f"));
  CHECK_FALSE(l.getAttr().getIsDir());
  CHECK(l.getAttr().getMode() == 0644);
  CHECK(l.getAttr().getRepl().getReplicas() == 1);
  CHECK(l.getAttr().getRepl().getFailureDomain() == "host");
  CHECK(l.getAttr().getMtimeNs() > 1'000'000'000'000);  // injected wall clock

  auto dup = create("/a/f");
  CHECK(posix(dup) == EEXIST);
  CHECK(message(dup).find("f") != std::string::npos);
  CHECK(posix(lookup("/nope")) == ENOENT);
  CHECK(code(lookup("/nope")) == p::STATUS_NOT_FOUND);

  auto& rd = fop(op([](auto o) { o.setReaddir("/a"); }));
  REQUIRE(rd.getEntries().size() == 1);
  CHECK(rd.getEntries()[0].getName() == "f");

  CHECK(code(op([](auto o) { auto r = o.initRename(); r.setFrom("/a/f"); r.setTo("/g"); })) == p::STATUS_OK);
  CHECK(posix(lookup("/a/f")) == ENOENT);
  auto g = ino_of("/g");
  CHECK(wire::decode(op([&](auto o) { o.setGetattr(g); }))->getAttr().getIno() == g);

  CHECK(code(create("/a/h")) == p::STATUS_OK);
  CHECK(posix(op([](auto o) { o.setRmdir("/a"); })) == ENOTEMPTY);
  CHECK(posix(op([](auto o) { o.setUnlink("/a"); })) == EISDIR);
  CHECK(code(op([](auto o) { o.setUnlink("/a/h"); })) == p::STATUS_OK);
  CHECK(code(op([](auto o) { o.setRmdir("/a"); })) == p::STATUS_OK);
  CHECK(posix(lookup("/a")) == ENOENT);

  auto sa = op([&](auto o) {
    auto s = o.initSetattr();
    s.setPath("/g");
    s.setSetMode(true);
    s.setMode(0600);
  });
  CHECK(wire::decode(sa)->getAttr().getMode() == 0600);
  auto sz = op([&](auto o) { auto s = o.initSetSize(); s.setIno(g); s.setSize(12345); });
  CHECK(wire::decode(sz)->getAttr().getSize() == 12345);
  // set-size never shrinks
  auto sz2 = op([&](auto o) { auto s = o.initSetSize(); s.setIno(g); s.setSize(5); });
  CHECK(wire::decode(sz2)->getAttr().getSize() == 12345);

  add_css(2);
  auto& fs = fop(op([](auto o) { o.setStatfs(); }));
  CHECK(fs.getStatfs().getTotalBytes() == 2 * (100ull << 30));
  CHECK(fs.getStatfs().getFreeBytes() == 2 * (50ull << 30));
  CHECK(fs.getStatfs().getFiles() == 2);  // root and /g
}

// md_command.hpp durable_at_once: on a one-MDS cluster a create is answered
// before the journal's fsync; FileOp sync (a mount's fsync/fsyncdir) makes
// it durable, and so does the MDS tick. Chunk changes are fsynced at once.
TEST_CASE_FIXTURE(fixture, "namespace changes are fsynced on FileOp sync or within a tick") {
  CHECK(code(mkdir("/s")) == p::STATUS_OK);
  CHECK(journal->unsynced());
  CHECK(code(op([](auto o) { o.setSync(); })) == p::STATUS_OK);
  CHECK_FALSE(journal->unsynced());
  CHECK(code(create("/s/f")) == p::STATUS_OK);
  CHECK(journal->unsynced());
  caf::anon_send(mds, tick_atom::value);
  sched.run();
  CHECK_FALSE(journal->unsynced());
  CHECK(code(set_repl("/s", {"replicas=2"})) == p::STATUS_OK);  // durable at once
  CHECK_FALSE(journal->unsynced());
}

TEST_CASE_FIXTURE(fixture, "every file request checks credentials") {
  auto m = op([](auto o) { o.setLookup("/"); }, "A", std::string(32, 'x'));
  CHECK(code(m) == p::STATUS_AUTH_FAILED);
  CHECK(message(m).find("auth-node") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "set-attr: values, inheritance, recursion and bad input") {
  CHECK(code(mkdir("/d")) == p::STATUS_OK);
  CHECK(code(create("/d/old")) == p::STATUS_OK);
  auto& r = fop(set_repl("/d", {"replicas=3", "tier=1", "failure-domain=rack"}));
  CHECK(r.getAttr().getRepl().getReplicas() == 3);
  CHECK(r.getAttr().getRepl().getMinReplicas() == 2);
  CHECK(r.getAttr().getRepl().getTier() == 1);
  CHECK(r.getAttr().getRepl().getFailureDomain() == "rack");
  CHECK(wire::decode(lookup("/d/old"))->getAttr().getRepl().getReplicas() == 1);  // not recursive
  CHECK(code(create("/d/new")) == p::STATUS_OK);
  CHECK(wire::decode(lookup("/d/new"))->getAttr().getRepl().getReplicas() == 3);  // inherited
  CHECK(code(set_repl("/d", {"replicas=2:1"}, true)) == p::STATUS_OK);
  CHECK(wire::decode(lookup("/d/old"))->getAttr().getRepl().getReplicas() == 2);
  CHECK(wire::decode(lookup("/d/old"))->getAttr().getRepl().getMinReplicas() == 1);

  for (auto bad : {"replicas=0", "replicas=16", "replicas=2:3", "colour=blue", "tier=4", "failure-domain=planet"}) {
    CAPTURE(bad);
    auto m = set_repl("/d", {bad});
    CHECK(posix(m) == EINVAL);
    CHECK(code(m) == p::STATUS_BAD_REQUEST);
    CHECK_FALSE(message(m).empty());
  }
  CHECK(posix(set_repl("/missing", {"replicas=2"})) == ENOENT);
}

TEST_CASE_FIXTURE(fixture, "allocation places replicas=3 on 3 distinct CSs, created at version 1") {
  add_css(4);
  auto c = file_with_chunk("/f", "3");
  CHECK(c.version == 1);
  CHECK(c.replicas.size() == 3);
  CHECK(cs_set(c).size() == 3);
  size_t creates = 0;
  for (auto& l : logs) creates += l->count("create " + std::to_string(c.id) + " v1");
  CHECK(creates == 3);
  for (auto cs : cs_set(c)) CHECK(log_of(cs).count("create") == 1);
  // The map lists the chain with addresses; asking again allocates nothing.
  auto m = chunk_map(ino_of("/f"), 0, 4, true);
  auto d = wire::decode(m);
  CHECK(d->getChunkSize() == chunk);
  REQUIRE(d->getChunks().size() == 4);  // 0 existed, 1..3 allocated
  CHECK(d->getChunks()[0].getChunkId() == c.id);
  CHECK(d->getChunks()[0].getReplicas().size() == 3);
  CHECK(std::string(d->getChunks()[0].getReplicas()[0].getAddress().cStr()).rfind("127.0.0.1:50", 0) == 0);
  auto again = chunk_map(ino_of("/f"), 0, 1, true);
  size_t total = 0;
  for (auto& l : logs) total += l->count("create");
  CHECK(total == 12);
  // A read map of a hole lists nothing.
  auto rd = wire::decode(chunk_map(ino_of("/f"), 10, 2, false));
  CHECK(rd->getStatus().getCode() == p::STATUS_OK);
  CHECK(rd->getChunks().size() == 0);
}

TEST_CASE_FIXTURE(fixture, "too few chunk servers: the guide's allocation failure") {
  add_css(2);
  REQUIRE(code(create("/f")) == p::STATUS_OK);
  REQUIRE(code(set_repl("/f", {"replicas=3"})) == p::STATUS_OK);
  REQUIRE(code(open("/f", true)) == p::STATUS_OK);
  auto d = wire::decode(chunk_map(ino_of("/f"), 0, 1, true));
  CHECK(d->getStatus().getCode() == p::STATUS_NO_SPACE);
  CHECK(d->getStatus().getPosixError() == ENOSPC);
  std::string text = d->getStatus().getMessage();
  CHECK(text.find("Failed to allocate 3 replicas for '/f'") != std::string::npos);
  CHECK(text.find("since only 2 chunk servers are registered") != std::string::npos);
  CHECK(count_events("Failed to allocate 3 replicas") == 1);
  CHECK_FALSE(md->chunk_at(ino_of("/f"), 0));
}

TEST_CASE_FIXTURE(fixture, "a CS that fails to create is excluded and placement retried") {
  add_css(4);
  logs[0]->fail_create = true;
  REQUIRE(code(create("/f")) == p::STATUS_OK);
  REQUIRE(code(set_repl("/f", {"replicas=3"})) == p::STATUS_OK);
  REQUIRE(code(open("/f", true)) == p::STATUS_OK);
  // 8 chunks of 3 replicas on 4 CSs: the failing CS is surely tried.
  auto d = wire::decode(chunk_map(ino_of("/f"), 0, 8, true));
  REQUIRE(d->getStatus().getCode() == p::STATUS_OK);
  CHECK(d->getChunks().size() == 8);
  CHECK(logs[0]->count("create") > 0);
  for (auto& c : md->chunks(ino_of("/f"))) {
    CHECK(c.replicas.size() == 3);
    CHECK(cs_set(c).count(logs[0]->id) == 0);
  }
  // the CSs that did create in a failed attempt were told to delete
  size_t deletes = 0;
  for (auto& l : logs) deletes += l->count("delete");
  CHECK(deletes == 2 * logs[0]->count("create"));
}

TEST_CASE_FIXTURE(fixture, "all CSs failing to create: allocation fails with a retry message") {
  add_css(3);
  for (auto& l : logs) l->fail_create = true;
  REQUIRE(code(create("/f")) == p::STATUS_OK);
  REQUIRE(code(open("/f", true)) == p::STATUS_OK);
  auto d = wire::decode(chunk_map(ino_of("/f"), 0, 1, true));
  CHECK(d->getStatus().getCode() != p::STATUS_OK);
  CHECK_FALSE(md->chunk_at(ino_of("/f"), 0));
}

TEST_CASE_FIXTURE(fixture, "a failed replica is dropped, the version bumped and survivors told") {
  add_css(3);
  auto c = file_with_chunk("/f", "3:2");
  uint32_t bad = c.replicas[1].cs;
  auto d = wire::decode(replica_failed(c.id, 1, {bad}));
  CHECK(d->getStatus().getCode() == p::STATUS_OK);
  CHECK(d->getChunk().getVersion() == 2);
  CHECK(d->getChunk().getReplicas().size() == 2);
  for (auto r : d->getChunk().getReplicas()) CHECK(r.getCsId() != bad);
  for (auto& r : c.replicas) {
    if (r.cs == bad) CHECK(log_of(r.cs).count("setv") == 0);
    else CHECK(log_of(r.cs).count("setv " + std::to_string(c.id) + " 1->2") == 1);
  }
  CHECK(md->chunk_by_id(c.id)->version == 2);
  // The mount's report is an event of its own (SYS: the mount; docs/monitoring.md "Events").
  const std::string reported = "Client A reported failed replicas of chunk 0 of '/f' on CS#" + std::to_string(bad);
  CHECK(count_events(reported) == 1);
  bool journaled = false;
  for (auto& e : md->events(0, 1000))
    if (e.text == reported) journaled = e.source == "client" && e.severity == "warn";
  CHECK(journaled);
  // A late report with the old version changes nothing.
  auto late = wire::decode(replica_failed(c.id, 1, {c.replicas[0].cs}));
  CHECK(late->getStatus().getCode() == p::STATUS_OK);
  CHECK(late->getChunk().getVersion() == 2);
  CHECK(late->getChunk().getReplicas().size() == 2);
  CHECK(count_events("reported failed replicas") == 1);  // stale: no event
}

struct validity_fixture : fixture {
  validity_fixture() : fixture(std::chrono::milliseconds(3000)) {}
};

TEST_CASE_FIXTURE(validity_fixture, "a dropped replica: the new version waits until other clients' maps listing it expired") {
  add_css(3);
  auto c = file_with_chunk("/f", "3:2");
  const auto ino = ino_of("/f");
  auto ask_async = [&](msg::client_to_mds_replica_failed req) {
    auto out = std::make_shared<std::optional<msg::mds_to_client_replica_failed>>();
    auto target = mds;
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(target, std::chrono::seconds(60), req).then([=](msg::mds_to_client_replica_failed& r) { *out = r; });
    });
    sched.run();
    return out;
  };
  // Right after a start, maps of a previous run are unknown: a drop waits a full record lifetime (6 s).
  auto first = ask_async(replica_failed_req(c.id, 1, {c.replicas[2].cs}));
  CHECK_FALSE(first->has_value());
  sched.advance_time(std::chrono::seconds(7));
  sched.run();
  REQUIRE(first->has_value());
  auto d1 = wire::decode(**first);
  CHECK(d1->getStatus().getCode() == p::STATUS_OK);
  CHECK(d1->getChunk().getVersion() == 2);
  CHECK(d1->getChunk().getValidMs() == 3000);
  // B reads: its map lists both remaining replicas, valid 3 s (on record 6 s).
  REQUIRE(code(open("/f", false, "B")) == p::STATUS_OK);
  auto rm = wire::decode(chunk_map(ino, 0, 1, false, "B"));
  REQUIRE(rm->getChunks().size() == 1);
  CHECK(rm->getChunks()[0].getReplicas().size() == 2);
  CHECK(rm->getChunks()[0].getValidMs() == 3000);
  // A's write fails on one of them: the round is not confirmed while B may still read there.
  const uint32_t bad = c.replicas[1].cs;
  auto second = ask_async(replica_failed_req(c.id, 2, {bad}));
  CHECK_FALSE(second->has_value());
  sched.advance_time(std::chrono::seconds(5));
  sched.run();
  CHECK_FALSE(second->has_value());
  auto fenced = md->chunk_by_id(c.id);
  REQUIRE(fenced);
  CHECK(fenced->version == 3);
  for (auto& r : fenced->replicas) CHECK(r.version < 3);  // fenced, nothing confirmed yet
  sched.advance_time(std::chrono::seconds(2));
  sched.run();
  REQUIRE(second->has_value());
  auto d2 = wire::decode(**second);
  CHECK(d2->getStatus().getCode() == p::STATUS_UNAVAILABLE);  // 1 live replica, below MIN 2
  CHECK(d2->getChunk().getVersion() == 3);
  REQUIRE(d2->getChunk().getReplicas().size() == 1);
  CHECK(d2->getChunk().getReplicas()[0].getCsId() == c.replicas[0].cs);
}

TEST_CASE_FIXTURE(fixture, "a survivor failing set-version is not confirmed: stale, never given out") {
  add_css(3);
  auto c = file_with_chunk("/f", "3:1");
  uint32_t bad = c.replicas[0].cs, good = c.replicas[1].cs, flaky = c.replicas[2].cs;
  log_of(flaky).fail_set_version = true;
  auto d = wire::decode(replica_failed(c.id, 1, {bad}));
  // The flaky CS may have moved to v2 without answering: the survivor is
  // confirmed at v2, fenced again, and clients get v3, which flaky never saw.
  CHECK(d->getChunk().getVersion() == 3);
  REQUIRE(d->getChunk().getReplicas().size() == 1);
  CHECK(d->getChunk().getReplicas()[0].getCsId() == good);
  CHECK(log_of(flaky).count("setv " + std::to_string(c.id) + " 1->2") == 1);
  CHECK(log_of(good).count("setv " + std::to_string(c.id) + " 2->3") == 1);
  CHECK(log_of(flaky).count("setv " + std::to_string(c.id) + " 2->3") == 0);
  // The flaky replica is kept in the map, at the version it last confirmed.
  auto now = md->chunk_by_id(c.id);
  REQUIRE(now->replicas.size() == 2);
  CHECK(now->replicas[1].cs == flaky);
  CHECK(now->replicas[1].version == 1u);
}

TEST_CASE_FIXTURE(fixture, "no holder answers the fence: the chunk waits, and comes back when one answers") {
  add_css(3);
  auto c = file_with_chunk("/f", "3:1");
  uint32_t bad = c.replicas[0].cs;
  for (int i : {1, 2}) log_of(c.replicas[i].cs).fail_set_version = true;
  auto d = wire::decode(replica_failed(c.id, 1, {bad}));
  CHECK(d->getStatus().getCode() == p::STATUS_UNAVAILABLE);
  CHECK(d->getChunk().getReplicas().size() == 0);
  auto kept = md->chunk_by_id(c.id);
  REQUIRE(kept->replicas.size() == 2);  // before the fix both were forgotten: acknowledged data lost
  CHECK(md->unconfirmed_chunks() == std::vector<uint64_t>{c.id});
  // A second report of the same failure changes nothing (outdated version).
  wire::decode(replica_failed(c.id, 1, {c.replicas[1].cs}));
  CHECK(md->chunk_by_id(c.id)->replicas.size() == 2);
  // One holder answers again: the next tick promotes it.
  log_of(c.replicas[2].cs).fail_set_version = false;
  sched.trigger_timeouts();
  sched.run();
  CHECK(md->unconfirmed_chunks().empty());
  auto r = wire::decode(chunk_map(ino_of("/f"), 0, 1, false));
  REQUIRE(r->getChunks().size() == 1);
  REQUIRE(r->getChunks()[0].getReplicas().size() == 1);
  CHECK(r->getChunks()[0].getReplicas()[0].getCsId() == c.replicas[2].cs);
  CHECK(r->getChunks()[0].getVersion() == 3);  // replicas[1] missed v2: fenced again
}

TEST_CASE_FIXTURE(fixture, "below MIN the chunk is unavailable: writes wait") {
  add_css(3);
  auto c = file_with_chunk("/f", "3:2");
  auto d = wire::decode(replica_failed(c.id, 1, {c.replicas[0].cs, c.replicas[1].cs}));
  CHECK(d->getStatus().getCode() == p::STATUS_UNAVAILABLE);
  CHECK(d->getChunk().getReplicas().size() == 1);
  CHECK(std::string(d->getStatus().getMessage().cStr()).find("below the minimum of 2") != std::string::npos);
  auto w = wire::decode(chunk_map(ino_of("/f"), 0, 1, true));
  CHECK(w->getStatus().getCode() == p::STATUS_UNAVAILABLE);
  // reads still work from the remaining replica
  auto r = wire::decode(chunk_map(ino_of("/f"), 0, 1, false));
  CHECK(r->getStatus().getCode() == p::STATUS_OK);
  CHECK(r->getChunks()[0].getReplicas().size() == 1);
}

TEST_CASE_FIXTURE(fixture, "a failed write that would leave fewer than MIN keeps the replica as lagging, and it returns") {
  add_css(2);  // no spare CS: only the lagging replica can bring the chunk back
  auto c = file_with_chunk("/f", "2:2");
  const uint32_t a = c.replicas[0].cs, b = c.replicas[1].cs;
  // Dropping b would leave 1 < MIN. Writes wait anyway, so b (holding every
  // acknowledged write) stays recorded below the new version; a goes on alone.
  auto d2 = wire::decode(replica_failed(c.id, 1, {b}));
  CHECK(d2->getStatus().getCode() == p::STATUS_UNAVAILABLE);
  REQUIRE(d2->getChunk().getReplicas().size() == 1);
  CHECK(d2->getChunk().getReplicas()[0].getCsId() == a);
  auto after = md->chunk_by_id(c.id);
  REQUIRE(after);
  CHECK(after->version > 1);
  bool kept = false;
  for (auto& r : after->replicas) kept |= r.cs == b && r.version == 1;
  CHECK(kept);
  CHECK(log_of(b).count("setv") == 0);
  CHECK(wire::decode(chunk_map(ino_of("/f"), 0, 1, true))->getStatus().getCode() == p::STATUS_UNAVAILABLE);
  // The repair tick brings b back (a fresh copy over its lagging replica, or
  // a version round): writes go on with both.
  for (int i = 0; i < 14; ++i) {
    sched.advance_time(std::chrono::seconds(1));
    sched.run();
  }
  auto w = wire::decode(chunk_map(ino_of("/f"), 0, 1, true));
  CHECK(w->getStatus().getCode() == p::STATUS_OK);
  CHECK(cs_set_of(w->getChunks()[0]) == std::set<uint32_t>{a, b});
}

TEST_CASE_FIXTURE(fixture, "create with openForWrite opens the new file for writing in the same round trip") {
  add_css(1);
  auto c = op([&](auto o) {
    auto pm = o.initCreate();
    pm.setPath("/n");
    pm.setMode(0644);
    pm.setOpenForWrite(true);
  });
  REQUIRE(code(c) == p::STATUS_OK);
  CHECK(fop(c).getLeaseMs() == 10000);
  // A holds the write lease and the open handle: B may not write, A may.
  CHECK(code(open("/n", true, "B")) == p::STATUS_BUSY);
  CHECK(wire::decode(chunk_map(ino_of("/n"), 0, 1, true))->getStatus().getCode() == p::STATUS_OK);
  // Plain create opens nothing.
  REQUIRE(code(create("/m")) == p::STATUS_OK);
  CHECK(code(open("/m", true, "B")) == p::STATUS_OK);
}

TEST_CASE_FIXTURE(fixture, "leases: one writer; a lease that is not renewed expires") {
  add_css(1);
  REQUIRE(code(create("/f")) == p::STATUS_OK);
  auto a = open("/f", true, "A");
  CHECK(code(a) == p::STATUS_OK);
  CHECK(wire::decode(a)->getLeaseMs() == 10000);
  auto b = open("/f", true, "B");
  CHECK(code(b) == p::STATUS_BUSY);
  CHECK(posix(b) == EBUSY);
  CHECK(message(b).find("A") != std::string::npos);
  CHECK(code(open("/f", false, "B")) == p::STATUS_OK);  // readers are fine
  auto bw = wire::decode(chunk_map(ino_of("/f"), 0, 1, true, "B"));
  CHECK(bw->getStatus().getCode() == p::STATUS_BUSY);
  // A renews every 3 s: B stays out.
  auto renew = [&](const std::string& who) {
    return ask<msg::mds_to_client_renew_lease>(wire::make<p::ClientToMdsRenewLease>([&](auto b) {
      creds(b.initCredentials(), auth.digest);
      b.setClientId(who);
    }));
  };
  for (int i = 0; i < 5; ++i) {
    sched.advance_time(3s);
    sched.run();
    CHECK(wire::decode(renew("A"))->getStatus().getCode() == p::STATUS_OK);
  }
  CHECK(code(open("/f", true, "B")) == p::STATUS_BUSY);
  // A goes silent: after the lease duration B may write.
  sched.advance_time(11s);
  sched.run();
  CHECK(code(open("/f", true, "B")) == p::STATUS_OK);
  CHECK(code(open("/f", true, "A")) == p::STATUS_BUSY);
  // B releases: A may write again.
  CHECK(code(release(ino_of("/f"), "B")) == p::STATUS_OK);
  CHECK(code(open("/f", true, "A")) == p::STATUS_OK);
}

TEST_CASE_FIXTURE(fixture, "unlink of an open file orphans it; the last release purges it") {
  add_css(2);
  auto c = file_with_chunk("/f", "2");
  auto ino = ino_of("/f");
  CHECK(code(open("/f", false, "B")) == p::STATUS_OK);
  CHECK(code(op([](auto o) { o.setUnlink("/f"); })) == p::STATUS_OK);
  CHECK(posix(lookup("/f")) == ENOENT);
  auto g = wire::decode(op([&](auto o) { o.setGetattr(ino); }));
  CHECK(g->getStatus().getCode() == p::STATUS_OK);
  CHECK(g->getAttr().getNlink() == 0);
  for (auto& l : logs) CHECK(l->count("delete") == 0);
  CHECK(code(release(ino, "A")) == p::STATUS_OK);
  CHECK(md->getattr(ino));  // B still has it open
  CHECK(code(release(ino, "B")) == p::STATUS_OK);
  CHECK_FALSE(md->getattr(ino));
  for (auto cs : cs_set(c)) CHECK(log_of(cs).count("delete " + std::to_string(c.id)) == 1);
}

TEST_CASE_FIXTURE(fixture, "unlink of a closed file deletes its chunks on the CSs") {
  add_css(2);
  auto c = file_with_chunk("/f", "2");
  CHECK(code(release(ino_of("/f"))) == p::STATUS_OK);
  CHECK(code(op([](auto o) { o.setUnlink("/f"); })) == p::STATUS_OK);
  for (auto cs : cs_set(c)) CHECK(log_of(cs).count("delete " + std::to_string(c.id)) == 1);
}

TEST_CASE_FIXTURE(fixture, "truncate deletes chunks beyond the end and cuts the last one with a new version") {
  add_css(2);
  auto c0 = file_with_chunk("/f", "2");
  auto ino = ino_of("/f");
  REQUIRE(wire::decode(chunk_map(ino, 1, 1, true))->getStatus().getCode() == p::STATUS_OK);
  auto c1 = *md->chunk_at(ino, 1);
  REQUIRE(code(op([&](auto o) { auto s = o.initSetSize(); s.setIno(ino); s.setSize(2 * chunk); })) == p::STATUS_OK);
  auto t = op([&](auto o) {
    auto s = o.initSetattr();
    s.setIno(ino);
    s.setSetSize(true);
    s.setSize(chunk / 2);
  });
  CHECK(code(t) == p::STATUS_OK);
  CHECK(wire::decode(t)->getAttr().getSize() == chunk / 2);
  for (auto cs : cs_set(c1)) CHECK(log_of(cs).count("delete " + std::to_string(c1.id)) == 1);
  for (auto cs : cs_set(c0))
    CHECK(log_of(cs).count("setv " + std::to_string(c0.id) + " 1->2 trunc " + std::to_string(chunk / 2)) == 1);
  CHECK(md->chunk_at(ino, 0)->version == 2);
  CHECK_FALSE(md->chunk_at(ino, 1));
}

TEST_CASE_FIXTURE(fixture, "a CS reporting a bad replica: flag h, the guide's event, kept for its good pages, read last") {
  add_css(3);
  auto c = file_with_chunk("/f", "3:2");
  uint32_t bad = c.replicas[0].cs;
  for (size_t i = 0; i < css.size(); ++i)
    if (logs[i]->id == bad) caf::anon_send(css[i], scrub_atom::value, uint64_t{c.id});
  sched.run();
  CHECK(log_of(bad).count("report " + std::to_string(p::STATUS_OK)) == 1);
  CHECK(count_events("CS#" + std::to_string(bad) + " has reported hard error on '/f'") == 1);
  auto now = md->chunk_by_id(c.id);
  CHECK(now->version == 1);
  CHECK(cs_set(*now).count(bad) == 1);  // its other pages may be the only good copy
  auto m = wire::decode(chunk_map(ino_of("/f"), 0, 1, false));
  REQUIRE(m->getChunks()[0].getReplicas().size() == 3);
  CHECK(m->getChunks()[0].getReplicas()[2].getCsId() == bad);
  auto st = ask<msg::mds_to_client_stat>(wire::make<p::ClientToMdsStat>([&](auto b) { creds(b.initCredentials(), auth.digest); }));
  auto d = wire::decode(st);
  bool seen = false;
  for (auto cs : d->getCss()) {
    std::string flags = cs.getFlags();
    if (cs.getId() == bad) {
      seen = true;
      CHECK(flags.find('h') != std::string::npos);
    } else {
      CHECK(flags.find('h') == std::string::npos);
    }
  }
  CHECK(seen);
}

// A retried namespace request (same client, same request id: its answer was
// lost, or the master changed) is answered from the first outcome and never
// applied twice: no spurious EEXIST / ENOENT, and a replayed rename or
// unlink deletes no replica.
TEST_CASE_FIXTURE(fixture, "a retried request is answered from its first outcome, applied once") {
  add_css(1);
  auto create_req = [&](uint64_t rid) {
    return op([&](auto o) { o.initCreate().setPath("/f"); o.getCreate().setMode(0644); }, "A", "", rid);
  };
  auto& first = fop(create_req(7));
  REQUIRE(first.getStatus().getCode() == p::STATUS_OK);
  const uint64_t ino = first.getAttr().getIno();
  auto& again = fop(create_req(7));
  CHECK(again.getStatus().getCode() == p::STATUS_OK);  // not EEXIST
  CHECK(again.getAttr().getIno() == ino);
  CHECK(posix(create_req(8)) == EEXIST);  // another request: the file exists

  // a chunk on the CS, so that a second delete would show
  REQUIRE(wire::decode(chunk_map(ino, 0, 1, true))->getStatus().getCode() == p::STATUS_OK);
  REQUIRE(code(release(ino)) == p::STATUS_OK);
  auto rename_req = [&](uint64_t rid) {
    return op([&](auto o) { o.initRename().setFrom("/f"); o.getRename().setTo("/g"); }, "A", "", rid);
  };
  CHECK(code(rename_req(9)) == p::STATUS_OK);
  CHECK(code(rename_req(9)) == p::STATUS_OK);  // not ENOENT
  CHECK(ino_of("/g") == ino);
  auto unlink_req = [&](uint64_t rid) { return op([&](auto o) { o.setUnlink("/g"); }, "A", "", rid); };
  CHECK(code(unlink_req(10)) == p::STATUS_OK);
  size_t deletes = logs[0]->count("delete");
  CHECK(code(unlink_req(10)) == p::STATUS_OK);  // not ENOENT
  CHECK(logs[0]->count("delete") == deletes);   // the replay deleted nothing
  CHECK(posix(unlink_req(11)) == ENOENT);
  // another client's request ids are its own
  CHECK(code(op([&](auto o) { o.initMkdir().setPath("/d"); o.getMkdir().setMode(0755); }, "B", "", 7)) ==
        p::STATUS_OK);
}

// docs/election.md "Leases across a master change": the new master does not
// know the write leases the old one granted; for one lease duration only
// their holders re-claim them (renewal naming the inode), new files are
// fine, and other writers are told to retry (statusUnavailable, EAGAIN).
TEST_CASE_FIXTURE(fixture, "after a master change a writer's lease is kept for it during the grace") {
  REQUIRE(code(create("/f")) == p::STATUS_OK);
  REQUIRE(code(create("/g")) == p::STATUS_OK);
  const auto f = ino_of("/f"), g = ino_of("/g");
  REQUIRE(code(open("/f", true, "A")) == p::STATUS_OK);
  restart_mds();
  auto renew = [&](const std::string& who, std::vector<uint64_t> held) {
    return ask<msg::mds_to_client_renew_lease>(wire::make<p::ClientToMdsRenewLease>([&](auto b) {
      creds(b.initCredentials(), auth.digest);
      b.setClientId(who);
      auto l = b.initHeld(static_cast<unsigned>(held.size()));
      for (unsigned i = 0; i < held.size(); ++i) l.set(i, held[i]);
    }));
  };
  // B may not take A's file before A had the time to renew.
  auto b = open("/f", true, "B");
  CHECK(code(b) == p::STATUS_UNAVAILABLE);
  CHECK(posix(b) == EAGAIN);
  CHECK(message(b).find("retry") != std::string::npos);
  CHECK(code(open("/g", true, "B")) == p::STATUS_UNAVAILABLE);  // unclaimed yet: waits as well
  CHECK(code(open("/f", false, "B")) == p::STATUS_OK);          // readers are fine
  // A renews naming /f: the lease is A's again; B now gets the usual conflict.
  CHECK(wire::decode(renew("A", {f}))->getStatus().getCode() == p::STATUS_OK);
  auto b2 = open("/f", true, "B");
  CHECK(code(b2) == p::STATUS_BUSY);
  CHECK(message(b2).find("A") != std::string::npos);
  CHECK(code(open("/f", true, "A")) == p::STATUS_OK);
  // A new file is B's at once.
  auto h = op([&](auto o) {
    o.initCreate().setPath("/h");
    o.getCreate().setMode(0644);
    o.getCreate().setOpenForWrite(true);
  }, "B");
  CHECK(code(h) == p::STATUS_OK);
  // After one lease duration: normal again; A keeps /f by renewing.
  for (int i = 0; i < 4; ++i) {
    sched.advance_time(3s);
    sched.run();
    CHECK(wire::decode(renew("A", {f}))->getStatus().getCode() == p::STATUS_OK);
  }
  CHECK(code(open("/g", true, "B")) == p::STATUS_OK);
  CHECK(code(open("/f", true, "B")) == p::STATUS_BUSY);
  (void)g;
}

// Issue 14 (hostile peers): any peer could report a CS's replica bad and
// make the MDS drop or demote good replicas.
TEST_CASE_FIXTURE(fixture, "a bad-replica report not from the CS's own connection is refused and changes nothing") {
  add_css(3);
  auto c = file_with_chunk("/f", "3:2");
  uint32_t victim = c.replicas[0].cs;
  auto r = ask<msg::mds_to_cs_bad_replica>(wire::make<p::CsToMdsBadReplica>([&](auto b) {
    b.setCsId(victim);
    b.setChunkId(c.id);
    b.setVersion(1);
    b.setChecksum(true);
  }));
  CHECK(wire::decode(r)->getStatus().getCode() == p::STATUS_NOT_FOUND);
  auto r2 = ask<msg::mds_to_cs_bad_replica>(wire::make<p::CsToMdsBadReplica>([&](auto b) {
    b.setCsId(victim);
    b.setChunkId(c.id);
    b.setVersion(1);
    b.setChecksum(false);  // an I/O error report would drop the replica
  }));
  CHECK(wire::decode(r2)->getStatus().getCode() == p::STATUS_NOT_FOUND);
  sched.run();
  CHECK(count_events("has reported hard error") == 0);
  auto now = md->chunk_by_id(c.id);
  CHECK(cs_set(*now).count(victim) == 1);
  auto m = wire::decode(chunk_map(ino_of("/f"), 0, 1, false));
  REQUIRE(m->getChunks()[0].getReplicas().size() == 3);
  CHECK(m->getChunks()[0].getReplicas()[0].getCsId() == victim);  // not demoted to "read last"
}
