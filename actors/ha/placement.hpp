// placement.hpp — which HA node runs which HA resource (issue 18, "High
// Availability: the HA relocator"). Pure decision logic: no CAF, no clock,
// no I/O; the same input always gives the same plan. The relocator actor on
// the master (not built yet, docs/ha.md) feeds it its journaled assignment
// table and the nodes' lease states, journals the resulting assignments and
// carries out the steps.
//
// Spec (administrator's guide, "Configuring High Availability"): "if the
// Hardware Node they are hosted on fails ... the affected virtual
// environments will either be relocated to healthy Hardware Nodes in the
// cluster in the round-robin manner (default) or to a special backup
// Hardware Node". Issue 18 adds a per-node limit, `ha relocate RESOURCE --to
// HOST` (a planned move: stop here, start there) and the events
// "Relocating RESOURCE from HOST1 to HOST2" and "no node can take RESOURCE".
//
// Rules (pinned by tests/unit/ha_placement_test.cpp):
//  1. A node can take resources ("healthy") when it is enabled and its lease
//     is `alive`. `expiring` (the master's lease has lapsed but it may not
//     reassign yet, node_lease.hpp) is neither a source nor a target: its
//     resources stay put and nothing new goes there. A node absent from
//     `nodes` counts as `failed` (the caller keeps a removed node listed
//     until its lease has run out).
//  2. A resource is affected when it has no node, or its node is failed, or
//     its node is disabled (`ha disable-node`), or its node is alive but
//     has given it up after repeated failed starts (`given_up`,
//     start_failures.hpp), or a planned move names it.
//     Every other resource stays where it is — even on a node over its
//     limit, and even when its preferred node is back (no automatic
//     fail-back): an unaffected resource never moves.
//  3. Load of a node = max(running as its agent reported, resources the
//     table assigns to it). Each move adds one to its target; a source keeps
//     its load until its stop is confirmed (the next plan sees it). limit 0
//     means no limit; a target needs load < limit.
//  4. Order: planned moves first (in input order), then affected resources by
//     name. Each resource is decided at most once per plan, so no resource
//     gets two targets; a name listed twice in `resources` is refused once
//     and neither copy moves.
//  5. Planned move RESOURCE --to HOST: refused (with the reason) when the
//     resource is unknown or already decided in this plan, HOST is its
//     current node, HOST is not healthy or is full, or the resource's node
//     is expiring (it may still run there and cannot be told to stop).
//     Otherwise it goes there whatever the policy.
//  6. Target of an affected resource, first that fits:
//       a. no current node (new, or left unplaced earlier): its preferred
//          node (`--node`) if healthy with room;
//       b. policy backup: its backup node (`--backup-node`) if healthy with
//          room and not the node it leaves;
//       c. round-robin (the default, and the fall-back when the backup node
//          cannot take it — a resource running elsewhere beats none): healthy
//          nodes with room, sorted by name, excluding the node it leaves,
//          starting after the cursor (the last node round-robin gave a
//          resource to), wrapping; the chosen node becomes the cursor.
//     A node in the resource's `given_up` is never a target (a, b or c).
//     None: "no node can take RESOURCE"; it keeps its current node in the
//     table (the relocator retries on the next plan) — except when it
//     leaves a node that gave it up: then it is taken off that node (a move
//     with an empty `to`, stopping there first, event "no node can take
//     RESOURCE"), so no node keeps retrying it; start_failures.hpp says
//     when the nodes that gave it up are tried again.
//  7. Steps: a move whose source is an alive node (disabled, or a planned
//     move) stops there first, then starts on the target — the relocator
//     starts only after the stop is confirmed. A source that is failed gets
//     no stop: its agent has stopped its resources itself before the master
//     may reassign (self-fencing, node_lease.hpp).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace pstorage::ha {

// A node's lease as the master sees it (node_lease.hpp classifies).
enum class lease_state { alive, expiring, failed };
const char* to_string(lease_state s);  // "alive" | "expiring" | "failed"

enum class policy { round_robin, backup };
const char* to_string(policy p);  // "round-robin" | "backup"

struct node_view {
  std::string name;
  bool enabled = true;             // false after `ha disable-node`
  lease_state lease = lease_state::alive;
  uint32_t running = 0;            // resources its agent last reported running
  uint32_t limit = 0;              // at most this many resources; 0 = no limit
};

struct resource_view {
  std::string name;
  std::string node;                // current assignment; empty = none
  std::string preferred_node;      // `ha add --node`; empty = none
  std::string backup_node;         // `ha add --backup-node`; empty = none
  policy placement = policy::round_robin;
  std::set<std::string> given_up;  // nodes its starts failed on too often (start_failures.hpp)
};

// `ha relocate RESOURCE --to HOST`.
struct planned_move {
  std::string resource;
  std::string to;
};

struct placement_input {
  std::vector<node_view> nodes;
  std::vector<resource_view> resources;
  std::vector<planned_move> planned;
  std::string cursor;              // last node round-robin chose; empty = none yet
};

// Why a resource is moved or placed.
enum class cause { planned, node_failed, node_disabled, unassigned, start_failed };
// "planned" | "node failed" | "node disabled" | "unassigned" | "start failed"
const char* to_string(cause c);

struct move {
  std::string resource;
  std::string from;                // empty: it had no node
  std::string to;                  // empty: taken off `from`, no node can take it (rule 6)
  cause why = cause::unassigned;
  bool stop_first = false;         // rule 7: stop on `from`, then start on `to`
  // "Relocating RESOURCE from HOST1 to HOST2" (issue 18), for a resource
  // without a node "Placing RESOURCE on HOST2", with no `to` "no node can
  // take RESOURCE" (issue 18).
  std::string event() const;
};

struct refusal {
  std::string resource;
  std::string from;                // its node (kept); empty = none
  cause why = cause::unassigned;
  std::string to;                  // planned moves: the requested host
  std::string detail;              // planned moves and invalid input: why
  // "no node can take RESOURCE" (issue 18); for a planned move
  // "cannot relocate RESOURCE to HOST: DETAIL"; for invalid input (a
  // duplicate name) "cannot place RESOURCE: DETAIL".
  std::string event() const;
};

enum class step_kind { stop, start };
const char* to_string(step_kind k);  // "stop" | "start"

struct step {
  step_kind kind = step_kind::start;
  std::string resource;
  std::string node;
  bool operator==(const step&) const = default;
};

struct placement_plan {
  std::vector<move> moves;         // in decision order (rule 4)
  std::vector<refusal> refused;    // in decision order
  std::string cursor;              // the cursor to keep for the next plan
  // The moves as steps, in order: for each move its stop (when stop_first)
  // then its start (none when `to` is empty).
  std::vector<step> steps() const;
};

placement_plan plan_placement(const placement_input& in);

}  // namespace pstorage::ha
