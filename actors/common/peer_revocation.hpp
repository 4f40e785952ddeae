// peer_revocation.hpp — whether a TLS peer's certificate is still acceptable
// given the cluster's revocation list (issue 14; docs/security.md
// "Not yet"). Pure: the TLS glue (actors/common/node_config.cpp) is to read
// the peer's certificate subject and ask `refuse_peer`; the MDS and CS
// actors only to load the journaled list (cmd_revoke_node, md_revoked) into
// the process's gate (`tls_gate`) and log what it refused. That wiring is
// not landed yet (docs/security.md "Not yet": it crashed the master MDS in
// the integration test).
//
// Contract:
//   - A certificate names its host by the subject attribute serialNumber
//     (X.520 "device serial number") = the host id of /etc/pstorage/host_id
//     (CONFIG/host_id), written by the master at auth-node. Its CN is
//     "pstorage CLUSTER node HOSTNAME" (display).
//   - A certificate whose host id is on the list is refused.
//   - A certificate without a host id (issued before revocation existed)
//     cannot be told apart from a revoked host's: it is refused as soon as
//     the list is not empty, accepted while it is empty.
//   - The gate holds one list per process, with a generation that moves on
//     every change; each connection remembers the generation it was last
//     judged at, so an open connection is judged again at its next TLS read
//     or write after the list changed (that is how existing connections of
//     a revoked host are dropped).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pstorage::security {

// What the TLS layer read from the peer's certificate.
struct peer_certificate {
  std::string common_name;
  std::string host_id;  // "" when the certificate has none
};

// nullopt: acceptable; else why it is refused (a log line's reason).
std::optional<std::string> refuse_peer(const peer_certificate& peer, const std::set<std::string>& revoked);

// The process-wide revocation gate (thread-safe: the TLS calls run on CAF's
// multiplexer thread, the list is set from an actor).
namespace tls_gate {
// Replaces the list; moves the generation on when it differs. Returns true
// when it changed.
bool set_revoked(const std::set<std::string>& host_ids);
std::set<std::string> revoked();
// 0 while no list was ever set (nothing to check: the TLS calls skip the gate).
uint64_t generation();
std::optional<std::string> judge(const peer_certificate& peer);
// A refusal by the TLS glue: counted per (host id, reason) until taken.
void note_refusal(const peer_certificate& peer, const std::string& reason, const std::string& where);
struct refusal {
  std::string host_id, common_name, reason, where;
  uint64_t count = 0;
};
// The refusals since the last call (the actor logs them, the master makes an
// event of them).
std::vector<refusal> take_refusals();
}  // namespace tls_gate

}  // namespace pstorage::security
