// Tests of actors/mds/placement_domains.hpp: a leaving replica (rm-cs
// release, a move's source, bad pages) gives way to its replacement in its
// own failure domain, and is displaced (dropped in the copy's hold) once the
// replacement has landed (issue 15: strict failure domains must not block
// same-host moves that keep the domain rule).
#include "actors/mds/placement_domains.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace pstorage::mds;

namespace {
domain_replica rep(uint32_t cs, const std::string& host, bool leaving = false) { return {cs, host, leaving}; }
}  // namespace

TEST_CASE("rule 1: a releasing replica does not occupy its domain for its own replacement") {
  // host1: CS 1 (a); host2: CS 2 (b) and CS 3 (c, being released).
  std::vector<domain_replica> holders{rep(1, "h1"), rep(3, "h2", true)};
  CHECK(occupied_domains(holders) == std::set<std::string>{"h1"});
  CHECK(staying_replicas(holders) == std::vector<uint32_t>{1});
  // The reproducer's case (rm_cs_same_host_target.sh): b is a legal target.
  CHECK(allowed_targets(holders, {rep(2, "h2")}, true) == std::vector<uint32_t>{2});
  // Counted as occupying (the stall before this rule): no target at all.
  std::vector<domain_replica> counted{rep(1, "h1"), rep(3, "h2")};
  CHECK(allowed_targets(counted, {rep(2, "h2")}, true).empty());
}

TEST_CASE("rule 2: a target is never a holder, and strict keeps one replica per domain") {
  std::vector<domain_replica> holders{rep(1, "h1"), rep(3, "h2", true)};
  CHECK(allowed_targets(holders, {rep(1, "h1")}, true).empty());   // holds it
  CHECK(allowed_targets(holders, {rep(3, "h2")}, true).empty());   // holds it (leaving or not)
  CHECK(allowed_targets(holders, {rep(4, "h1")}, true).empty());   // domain of a staying replica
  CHECK(allowed_targets(holders, {rep(4, "h1")}, false) == std::vector<uint32_t>{4});  // advisory
  // Two targets in one free domain: the first only (strict), both (advisory).
  CHECK(allowed_targets(holders, {rep(2, "h2"), rep(5, "h2"), rep(6, "h3")}, true) == std::vector<uint32_t>{2, 6});
  CHECK(allowed_targets(holders, {rep(2, "h2"), rep(5, "h2")}, false) == std::vector<uint32_t>{2, 5});
  // A second leaving replica in the domain does not keep the target out.
  std::vector<domain_replica> two_leaving{rep(1, "h1"), rep(3, "h2", true), rep(7, "h2", true)};
  CHECK(allowed_targets(two_leaving, {rep(2, "h2")}, true) == std::vector<uint32_t>{2});
  // A staying replica in the domain does, whatever else leaves there.
  std::vector<domain_replica> mixed{rep(1, "h1"), rep(3, "h2", true), rep(8, "h2")};
  CHECK(allowed_targets(mixed, {rep(2, "h2")}, true).empty());
}

TEST_CASE("rule 3: once the copy landed, the replica it replaces in its domain goes in the same step") {
  std::vector<domain_replica> holders{rep(1, "h1"), rep(3, "h2", true)};
  // Before the copy: nothing in h2 stays, the releasing replica is kept.
  CHECK(displaced_replicas(holders, {}).empty());
  // The copy to b (h2) landed: c goes with it.
  CHECK(displaced_replicas(holders, {rep(2, "h2")}) == std::vector<uint32_t>{3});
  // The same when the copy is already recorded among the replicas.
  std::vector<domain_replica> recorded{rep(1, "h1"), rep(2, "h2"), rep(3, "h2", true)};
  CHECK(displaced_replicas(recorded, {}) == std::vector<uint32_t>{3});
  // A copy into another domain displaces nothing: the releasing replica
  // waits for the evacuation (its domain is not doubled).
  CHECK(displaced_replicas(holders, {rep(4, "h4")}).empty());
  // A staying replica never goes, even next to a copy (advisory sharing).
  std::vector<domain_replica> staying{rep(1, "h1"), rep(3, "h2")};
  CHECK(displaced_replicas(staying, {rep(2, "h2")}).empty());
  // Every leaving replica of a doubled domain goes; others stay.
  std::vector<domain_replica> many{rep(1, "h1"), rep(3, "h2", true), rep(7, "h2", true), rep(9, "h9", true)};
  CHECK(displaced_replicas(many, {rep(2, "h2")}) == std::vector<uint32_t>{3, 7});
}

TEST_CASE("after the release completes no two replicas share a domain") {
  // Walk the reproducer: a (h1), c (h2, released); copy to b (h2); drop
  // the displaced; what remains has one replica per domain.
  std::vector<domain_replica> holders{rep(1, "h1"), rep(3, "h2", true)};
  auto targets = allowed_targets(holders, {rep(2, "h2")}, true);
  REQUIRE(targets == std::vector<uint32_t>{2});
  auto gone = displaced_replicas(holders, {rep(2, "h2")});
  std::vector<domain_replica> after{rep(2, "h2")};
  for (auto& h : holders)
    if (std::find(gone.begin(), gone.end(), h.cs_id) == gone.end()) after.push_back(h);
  std::set<std::string> domains;
  for (auto& r : after) domains.insert(r.domain);
  CHECK(domains.size() == after.size());
  CHECK(after.size() == 2);
}

TEST_CASE("rule 4: a copy no target can take is not started (no fence, no version bump)") {
  // Counted as occupying (a staying replica of host2 next to the target):
  // the copy may not start, so the chunk is not fenced for nothing.
  std::vector<domain_replica> full{rep(1, "h1"), rep(3, "h2")};
  CHECK_FALSE(copy_may_start(full, {rep(2, "h2")}, true));
  CHECK_FALSE(copy_may_start(full, {}, true));
  CHECK_FALSE(copy_may_start(full, {rep(1, "h1")}, false));  // a holder is never a target
  // The released replica gives way: it may.
  std::vector<domain_replica> releasing{rep(1, "h1"), rep(3, "h2", true)};
  CHECK(copy_may_start(releasing, {rep(2, "h2")}, true));
  // One legal target among several is enough.
  CHECK(copy_may_start(full, {rep(2, "h2"), rep(4, "h4")}, true));
}
