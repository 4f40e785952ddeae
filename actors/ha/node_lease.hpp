// node_lease.hpp — the HA node lease and self-fencing arithmetic (issue 18:
// "A node that cannot renew its lease stops its resources itself before the
// master may give them to another node ... so a resource never runs on two
// nodes"). Pure: no clock reads; times are nanoseconds of a monotonic clock
// the caller uses consistently — the agent's own clock on the agent side,
// the master's own clock on the master side. The two clocks are never
// compared with each other. docs/ha.md "Lease and margins" explains the
// defaults.
//
// Protocol (to be carried by pstorage-shamand and the relocator actor):
//  * The agent sends a renewal request every `renew_every`, remembering the
//    time it SENT each request (`requested_at`, agent clock). A grant answers
//    one request; the agent's lease runs from that request's requested_at
//    (the newest granted one: a late grant of an older request never moves
//    it back).
//  * The master answers a renewal only while it is the serving master (the
//    MDS leader lease, docs/election.md), and records `granted_at` = the
//    time it sent the grant (master clock). A master that has just taken
//    over does not know its predecessor's grants: it uses its own start time
//    as every node's granted_at until that node renews.
//
// Contract:
//  * agent_must_stop(now): now >= requested_at + L - drift_margin -
//    stop_budget. From then the agent stops every resource (escalating to
//    SIGKILL) and starts none; they are stopped by requested_at + L -
//    drift_margin if stopping takes at most stop_budget (agent clock).
//  * master_may_reassign(now): now >= granted_at + L + drift_margin.
//  * master_view(now): alive before granted_at + L, expiring until
//    granted_at + L + drift_margin, failed from then (placement.hpp).
//
// Proof sketch that the agent has stopped before the master may reassign.
// Let rho be the bound on clock-rate error: a clock measures a real
// interval d as something in [d(1-rho), d(1+rho)]. Let a = the real time the
// agent sent the granted request, g = the real time the master sent the
// grant; a <= g (the grant answers the request). Write A = L - m (agent
// clock: stopped by then) and M = L + m (master clock: may reassign from
// then), m = drift_margin.
//   - the agent has stopped by real time  a + A/(1-rho)  at the latest;
//   - the master reassigns at real time   g + M/(1+rho)  at the earliest.
// Since a <= g it suffices that A/(1-rho) <= M/(1+rho), i.e.
//   (L - m)(1 + rho) <= (L + m)(1 - rho)  <=>  rho * L <= m.
// So drift_margin >= rho * lease suffices (check_timing tests it). Message
// delays only help: they make a earlier than g. A master failover keeps it:
// the old master granted only while serving, i.e. before the new master was
// elected, hence before the new master's start time it uses as granted_at.
// Assumed, not proved: the agent process runs (a paused agent cannot fence;
// docs/ha.md "Limits") and stopping takes at most stop_budget.
#pragma once

#include <cstdint>
#include <string>

#include "actors/ha/placement.hpp"

namespace pstorage::ha {

struct lease_timing {
  using ns = int64_t;
  ns lease = 6'000'000'000;        // L: how long a grant lasts
  ns renew_every = 1'000'000'000;  // the agent's renewal period
  ns drift_margin = 300'000'000;   // m: >= rho * L (5% clock-rate error at the defaults)
  ns stop_budget = 2'000'000'000;  // s: the longest the agent may take to stop all its resources
};

// Agent side, agent clock. requested_at: when it sent the newest granted request.
int64_t agent_stop_deadline(const lease_timing& t, int64_t requested_at);  // requested_at + L - m - s
bool agent_must_stop(const lease_timing& t, int64_t requested_at, int64_t now);
int64_t agent_stopped_by(const lease_timing& t, int64_t requested_at);     // requested_at + L - m

// Master side, master clock. granted_at: when it sent the newest grant (or
// its own start as master, whichever is later).
int64_t master_reassign_at(const lease_timing& t, int64_t granted_at);     // granted_at + L + m
bool master_may_reassign(const lease_timing& t, int64_t granted_at, int64_t now);
lease_state master_view(const lease_timing& t, int64_t granted_at, int64_t now);

// Empty when `t` is safe for clock-rate error up to max_drift_ppm (parts per
// million), else why not: lease > 0, margins >= 0, drift_margin >= rho * L,
// and the agent's stop deadline leaves at least two renewal periods after a
// request (one lost renewal does not fence a healthy node).
std::string check_timing(const lease_timing& t, uint32_t max_drift_ppm);

}  // namespace pstorage::ha
