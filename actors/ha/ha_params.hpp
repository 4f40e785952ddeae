// ha_params.hpp — the HA lease timing as cluster parameters (issue 18;
// docs/ha.md "Lease and margins"): `pstorage -c NAME set-config
// mds.ha.lease=MS` and mds.ha.renew, mds.ha.drift_margin, mds.ha.stop_budget
// (names, units, defaults and ranges in actors/mds/cluster_params.hpp).
// Pure: no CAF, no clock, no I/O.
//
// Contract (pinned by tests/unit/ha_params_test.cpp):
//  * timing_from_params: the four parameters (milliseconds) as a
//    lease_timing (nanoseconds); the defaults give lease_timing{}.
//  * check_ha_params: set-config refuses, before journaling anything, a set
//    of assignments after which the timing would be unsafe for the 5%
//    clock-rate error the lease proof assumes (node_lease.hpp check_timing:
//    drift_margin >= 5% of lease, lease - drift_margin - stop_budget >= 2 x
//    renew). Empty: accepted (also when `sets` names no HA parameter).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/ha/node_lease.hpp"
#include "actors/mds/cluster_params.hpp"

namespace pstorage::ha {

constexpr uint32_t max_clock_drift_ppm = 50'000;  // 5%: docs/ha.md "Lease and margins"

lease_timing timing_from_params(const mds::cluster_params& p);
std::string check_ha_params(const mds::cluster_params& current, const std::vector<mds::param_assignment>& sets);

}  // namespace pstorage::ha
