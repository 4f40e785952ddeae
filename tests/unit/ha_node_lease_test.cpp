// Tests of actors/ha/node_lease.hpp: the HA node lease, the agent's
// self-fencing deadline and the master's reassignment time (issue 18: "A
// node that cannot renew its lease stops its resources itself before the
// master may give them to another node").
#include "actors/ha/node_lease.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace pstorage::ha;

namespace {
constexpr int64_t ms = 1'000'000;
}

TEST_CASE("defaults: 6 s lease with 0.3 s drift margin and 2 s stop budget and 1 s renewals are safe for 5% drift") {
  lease_timing t;
  CHECK(t.lease == 6000 * ms);
  CHECK(t.drift_margin == 300 * ms);
  CHECK(t.stop_budget == 2000 * ms);
  CHECK(t.renew_every == 1000 * ms);
  CHECK(check_timing(t, 50'000).empty());
  CHECK_FALSE(check_timing(t, 50'001).empty());
  // Worst case from a failure to reassignment on the master's clock: the
  // node failed just after a grant, L + m later (docs/ha.md: under 10 s).
  CHECK(master_reassign_at(t, 0) == 6300 * ms);
}

TEST_CASE("agent boundaries: it must stop exactly from requested_at + L - m - s") {
  lease_timing t;
  const int64_t req = 1'000 * ms;
  CHECK(agent_stop_deadline(t, req) == req + 3700 * ms);
  CHECK_FALSE(agent_must_stop(t, req, req));
  CHECK_FALSE(agent_must_stop(t, req, req + 3700 * ms - 1));
  CHECK(agent_must_stop(t, req, req + 3700 * ms));
  CHECK(agent_must_stop(t, req, req + 60'000 * ms));
  CHECK(agent_stopped_by(t, req) == req + 5700 * ms);
  // A renewal moves the deadline: the newer request counts.
  CHECK_FALSE(agent_must_stop(t, req + 1000 * ms, req + 3700 * ms));
}

TEST_CASE("master boundaries: alive before g + L then expiring until g + L + m then it may reassign") {
  lease_timing t;
  const int64_t g = 5'000 * ms;
  CHECK(master_view(t, g, g) == lease_state::alive);
  CHECK(master_view(t, g, g + 6000 * ms - 1) == lease_state::alive);
  CHECK(master_view(t, g, g + 6000 * ms) == lease_state::expiring);
  CHECK(master_view(t, g, g + 6300 * ms - 1) == lease_state::expiring);
  CHECK_FALSE(master_may_reassign(t, g, g + 6300 * ms - 1));
  CHECK(master_may_reassign(t, g, g + 6300 * ms));
  CHECK(master_view(t, g, g + 6300 * ms) == lease_state::failed);
}

// The proof sketch of node_lease.hpp, checked on concrete worst cases: the
// agent's clock runs slow by rho (its intervals last longer in real time),
// the master's runs fast by rho (its intervals end sooner), the grant is
// sent the instant the request is (a == g). Real times are computed in
// nanoseconds of real time from the request.
TEST_CASE("no overlap under bounded drift: the agent has stopped (real time) before the master may reassign") {
  for (int64_t ppm : {0, 1'000, 10'000, 50'000}) {
    CAPTURE(ppm);
    lease_timing t;
    REQUIRE(check_timing(t, static_cast<uint32_t>(ppm)).empty());
    // Agent interval A (own clock) takes A / (1 - rho) real time at most.
    const int64_t agent_a = agent_stopped_by(t, 0);
    const long double agent_real = agent_a / (1.0L - ppm / 1e6L);
    // Master interval M (own clock) takes M / (1 + rho) real time at least.
    const int64_t master_m = master_reassign_at(t, 0);
    const long double master_real = master_m / (1.0L + ppm / 1e6L);
    CHECK(agent_real <= master_real);
  }
  // With a margin below rho * L the same worst case overlaps, and check_timing says so.
  lease_timing thin;
  thin.drift_margin = 100 * ms;  // rho * L = 300 ms at 5%
  CHECK_FALSE(check_timing(thin, 50'000).empty());
  const long double agent_real = agent_stopped_by(thin, 0) / (1.0L - 0.05L);
  const long double master_real = master_reassign_at(thin, 0) / (1.0L + 0.05L);
  CHECK(agent_real > master_real);
}

TEST_CASE("check_timing refuses unsafe or unusable settings") {
  lease_timing t;
  t.lease = 0;
  CHECK_FALSE(check_timing(t, 0).empty());
  t = {};
  t.stop_budget = -1;
  CHECK_FALSE(check_timing(t, 0).empty());
  t = {};
  t.renew_every = 0;
  CHECK_FALSE(check_timing(t, 0).empty());
  t = {};
  CHECK_FALSE(check_timing(t, 1'000'000).empty());
  // Fencing must leave room for two renewal periods: 6 - 0.3 - 2 = 3.7 s ≥ 2 s; with 2 s renewals it does not.
  t.renew_every = 2000 * ms;
  CHECK(check_timing(t, 0) == "lease - drift_margin - stop_budget must leave at least two renewal periods");
  t.renew_every = 1850 * ms;
  CHECK(check_timing(t, 0).empty());
  // A huge lease does not overflow the ppm arithmetic.
  t = {};
  t.lease = INT64_C(20) << 45;  // ppm * lease exceeds int64
  t.drift_margin = t.lease / 20;
  CHECK(check_timing(t, 50'000).empty());
  t.drift_margin -= 1;
  CHECK_FALSE(check_timing(t, 50'000).empty());
}
