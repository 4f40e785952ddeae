// Unit tests of the on-demand scrub (actors/cs/scrub_run.hpp).
#include <doctest/doctest.h>

#include "actors/cs/scrub_run.hpp"

using namespace pstorage;
using namespace pstorage::cs;

TEST_CASE("a run verifies every listed replica once, in id order, then completes") {
  scrub_run r;
  CHECK(r.figures(true, 0).state == "scheduled");
  CHECK(r.figures(false, 0).state == "idle");
  REQUIRE(r.start({{7, 100}, {3, 50}, {7, 100}, {5, 10}}, 1000, 10));
  auto f = r.figures(false, 10);
  CHECK(f.state == "running");
  CHECK(f.chunks_total == 3);
  CHECK(f.bytes_total == 160);
  CHECK(f.started_ns == 1000);
  REQUIRE(r.next());
  CHECK(r.next()->id == 3);
  r.done(3, false, 1100, 20);
  CHECK(r.next()->id == 5);
  r.done(99, true, 1100, 20);  // not the one asked for: ignored
  CHECK(r.figures(false, 20).chunks_done == 1);
  r.done(5, true, 1200, 30);
  f = r.figures(false, 30);
  CHECK(f.chunks_done == 2);
  CHECK(f.bytes_done == 60);
  CHECK(f.bad_found == 1);
  CHECK(f.elapsed_ms == 20);
  CHECK(f.last_completed_ns == 0);
  r.done(7, false, 1300, 45);
  CHECK_FALSE(r.running());
  CHECK_FALSE(r.next());
  f = r.figures(true, 100);
  CHECK(f.state == "scheduled");
  CHECK(f.chunks_done == 3);
  CHECK(f.bytes_done == f.bytes_total);
  CHECK(f.elapsed_ms == 35);  // the whole run, not until now
  CHECK(f.last_completed_ns == 1300);
  CHECK(f.last_cycle_ms == 35);
  CHECK(f.bad_found == 1);
}

TEST_CASE("a start while running changes nothing; a new run keeps the last completion") {
  scrub_run r;
  REQUIRE(r.start({{1, 10}}, 5, 0));
  CHECK_FALSE(r.start({{1, 10}, {2, 10}}, 6, 1));
  CHECK(r.figures(false, 1).chunks_total == 1);
  r.done(1, true, 7, 2);
  REQUIRE(r.start({{2, 10}}, 8, 3));
  auto f = r.figures(false, 3);
  CHECK(f.state == "running");
  CHECK(f.bad_found == 0);
  CHECK(f.chunks_done == 0);
  CHECK(f.last_completed_ns == 7);
  CHECK(f.last_cycle_ms == 2);
}

TEST_CASE("an empty run completes at once; a periodic round records its completion only when idle") {
  scrub_run r;
  REQUIRE(r.start({}, 50, 4));
  CHECK_FALSE(r.running());
  CHECK(r.figures(true, 9).last_completed_ns == 50);
  r.periodic_round_done(60);
  CHECK(r.figures(true, 9).last_completed_ns == 60);
  CHECK(r.figures(true, 9).last_cycle_ms == 0);
  REQUIRE(r.start({{1, 1}}, 70, 10));
  r.periodic_round_done(80);
  CHECK(r.figures(true, 10).last_completed_ns == 60);
}
