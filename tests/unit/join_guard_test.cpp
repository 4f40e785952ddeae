// auth-node's challenge table and per-peer rate limit
// (actors/mds/join_guard.hpp; docs/security.md "auth-node").
#include <doctest/doctest.h>

#include "actors/mds/join_guard.hpp"

using pstorage::mds::join_guard;
constexpr int64_t s = 1'000'000'000;

TEST_CASE("a challenge is single use, for its peer only, and expires") {
  join_guard g;
  g.issue("10.0.0.1", "c1", 0);
  CHECK_FALSE(g.take("10.0.0.2", "c1", 1 * s));  // another peer: refused, and spent
  CHECK_FALSE(g.take("10.0.0.1", "c1", 1 * s));
  g.issue("10.0.0.1", "c2", 0);
  CHECK(g.take("10.0.0.1", "c2", 59 * s));
  CHECK_FALSE(g.take("10.0.0.1", "c2", 59 * s));  // reused
  g.issue("10.0.0.1", "c3", 0);
  CHECK_FALSE(g.take("10.0.0.1", "c3", 60 * s));  // expired
  CHECK(g.outstanding() == 0);
}

TEST_CASE("outstanding challenges are bounded: the oldest goes") {
  join_guard g({60 * s, 3, 5, 60 * s});
  for (int i = 0; i < 5; ++i) g.issue("p", "c" + std::to_string(i), 0);
  CHECK(g.outstanding() == 3);
  CHECK_FALSE(g.take("p", "c0", 1));
  CHECK_FALSE(g.take("p", "c1", 1));
  CHECK(g.take("p", "c4", 1));
}

TEST_CASE("five failures within 60 s shut a peer out until the oldest leaves the window") {
  join_guard g;
  for (int i = 0; i < 4; ++i) g.failed("10.0.0.9", i * s);
  CHECK_FALSE(g.refusal("10.0.0.9", 4 * s));
  g.failed("10.0.0.9", 10 * s);
  auto r = g.refusal("10.0.0.9", 11 * s);
  REQUIRE(r);
  CHECK(*r == "too many failed auth-node attempts from 10.0.0.9: 5 within 60 s; try again in 49 s");
  CHECK_FALSE(g.refusal("10.0.0.8", 11 * s));  // other peers are not affected
  CHECK(g.refusal("10.0.0.9", 59 * s));
  CHECK_FALSE(g.refusal("10.0.0.9", 60 * s));  // the failure at 0 s has left the window
}
