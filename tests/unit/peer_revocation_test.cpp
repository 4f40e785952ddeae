// Whether a TLS peer is acceptable given the revocation list
// (actors/common/peer_revocation.hpp; docs/security.md "Revocation").
#include <doctest/doctest.h>

#include "actors/common/peer_revocation.hpp"

using namespace pstorage::security;

TEST_CASE("no list: every certificate of the CA is acceptable, with or without a host id") {
  CHECK_FALSE(refuse_peer({"pstorage c node a", "h1"}, {}));
  CHECK_FALSE(refuse_peer({"pstorage c node old", ""}, {}));
}

TEST_CASE("a revoked host id is refused with the reason; others are accepted") {
  std::set<std::string> revoked{"h2"};
  auto why = refuse_peer({"pstorage c node b", "h2"}, revoked);
  REQUIRE(why);
  CHECK(why->find("host h2") != std::string::npos);
  CHECK(why->find("revoked") != std::string::npos);
  CHECK_FALSE(refuse_peer({"pstorage c node a", "h1"}, revoked));
  CHECK_FALSE(refuse_peer({"pstorage c node a", "h22"}, revoked));  // exact ids, no prefixes
}

TEST_CASE("once the list is not empty, a certificate without a host id is refused") {
  auto why = refuse_peer({"pstorage c node old", ""}, {"h9"});
  REQUIRE(why);
  CHECK(why->find("no host id") != std::string::npos);
}

// Before the gate test below: the gate of this process has no list yet.
TEST_CASE("a held gate refuses accepted handshakes until the first list, then judges by the list") {
  REQUIRE(tls_gate::generation() == 0);
  CHECK_FALSE(tls_gate::active());
  CHECK_FALSE(tls_gate::judge({"n", "x"}, true));  // no list, no hold: nothing to judge
  tls_gate::hold_accepted_until_set("not registered yet");
  CHECK(tls_gate::active());
  auto why = tls_gate::judge({"n", "h1"}, true);
  REQUIRE(why);
  CHECK(*why == "not registered yet");
  CHECK_FALSE(tls_gate::judge({"n", "h1"}, false));  // its own connections (to the MDS) are not held
  CHECK(tls_gate::set_revoked({}));                  // the first list, even empty, ends the hold
  CHECK(tls_gate::generation() != 0);
  CHECK_FALSE(tls_gate::judge({"n", "h1"}, true));
  tls_gate::hold_accepted_until_set("again");  // no effect once a list was set
  CHECK_FALSE(tls_gate::judge({"n", "h1"}, true));
  CHECK(tls_gate::set_revoked({"h1"}));
  CHECK(tls_gate::judge({"n", "h1"}, true));
  CHECK_FALSE(tls_gate::judge({"n", "h2"}, true));
  CHECK(tls_gate::set_revoked({}));
}

TEST_CASE("the gate: generation moves only on a change; refusals are counted and taken once") {
  const auto g0 = tls_gate::generation();
  CHECK(tls_gate::set_revoked({"x"}));
  const auto g1 = tls_gate::generation();
  CHECK(g1 > g0);
  CHECK_FALSE(tls_gate::set_revoked({"x"}));
  CHECK(tls_gate::generation() == g1);
  CHECK(tls_gate::judge({"n", "x"}));
  CHECK_FALSE(tls_gate::judge({"n", "y"}));
  tls_gate::note_refusal({"n", "x"}, "r", "accepting");
  tls_gate::note_refusal({"n", "x"}, "r", "accepting");
  auto taken = tls_gate::take_refusals();
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].count == 2);
  CHECK(taken[0].host_id == "x");
  CHECK(tls_gate::take_refusals().empty());
  CHECK(tls_gate::set_revoked({}));
  CHECK_FALSE(tls_gate::judge({"n", ""}));
}
