// md_security.hpp — md_store's security tables (issue 14; the commands in
// protocol/md_model/md_security_commands.hpp; docs/security.md). Internal to
// persistence/: md_store.cpp's applier forwards the commands here; the
// queries are md_store members (revoked_hosts(), cluster_ca()).
//   md_revoked   host_id -> host name, time revoked
//   md_ca        one row: the cluster CA key and certificate (PEM)
#pragma once

#include <optional>
#include <ostream>

#include "protocol/md_model/md_command.hpp"
#include "protocol/md_model/md_view.hpp"
#include "persistence/sqlite_db.hpp"

#define SECURITY_SCHEMA                                                                                  \
  "CREATE TABLE IF NOT EXISTS md_revoked (host_id TEXT PRIMARY KEY, host TEXT NOT NULL,"                 \
  " time_ns INTEGER NOT NULL);"                                                                         \
  "CREATE TABLE IF NOT EXISTS md_ca (id INTEGER PRIMARY KEY CHECK (id = 1), key_pem TEXT NOT NULL,"      \
  " cert_pem TEXT NOT NULL);"

namespace pstorage::persistence {

class md_store;

// nullopt: applied; else the deterministic rejection (state unchanged).
std::optional<mds::md_error> security_apply(sqlite_db& db, const mds::cmd_revoke_node& c);
std::optional<mds::md_error> security_apply(sqlite_db& db, const mds::cmd_set_cluster_ca& c);

// The rows in canonical_dump's text form (the CA key only by its length).
void security_dump(std::ostream& o, const md_store& s);

}  // namespace pstorage::persistence
