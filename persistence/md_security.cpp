// md_security.cpp — applying the security commands and reading their tables
// back (md_security.hpp; protocol/md_model/md_security_commands.hpp).
#include "persistence/md_security.hpp"

#include <cerrno>

#include "persistence/md_store.hpp"

namespace pstorage::persistence {

using mds::md_error;

std::optional<md_error> security_apply(sqlite_db& db, const mds::cmd_revoke_node& c) {
  if (c.host_id.empty()) return md_error{EINVAL, "revoke-node: empty host id"};
  statement st(db, "SELECT 1 FROM md_revoked WHERE host_id = ?");
  st.bind(1, c.host_id);
  if (st.step()) return md_error{EEXIST, "host " + c.host_id + " is already revoked"};
  statement(db, "INSERT INTO md_revoked(host_id, host, time_ns) VALUES(?, ?, ?)")
      .bind(1, c.host_id).bind(2, c.host).bind(3, c.time).run();
  return std::nullopt;
}

std::optional<md_error> security_apply(sqlite_db& db, const mds::cmd_set_cluster_ca& c) {
  if (c.key_pem.empty() || c.cert_pem.empty()) return md_error{EINVAL, "set cluster CA: empty key or certificate"};
  statement st(db, "SELECT key_pem, cert_pem FROM md_ca WHERE id = 1");
  if (st.step()) {
    if (st.col_text(0) == c.key_pem && st.col_text(1) == c.cert_pem) return std::nullopt;
    return md_error{EEXIST, "the journal already holds another cluster CA (a new CA is a new cluster)"};
  }
  statement(db, "INSERT INTO md_ca(id, key_pem, cert_pem) VALUES(1, ?, ?)").bind(1, c.key_pem).bind(2, c.cert_pem).run();
  return std::nullopt;
}

std::vector<md_store::revoked_host> md_store::revoked_hosts() const {
  std::vector<revoked_host> out;
  statement st(db_, "SELECT host_id, host, time_ns FROM md_revoked ORDER BY host_id");
  while (st.step()) out.push_back({st.col_text(0), st.col_text(1), st.col_int(2)});
  return out;
}

std::optional<md_store::ca_row> md_store::cluster_ca() const {
  statement st(db_, "SELECT key_pem, cert_pem FROM md_ca WHERE id = 1");
  if (!st.step()) return std::nullopt;
  return ca_row{st.col_text(0), st.col_text(1)};
}

void security_dump(std::ostream& o, const md_store& s) {
  for (auto& r : s.revoked_hosts()) o << "revoked '" << r.host_id << "' '" << r.host << "' " << r.time << "\n";
  if (auto ca = s.cluster_ca()) o << "cluster_ca key " << ca->key_pem.size() << " bytes '" << ca->cert_pem << "'\n";
}

}  // namespace pstorage::persistence
