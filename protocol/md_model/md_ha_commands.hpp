// md_ha_commands.hpp — the journaled High Availability state (issue 18;
// docs/ha.md "Journaled state"): HA resources, HA nodes and which node each
// resource is assigned to. Included by md_command.hpp (they are md_commands:
// proposed by the master, applied by every MDS only once committed, so a new
// master starts from exactly the assignments the old one had journaled and
// a master failover neither loses nor duplicates an assignment).
//
// Assignment contract (actors/mds/mds_ha_actor.cpp carries it out):
//   A resource row has `node` (where it is to run; empty: nowhere) and
//   `from` (a node that may still run it and must confirm its stop first;
//   empty: none). The master orders a resource started on `node` only while
//   `from` is empty, and tells `from` to stop it. So a planned move
//   (`ha relocate`, `ha disable-node`) is journaled as {node: B, from: A},
//   and as {node: B, from: ""} once A reported it stopped (or A's lease ran
//   out: A fenced itself, node_lease.hpp). A move off a failed node is
//   journaled as {node: B, from: ""} at once.
#pragma once

#include <cstdint>
#include <string>

namespace pstorage::mds {

// `pstorage ha add RESOURCE --start CMD --stop CMD [--check CMD] [--node
// HOST] [--backup-node HOST] [--ip ADDR/PREFIX]`. policy "backup" when a
// backup node is given, else "round-robin" (the guide's default). Rejected
// when the name exists or a required field is empty.
struct cmd_ha_add_resource {
  std::string name;
  std::string start_cmd;
  std::string stop_cmd;
  std::string check_cmd;       // empty: none
  std::string preferred_node;  // empty: none
  std::string backup_node;     // empty: none
  std::string ip;              // ADDR/PREFIX; empty: none
  std::string policy;          // "round-robin" | "backup"
  bool operator==(const cmd_ha_add_resource&) const = default;
};

// `pstorage ha remove RESOURCE`: its agent stops it (it is no longer in any
// grant). Rejected when unknown.
struct cmd_ha_remove_resource {
  std::string name;
  bool operator==(const cmd_ha_remove_resource&) const = default;
};

// The relocator's decision for one resource (contract above). `cursor`: the
// round-robin cursor after the plan that made it (placement.hpp); empty
// leaves the stored one. Rejected when the resource is unknown.
struct cmd_ha_assign {
  std::string resource;
  std::string node;
  std::string from;
  std::string cursor;
  bool operator==(const cmd_ha_assign&) const = default;
};

// A node's HA settings: `ha enable-node` / `ha disable-node` (enabled), a
// clean `pstorage-shamand` stop (parked: its resources neither move nor
// run until its agent renews again; guide: shamand stops first at a
// shutdown), and its resource limit (0: none). Creates the node when new.
struct cmd_ha_set_node {
  std::string name;
  bool enabled = true;
  bool parked = false;
  uint32_t limit = 0;
  bool operator==(const cmd_ha_set_node&) const = default;
};

}  // namespace pstorage::mds
