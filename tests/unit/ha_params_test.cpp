// The HA lease timing as cluster parameters (actors/ha/ha_params.hpp) and a
// shortened lease never cutting one already granted (relocator_rules.hpp
// rule 1). Before this the timing was fixed (ha_runtime's lease_timing{}).
#include <doctest/doctest.h>

#include "actors/ha/ha_params.hpp"
#include "actors/ha/relocator_rules.hpp"

using namespace pstorage::ha;
using pstorage::mds::cluster_params;
using pstorage::mds::param_assignment;
using pstorage::mds::parse_param_assignment;

namespace {
constexpr int64_t S = 1'000'000'000;
constexpr int64_t MS = 1'000'000;
}  // namespace

TEST_CASE("the defaults of mds.ha.* are the documented lease timing") {
  cluster_params p;
  auto t = timing_from_params(p);
  const lease_timing d{};
  CHECK(t.lease == d.lease);
  CHECK(t.renew_every == d.renew_every);
  CHECK(t.drift_margin == d.drift_margin);
  CHECK(t.stop_budget == d.stop_budget);
  CHECK(check_ha_params(p, {}).empty());
  CHECK(check_timing(t, max_clock_drift_ppm).empty());
}

TEST_CASE("set-config mds.ha.*: names, ranges, and the timing they give") {
  std::string err;
  CHECK(parse_param_assignment("mds.ha.lease=10000", &err));
  CHECK_FALSE(parse_param_assignment("mds.ha.lease=999", &err));
  CHECK(err.find("out of range 1000..600000 (ms)") != std::string::npos);
  CHECK_FALSE(parse_param_assignment("mds.ha.renew=50", &err));

  cluster_params p;
  std::vector<param_assignment> sets{{"mds.ha.lease", 10000}, {"mds.ha.drift_margin", 500}};
  CHECK(check_ha_params(p, sets).empty());
  for (auto& a : sets) p.set(a);
  auto t = timing_from_params(p);
  CHECK(t.lease == 10 * S);
  CHECK(t.drift_margin == 500 * MS);
  CHECK(t.renew_every == 1 * S);
  CHECK(t.stop_budget == 2 * S);
}

TEST_CASE("unsafe combinations are refused before anything is journaled") {
  cluster_params p;
  // 10 s lease with the 0.3 s margin: below 5% of the lease.
  auto why = check_ha_params(p, {{"mds.ha.lease", 10000}});
  CHECK(why.find("unsafe HA lease timing mds.ha.lease=10000") != std::string::npos);
  CHECK(why.find("drift_margin") != std::string::npos);
  CHECK(check_ha_params(p, {{"mds.ha.lease", 10000}, {"mds.ha.drift_margin", 499}}) != "");
  CHECK(check_ha_params(p, {{"mds.ha.lease", 10000}, {"mds.ha.drift_margin", 500}}) == "");
  // lease - margin - stop budget must leave two renewals: 6000 - 300 - 2000 = 3700 < 2 x 2000.
  CHECK(check_ha_params(p, {{"mds.ha.renew", 2000}}).find("two renewal periods") != std::string::npos);
  CHECK(check_ha_params(p, {{"mds.ha.renew", 1850}}) == "");
  // Other parameters are not its business, even when the HA timing already set were unsafe.
  CHECK(check_ha_params(p, {{"mds.wd.offline_tout", 3000}}) == "");
}

TEST_CASE("a lease shortened by set-config does not cut the longer one granted before") {
  relocator_input in;
  in.nodes = {{"a", true, false, 0}, {"b", true, false, 0}};
  ha_resource web;
  web.def = {"web", "start", "stop", "", "", "", "", "round-robin"};
  web.node = "a";
  in.resources = {web};
  lease_timing longer;  // granted with lease 20 s, margin 1 s
  longer.lease = 20 * S;
  longer.drift_margin = 1 * S;
  in.agents["a"] = agent_report{10 * S, 10 * S, {"web"}, longer};
  in.now = 10 * S + 10 * S;  // 10 s after a's last grant
  in.agents["b"] = agent_report{in.now, in.now, {}, in.timing};
  // The current timing (defaults: 6 s + 0.3 s) alone would call a failed.
  CHECK(master_view(in.timing, 10 * S, in.now) == lease_state::failed);
  CHECK(node_state(in, in.nodes[0]) == lease_state::alive);
  CHECK(relocate_round(in).assigns.empty());
  in.now = 10 * S + 20 * S + 1 * S;  // the granted lease and its margin have passed
  in.agents["b"].granted_at = in.now;
  CHECK(node_state(in, in.nodes[0]) == lease_state::failed);
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0].node == "b");
}
