// md_ha.hpp — md_store's High Availability tables (issue 18; the commands in
// protocol/md_model/md_ha_commands.hpp). Internal to persistence/: md_store.cpp's
// applier forwards the HA commands here; the queries are md_store members.
//   md_ha_resources  name -> commands, preferred/backup node, ip, policy,
//                    node (assigned), from (stop to confirm first)
//   md_ha_nodes      name -> enabled, parked, limit
//   md_meta          key 'ha_cursor' -> the round-robin cursor
#pragma once

#include <optional>
#include <ostream>

#include "protocol/md_model/md_command.hpp"
#include "protocol/md_model/md_view.hpp"
#include "persistence/sqlite_db.hpp"

#define HA_SCHEMA                                                                                            \
  "CREATE TABLE IF NOT EXISTS md_ha_resources (name TEXT PRIMARY KEY, start_cmd TEXT NOT NULL,"             \
  " stop_cmd TEXT NOT NULL, check_cmd TEXT NOT NULL, preferred TEXT NOT NULL, backup TEXT NOT NULL,"        \
  " ip TEXT NOT NULL, policy TEXT NOT NULL, node TEXT NOT NULL DEFAULT '', from_node TEXT NOT NULL DEFAULT '');" \
  "CREATE TABLE IF NOT EXISTS md_ha_nodes (name TEXT PRIMARY KEY, enabled INTEGER NOT NULL,"                \
  " parked INTEGER NOT NULL, lim INTEGER NOT NULL);"

namespace pstorage::persistence {

class md_store;

// nullopt: applied; else the deterministic rejection (state unchanged).
std::optional<mds::md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_add_resource& c);
std::optional<mds::md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_remove_resource& c);
std::optional<mds::md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_assign& c);
std::optional<mds::md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_set_node& c);

// The HA rows in canonical_dump's text form.
void ha_dump(std::ostream& o, const md_store& s);

}  // namespace pstorage::persistence
