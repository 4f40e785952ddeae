// node_lease.cpp — see node_lease.hpp for the contract and the proof sketch.
#include "actors/ha/node_lease.hpp"

namespace pstorage::ha {

int64_t agent_stop_deadline(const lease_timing& t, int64_t requested_at) {
  return requested_at + t.lease - t.drift_margin - t.stop_budget;
}

bool agent_must_stop(const lease_timing& t, int64_t requested_at, int64_t now) {
  return now >= agent_stop_deadline(t, requested_at);
}

int64_t agent_stopped_by(const lease_timing& t, int64_t requested_at) {
  return requested_at + t.lease - t.drift_margin;
}

int64_t master_reassign_at(const lease_timing& t, int64_t granted_at) {
  return granted_at + t.lease + t.drift_margin;
}

bool master_may_reassign(const lease_timing& t, int64_t granted_at, int64_t now) {
  return now >= master_reassign_at(t, granted_at);
}

lease_state master_view(const lease_timing& t, int64_t granted_at, int64_t now) {
  if (now < granted_at + t.lease) return lease_state::alive;
  if (!master_may_reassign(t, granted_at, now)) return lease_state::expiring;
  return lease_state::failed;
}

std::string check_timing(const lease_timing& t, uint32_t max_drift_ppm) {
  if (t.lease <= 0) return "lease must be positive";
  if (t.drift_margin < 0 || t.stop_budget < 0 || t.renew_every <= 0)
    return "margins must not be negative and renew_every must be positive";
  if (max_drift_ppm >= 1'000'000) return "clock-rate error must be below 100%";
  // drift_margin >= rho * L, in integers: m * 1e6 >= ppm * L.
  if (static_cast<__int128>(t.drift_margin) * 1'000'000 < static_cast<__int128>(max_drift_ppm) * t.lease)
    return "drift_margin " + std::to_string(t.drift_margin) + " ns is below " + std::to_string(max_drift_ppm) +
           " ppm of the lease " + std::to_string(t.lease) + " ns";
  if (t.lease - t.drift_margin - t.stop_budget < 2 * t.renew_every)
    return "lease - drift_margin - stop_budget must leave at least two renewal periods";
  return {};
}

}  // namespace pstorage::ha
