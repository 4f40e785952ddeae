// The master's journal events about other MDSs (actors/mds/mds_peer_health.hpp).
#include <doctest/doctest.h>

#include "actors/mds/mds_peer_health.hpp"

using namespace pstorage::mds;

TEST_CASE("an MDS silent for 10 s is reported once, again only after it recovered") {
  peer_health h;
  std::vector<peer_progress_view> p{{2, "10.0.0.2:2510", 100, 9000}, {3, "10.0.0.3:2510", 100, 0}};
  CHECK(peer_health_events(p, 100, h).empty());
  p[0].silent_ms = 10400;
  auto ev = peer_health_events(p, 100, h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0] == "MDS#2 (10.0.0.2:2510) didn't accept commits for 10 sec");
  p[0].silent_ms = 30000;
  CHECK(peer_health_events(p, 100, h).empty());  // still the same outage
  p[0].silent_ms = 0;
  CHECK(peer_health_events(p, 100, h).empty());
  p[0].silent_ms = 12000;
  CHECK(peer_health_events(p, 100, h).size() == 1);  // a new outage
}

TEST_CASE("an MDS more than 1000 entries behind lags") {
  peer_health h;
  std::vector<peer_progress_view> p{{2, "a:1", 1000, 0}};
  CHECK(peer_health_events(p, 2000, h).empty());  // exactly 1000 behind
  auto ev = peer_health_events(p, 2001, h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0] == "MDS#2 (a:1) lags behind for more than 1000 rounds");
  CHECK(peer_health_events(p, 3000, h).empty());
  p[0].match = 2990;
  CHECK(peer_health_events(p, 3000, h).empty());
  CHECK(h.lagging.empty());
  // removed from the membership: forgotten
  h.stale.insert(9);
  peer_health_events(p, 3000, h);
  CHECK(h.stale.empty());
}
