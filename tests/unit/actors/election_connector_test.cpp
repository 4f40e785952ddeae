#include <doctest/doctest.h>

#include "actors/election/election_connector.hpp"

using namespace pstorage;
using namespace std::chrono_literals;

TEST_CASE("a peer's connect starts at once, and only one runs at a time") {
  peer_connect_gate g;
  auto t = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(g.begin(2, t));
  CHECK_FALSE(g.begin(2, t));  // running
  CHECK(g.begin(3, t));        // another peer is independent
  g.done(2, true, t);
  CHECK(g.begin(2, t));  // success: no backoff
}

TEST_CASE("after failures a peer is retried with a doubling backoff capped at max_backoff") {
  peer_connector_options o;
  o.min_backoff = 200ms;
  o.max_backoff = 2000ms;
  peer_connect_gate g(o);
  auto t = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(g.begin(2, t));
  g.done(2, false, t);
  CHECK_FALSE(g.begin(2, t + 199ms));
  CHECK(g.begin(2, t + 200ms));
  g.done(2, false, t + 200ms);
  CHECK_FALSE(g.begin(2, t + 599ms));
  CHECK(g.begin(2, t + 600ms));
  for (int i = 0; i < 10; ++i) {
    g.done(2, false, t);
    CHECK(g.begin(2, t + 2000ms));
  }
  g.done(2, true, t);
  CHECK(g.begin(2, t));
}
