// ha_agents.hpp — High Availability agents in the simulator (issue 18:
// "the simulator gains HA agents and checks 'a resource never runs on two
// nodes at once' and 'a resource on a failed node is running elsewhere
// within the bound' under partitions and clock drift"; docs/ha.md).
//
// Each agent does what pstorage-shamand does (frontends/shamand/main.cpp,
// resource_runner.hpp), with the same pure rules (actors/ha/node_lease.hpp)
// and the same messages (AgentToMdsHaRenew over a client link, so renewals
// are lost, delayed and partitioned like any request), against the
// production MDS's HA relocator:
//  * a renewal every renew period of its own clock, listing what it runs
//    (starting, running, stopping) and what started since; a renewal not
//    answered within a renew period is given up (the next one is sent);
//  * every 100 ms of its own clock: nothing may run once agent_must_stop
//    (self-fencing), else exactly what its newest grant lists;
//  * a start takes 10..600 ms; a starting resource that is no longer wanted
//    is killed at once, a running one's stop takes 0..1700 ms (the
//    runner's stop budget - 0.3 s, then SIGKILL);
//  * its clock runs at `rate` times real time (clock drift);
//  * killed (ha-agent-crash): its guard kills every resource process at once.
// The truth (ha_truth, pure) is which node's processes run which resource in
// real (virtual) time: the invariants are judged on it.
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pstorage::sim {

struct ha_truth {
  std::map<std::string, std::set<std::string>> on;  // resource -> nodes whose processes run it
  std::map<std::string, int64_t> down_since_ms;     // resource -> runs nowhere since (added, not yet running)
  std::map<std::string, int64_t> longest_down_ms;   // per resource, over the run
  // A process of `r` starts on `node`: "" or the ha-never-two-nodes detail.
  std::string start(const std::string& r, const std::string& node, int64_t now_ms);
  void stop(const std::string& r, const std::string& node, int64_t now_ms);
  // ha-relocated-within-bound: "" or the detail of a resource that has run
  // nowhere for longer than `bound_ms`.
  std::string overdue(int64_t now_ms, int64_t bound_ms) const;
  // ha-all-running (final): "" or the detail of a resource not on exactly one node.
  std::string not_running_once() const;
};

struct ha_env {
  std::function<void(const std::string&)> note, count;
  std::function<void(const std::string& invariant, const std::string& detail)> raise;
  std::function<caf::actor(size_t client)> mds;  // client k's link to the MDS, null if none runs
  std::function<int64_t()> now_ms;               // real (virtual) time
  std::function<int64_t(int64_t lo, int64_t hi)> between;  // the run's PRNG
  std::function<bool()> stopping;                          // faults are over
  std::string cluster, digest;
  ha_truth truth;
};

// The operator: `ha enable-node` for every node, then `ha add` for every
// resource (name, backup node or ""), each asked every second until the
// master answers OK (an answer may be lost after the change was journaled:
// "already exists" counts as done). Then, with `relocations`, every 2..8 s
// until `stopping()`, `ha relocate` of a random resource to a random node
// (planned moves: stop there first, then start; refusals are fine).
caf::actor spawn_ha_setup(caf::actor_system& sys, ha_env* env, size_t client, std::vector<std::string> nodes,
                          std::vector<std::pair<std::string, std::string>> resources, bool relocations = false);
// One node's agent, as client `client`, its clock running at `rate`.
caf::actor spawn_ha_agent(caf::actor_system& sys, ha_env* env, size_t client, std::string node, double rate);
// The agent of `node` was killed: its guard kills its resources' processes.
void ha_agent_killed(ha_env* env, const std::string& node);
// Every 100 ms: ha-relocated-within-bound (bound_ms > 0) once resources are placed.
caf::actor spawn_ha_monitor(caf::actor_system& sys, ha_env* env, int64_t bound_ms);

}  // namespace pstorage::sim
