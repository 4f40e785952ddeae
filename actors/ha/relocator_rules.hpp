// relocator_rules.hpp — what the HA relocator on the master journals next
// (issue 18; docs/ha.md "The relocator"). Pure: no CAF, no clock, no I/O.
// The MDS actor (actors/mds/mds_ha_actor.cpp) feeds it the journaled table
// (md_ha_commands.hpp), the leases it granted and the agents' reports, and
// journals the commands it returns; it never starts anything itself: agents
// run what their grants (grant_for) list.
//
// Rules (pinned by tests/unit/ha_relocator_test.cpp):
//  1. A node's state for placement: `parked` (its agent stopped cleanly) is
//     `expiring` — its resources neither move nor does anything new go there
//     (guide: shamand is stopped first at a shutdown, without relocation);
//     otherwise node_lease.hpp's master_view from max(last grant, the
//     master's own start as master) with the current timing — but never
//     further along than master_view of the last grant with the timing
//     that grant carried (a lease shortened by set-config, ha_params.hpp,
//     does not cut a longer one already granted).
//  2. A pending stop (`from` set) is confirmed — journaled as from = "" —
//     when `from` has been failed (it fenced itself), is parked (it stopped
//     everything before leaving), is no longer an HA node, or sent a report
//     that the master received after the pending stop was applied
//     (`from_since`) and that does not list the resource (an agent lists a
//     resource from the moment it decides to start it until its stop
//     finished, and handles one answer at a time, so nothing it reported not
//     running can start there later: no grant after from_since lists it).
//  3. Everything else is plan_placement's (placement.hpp): each move becomes
//     cmd_ha_assign{resource, to, from = stop_first ? from : "", cursor}.
//     A move of a resource whose stop is still pending waits (it is not
//     journaled; the next round plans it again): one stop at a time.
//  4. grant_for(N): the resources whose node is N and whose stop is not
//     pending — exactly what N's agent may run; it stops anything else —
//     except those whose assignment is being journaled (`journaling`): a
//     round that found N failed may be moving them elsewhere while N's
//     agent, back in time to renew, asks for its lease; granting them then
//     would run them twice once the move applies (pstorage-sim --scenario
//     ha-chaos --seed 92).
//  5. Failed starts (start_failures.hpp): `given_up` (resource -> nodes that
//     failed to start it max_failed_starts times) goes to the placement as
//     resource_view::given_up: a resource on an alive node that gave it up
//     moves (stop there first), never to such a node; with nowhere to go it
//     is journaled as {node: "", from: that node}. `exhausted` lists the
//     resources no node could take while some node had given them up: the
//     actor starts their backoff (start_failures::exhausted).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/ha/node_lease.hpp"
#include "actors/ha/placement.hpp"
#include "protocol/md_model/md_ha_commands.hpp"

namespace pstorage::ha {

struct ha_resource {
  mds::cmd_ha_add_resource def;
  std::string node;
  std::string from;
};

// What the master knows of a node's agent (master clock, ns).
struct agent_report {
  int64_t granted_at = 0;            // when it last sent this node a grant
  int64_t reported_at = 0;           // when it last received a renewal (0: none)
  std::set<std::string> running;     // that renewal's running list
  lease_timing timing;               // the timing its last grant carried (rule 1)
};

struct relocator_input {
  std::vector<ha_resource> resources;
  std::vector<mds::cmd_ha_set_node> nodes;
  std::map<std::string, agent_report> agents;       // by node
  std::map<std::string, int64_t> from_since;        // resource -> when its pending stop was applied
  std::string cursor;
  std::vector<planned_move> planned;
  std::map<std::string, std::set<std::string>> given_up;  // rule 5
  int64_t now = 0;
  int64_t master_since = 0;                          // when this master began serving
  lease_timing timing;
};

struct relocator_round {
  std::vector<mds::cmd_ha_assign> confirm_stops;    // rule 2
  std::vector<mds::cmd_ha_assign> assigns;          // rule 3, in plan order
  std::vector<move> moves;                          // the journaled moves (their events)
  std::vector<refusal> refused;                     // plan refusals (planned ones included)
  std::vector<std::string> waiting;                 // moves held back by a pending stop
  std::vector<std::string> exhausted;               // rule 5
};

lease_state node_state(const relocator_input& in, const mds::cmd_ha_set_node& n);
relocator_round relocate_round(const relocator_input& in);
std::vector<std::string> grant_for(const std::vector<ha_resource>& resources, const std::string& node,
                                   const std::set<std::string>& journaling = {});

}  // namespace pstorage::ha
