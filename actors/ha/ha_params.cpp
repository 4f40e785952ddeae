// ha_params.cpp — see ha_params.hpp.
#include "actors/ha/ha_params.hpp"

namespace pstorage::ha {

namespace {
constexpr int64_t ms = 1'000'000;
}

lease_timing timing_from_params(const mds::cluster_params& p) {
  lease_timing t;
  t.lease = p.get("mds.ha.lease") * ms;
  t.renew_every = p.get("mds.ha.renew") * ms;
  t.drift_margin = p.get("mds.ha.drift_margin") * ms;
  t.stop_budget = p.get("mds.ha.stop_budget") * ms;
  return t;
}

std::string check_ha_params(const mds::cluster_params& current, const std::vector<mds::param_assignment>& sets) {
  mds::cluster_params after = current;
  bool touches = false;
  for (const auto& a : sets) {
    after.set(a);
    touches = touches || a.name.rfind("mds.ha.", 0) == 0;
  }
  if (!touches) return {};
  auto why = check_timing(timing_from_params(after), max_clock_drift_ppm);
  if (why.empty()) return {};
  auto v = [&](const char* n) { return std::string(n) + "=" + std::to_string(after.get(n)); };
  return "unsafe HA lease timing " + v("mds.ha.lease") + " " + v("mds.ha.renew") + " " + v("mds.ha.drift_margin") +
         " " + v("mds.ha.stop_budget") + " (ms): " + why +
         " (needs drift_margin >= 5% of lease and lease - drift_margin - stop_budget >= 2 x renew; docs/ha.md)";
}

}  // namespace pstorage::ha
