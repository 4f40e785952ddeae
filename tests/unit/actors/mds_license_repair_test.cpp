// The license's autorecovery and autorebalance flags on the MDS's repair
// (actors/mds/mds_repair_actor.cpp; guide "Viewing the License Contents";
// docs/licensing.md): with autorecovery=0 a lost replica is not copied,
// with autorebalance=0 an empty CS gets no moves, and loading a license
// with the flag on starts either at once, without a restart.
#include "mds_license_fixture.hpp"

namespace {

// Replicas of chunk `index` of `ino` at its current version, not on `dead`.
size_t live_replicas(persistence::md_store& md, uint64_t ino, uint64_t index, uint32_t dead) {
  auto c = md.chunk_at(ino, index);
  REQUIRE(c);
  size_t n = 0;
  for (auto& r : c->replicas) n += r.version == c->version && r.cs != dead;
  return n;
}

}  // namespace

TEST_CASE_FIXTURE(licensed_fixture, "autorecovery=0: a lost replica is not copied until a license allows it") {
  add_css(3);
  REQUIRE(load(license_text(1000, /*autorecovery=*/false)) == p::STATUS_OK);
  auto c = file_with_chunk("/f", "2");
  const uint64_t ino = ino_of("/f");
  REQUIRE(code(release(ino)) == p::STATUS_OK);
  REQUIRE(set_config({"mds.wd.offline_tout=1000"}) == p::STATUS_OK);
  const uint32_t dead = c.replicas[0].cs;
  for (size_t i = 0; i < logs.size(); ++i)
    if (logs[i]->id == dead) caf::anon_send_exit(css[i], caf::exit_reason::kill);
  sched.run();
  advance(10s);
  REQUIRE(count_events("is marked as offline") == 1);
  CHECK(live_replicas(*md, ino, 0, dead) == 1);  // lost, and not copied

  REQUIRE(load(license_text(1000, /*autorecovery=*/true)) == p::STATUS_OK);
  advance(10s);
  CHECK(live_replicas(*md, ino, 0, dead) == 2);
}

TEST_CASE_FIXTURE(licensed_fixture, "autorebalance=0: an empty CS gets no moves until a license allows them") {
  add_css(3);  // 50% full each
  REQUIRE(load(license_text(1000, true, /*autorebalance=*/false)) == p::STATUS_OK);
  REQUIRE(code(create("/g")) == p::STATUS_OK);
  REQUIRE(code(set_repl("/g", {"replicas=2"})) == p::STATUS_OK);
  REQUIRE(code(open("/g", true)) == p::STATUS_OK);
  const uint64_t ino = ino_of("/g");
  REQUIRE(wire::decode(chunk_map(ino, 0, 6, true))->getStatus().getCode() == p::STATUS_OK);
  REQUIRE(md->chunks(ino).size() == 6);
  REQUIRE(code(release(ino)) == p::STATUS_OK);
  REQUIRE(set_config({"mds.repl.rebalance_jobs=2"}) == p::STATUS_OK);
  add_css(1, 100ull << 30);  // empty
  const uint32_t fresh = logs.back()->id;
  advance(20s);
  CHECK(md->chunks_on(fresh).empty());
  CHECK(count_events("Rebalancing started") == 0);

  REQUIRE(load(license_text(1000, true, /*autorebalance=*/true)) == p::STATUS_OK);
  advance(20s);
  CHECK(md->chunks_on(fresh).size() == 6);  // one replica of each chunk moved there
  CHECK(count_events("Rebalancing started") == 1);
}
