// md_security_commands.hpp — the journaled security state (issue 14;
// docs/security.md "Revocation", "Keys and certificates"). Included by
// md_command.hpp: proposed by the master, applied by every MDS once
// committed, kept in md.db (so in snapshots: a resynced MDS and a new master
// have it).
#pragma once

#include <cstdint>
#include <string>

namespace pstorage::mds {

// `pstorage revoke-node HOST_ID` (or rm-cs/rm-mds --revoke): from now on no
// MDS or CS accepts a TLS connection whose certificate names `host_id`, and
// auth-node refuses that host id. `host` is the host name the master knew for
// it (display only; may be empty); `time` the master's wall clock. Rejected
// (EEXIST) when the host id is already revoked, EINVAL when it is empty.
// Revocation is for good: there is no un-revoke (a host that must come back
// takes a new host id and runs auth-node again).
struct cmd_revoke_node {
  std::string host_id;
  std::string host;
  int64_t time = 0;
  bool operator==(const cmd_revoke_node&) const = default;
};

// The cluster CA (key and certificate, PEM) put into the journal by the
// master that holds it in its mds.db, so every MDS — also one added before
// certificates or with encryption off — can sign at auth-node when it is
// master. Rejected (EEXIST) when md.db already holds a different CA (a new
// CA is a new cluster); the same CA again is a no-op.
struct cmd_set_cluster_ca {
  std::string key_pem;
  std::string cert_pem;
  bool operator==(const cmd_set_cluster_ca&) const = default;
};

}  // namespace pstorage::mds
