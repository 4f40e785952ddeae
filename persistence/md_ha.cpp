// md_ha.cpp — applying the HA commands and reading the HA tables back
// (md_ha.hpp; protocol/md_model/md_ha_commands.hpp; docs/ha.md).
#include "persistence/md_ha.hpp"

#include <cerrno>

#include "persistence/md_store.hpp"

namespace pstorage::persistence {

using mds::md_error;

namespace {
bool resource_exists(sqlite_db& db, const std::string& name) {
  statement st(db, "SELECT 1 FROM md_ha_resources WHERE name = ?");
  st.bind(1, name);
  return st.step();
}
}  // namespace

std::optional<md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_add_resource& c) {
  if (c.name.empty()) return md_error{EINVAL, "ha add: empty resource name"};
  if (c.start_cmd.empty() || c.stop_cmd.empty()) return md_error{EINVAL, "ha add " + c.name + ": no start or stop command"};
  if (c.policy != "round-robin" && c.policy != "backup")
    return md_error{EINVAL, "ha add " + c.name + ": unknown policy '" + c.policy + "'"};
  if (resource_exists(db, c.name)) return md_error{EEXIST, "HA resource " + c.name + " already exists"};
  statement(db, "INSERT INTO md_ha_resources(name, start_cmd, stop_cmd, check_cmd, preferred, backup, ip, policy)"
                " VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, c.name).bind(2, c.start_cmd).bind(3, c.stop_cmd).bind(4, c.check_cmd).bind(5, c.preferred_node)
      .bind(6, c.backup_node).bind(7, c.ip).bind(8, c.policy).run();
  return std::nullopt;
}

std::optional<md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_remove_resource& c) {
  if (!resource_exists(db, c.name)) return md_error{ENOENT, "no HA resource " + c.name};
  statement(db, "DELETE FROM md_ha_resources WHERE name = ?").bind(1, c.name).run();
  return std::nullopt;
}

std::optional<md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_assign& c) {
  if (!resource_exists(db, c.resource)) return md_error{ENOENT, "no HA resource " + c.resource};
  if (!c.from.empty() && c.from == c.node)
    return md_error{EINVAL, "ha assign " + c.resource + ": the node to stop on is the node to start on"};
  statement(db, "UPDATE md_ha_resources SET node = ?, from_node = ? WHERE name = ?")
      .bind(1, c.node).bind(2, c.from).bind(3, c.resource).run();
  if (!c.cursor.empty())
    statement(db, "INSERT INTO md_meta(key, value) VALUES('ha_cursor', ?)"
                  " ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, c.cursor).run();
  return std::nullopt;
}

std::optional<md_error> ha_apply(sqlite_db& db, const mds::cmd_ha_set_node& c) {
  if (c.name.empty()) return md_error{EINVAL, "ha node: empty node name"};
  statement(db, "INSERT INTO md_ha_nodes(name, enabled, parked, lim) VALUES(?, ?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET enabled = excluded.enabled, parked = excluded.parked,"
                " lim = excluded.lim")
      .bind(1, c.name).bind(2, c.enabled ? 1 : 0).bind(3, c.parked ? 1 : 0).bind(4, static_cast<int64_t>(c.limit))
      .run();
  return std::nullopt;
}

std::vector<md_store::ha_resource_row> md_store::ha_resources() const {
  std::vector<ha_resource_row> out;
  statement st(db_, "SELECT name, start_cmd, stop_cmd, check_cmd, preferred, backup, ip, policy, node, from_node"
                    " FROM md_ha_resources ORDER BY name");
  while (st.step()) {
    ha_resource_row r;
    r.def = {st.col_text(0), st.col_text(1), st.col_text(2), st.col_text(3),
             st.col_text(4), st.col_text(5), st.col_text(6), st.col_text(7)};
    r.node = st.col_text(8);
    r.from = st.col_text(9);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<mds::cmd_ha_set_node> md_store::ha_nodes() const {
  std::vector<mds::cmd_ha_set_node> out;
  statement st(db_, "SELECT name, enabled, parked, lim FROM md_ha_nodes ORDER BY name");
  while (st.step())
    out.push_back({st.col_text(0), st.col_int(1) != 0, st.col_int(2) != 0, static_cast<uint32_t>(st.col_int(3))});
  return out;
}

std::string md_store::ha_cursor() const {
  statement st(db_, "SELECT value FROM md_meta WHERE key = 'ha_cursor'");
  return st.step() ? st.col_text(0) : std::string();
}

void ha_dump(std::ostream& o, const md_store& s) {
  for (auto& r : s.ha_resources())
    o << "ha_resource '" << r.def.name << "' '" << r.def.start_cmd << "' '" << r.def.stop_cmd << "' '"
      << r.def.check_cmd << "' '" << r.def.preferred_node << "' '" << r.def.backup_node << "' " << r.def.ip << ' '
      << r.def.policy << " node '" << r.node << "' from '" << r.from << "'\n";
  for (auto& n : s.ha_nodes())
    o << "ha_node '" << n.name << "' " << n.enabled << ' ' << n.parked << ' ' << n.limit << "\n";
  if (auto c = s.ha_cursor(); !c.empty()) o << "ha_cursor '" << c << "'\n";
}

}  // namespace pstorage::persistence
