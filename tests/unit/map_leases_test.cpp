// Chunk-map validity: when a new chunk version may be confirmed
// (actors/mds/map_leases.hpp).
#include <doctest/doctest.h>

#include "actors/mds/map_leases.hpp"

using namespace pstorage::mds;

TEST_CASE("a reader's old map listing a left-out CS delays the confirmation until it expires") {
  map_leases m(100);
  m.handed_out(7, "reader", 3, {1, 2, 3}, 1000);
  // CS 2 dropped: the survivors 1 and 3 are confirmed at version 4.
  CHECK(m.confirm_after(7, 4, {1, 3}, true, 1010) == 1100);
  // Every listed CS moved to the new version: an old-map read there is refused as stale.
  CHECK(m.confirm_after(7, 4, {3, 2, 1}, false, 1010) == 1010);
  // Expired: no wait.
  CHECK(m.confirm_after(7, 4, {1, 3}, true, 1100) == 1100);
}

TEST_CASE("maps at the version being confirmed, of other chunks, or forgotten do not delay") {
  map_leases m(100);
  m.handed_out(7, "a", 4, {1, 2}, 1000);
  m.handed_out(8, "b", 3, {1, 2}, 1000);
  CHECK(m.confirm_after(7, 4, {1}, true, 1010) == 1010);
  m.handed_out(7, "c", 3, {1, 2}, 1005);
  CHECK(m.confirm_after(7, 4, {1}, true, 1010) == 1105);
  m.forget(7, "c");
  CHECK(m.confirm_after(7, 4, {1}, true, 1010) == 1010);
}

TEST_CASE("a newer hand-out to the same client replaces its older map; the latest expiry wins") {
  map_leases m(100);
  m.handed_out(7, "a", 3, {1, 2}, 1000);
  m.handed_out(7, "a", 4, {1}, 1050);  // the client now reads with version 4
  CHECK(m.confirm_after(7, 5, {1}, true, 1060) == 1060);
  m.handed_out(7, "b", 3, {2}, 1020);
  m.handed_out(7, "c", 3, {2}, 1040);
  CHECK(m.confirm_after(7, 5, {1}, true, 1060) == 1140);
}

TEST_CASE("after a start, maps of the previous run are unknown: a round leaving a CS out waits a full hold") {
  map_leases m(100);
  m.started(500);
  CHECK(m.confirm_after(7, 4, {1, 2}, true, 510) == 600);
  CHECK(m.confirm_after(7, 4, {1, 2}, false, 510) == 510);
  CHECK(m.confirm_after(7, 4, {1, 2}, true, 600) == 600);
}

TEST_CASE("expire forgets only dead records") {
  map_leases m(100);
  m.handed_out(1, "a", 1, {1}, 0);
  m.handed_out(2, "a", 1, {1}, 50);
  m.expire(100);
  CHECK(m.size() == 1);
  CHECK(m.confirm_after(2, 2, {}, true, 120) == 150);
}
