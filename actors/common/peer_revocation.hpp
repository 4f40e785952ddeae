// peer_revocation.hpp — whether a TLS peer's certificate is still acceptable
// given the cluster's revocation list (issue 14; docs/security.md
// "Revocation"). Pure decision (`refuse_peer`) and the per-process gate
// (`tls_gate`). The TLS glue is actors/common/tls_verify.cpp (the OpenSSL
// verify callback, judging each handshake's peer certificate); the MDS loads
// the journaled list (cmd_revoke_node, md_revoked) into the gate on every
// tick, the CS from its heartbeat answers; both log what the gate refused
// (take_refusals).
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
//   - A process that must not accept anyone before it knows the list (a CS:
//     it learns it from its registration answer) holds the gate: until the
//     first set_revoked, every handshake on a connection it *accepted* is
//     refused ("not yet known"); its own connections (to the MDS that will
//     tell it the list) are judged by the (empty) list.
//   - The gate holds one list per process, an immutable snapshot swapped
//     whole (the verify callback runs on CAF's multiplexer thread or the
//     connecting thread; the list is set from an actor), with a generation
//     that moves on every change. New handshakes are judged by the verify
//     callback; open connections are judged again at their next TLS read or
//     write after the generation moved (node_config.cpp's SSL_read/SSL_write,
//     session_refusal below), and one of a revoked host fails that call, so
//     CAF closes it from inside its own broker. With TLS, CAF's BASP
//     heartbeat (1 s, node_config::use_tls) makes every connection read and
//     write at least that often.
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

// `pstorage revoke-node HOST_ID [--force]` at the master, before anything is
// journaled. `known`: host id -> host name of every CS the master has
// registered (the hosts it can tell exist). Refused: an empty or malformed
// id (EINVAL), one already revoked (EEXIST), one no CS reported unless
// `force` (ENOENT: a typo must not lock out nobody while the operator thinks
// the host is out).
struct revoke_verdict {
  int error = 0;     // 0: go on; else EINVAL, EEXIST or ENOENT
  std::string text;  // why, for the operator
};
revoke_verdict judge_revoke_request(const std::string& host_id, bool force,
                                    const std::map<std::string, std::string>& known,
                                    const std::set<std::string>& revoked);

// The process-wide revocation gate (thread-safe: the TLS calls run on CAF's
// multiplexer thread, the list is set from an actor).
//
// tls_verify.cpp installs the verify callback; calling install_tls_verify()
// (a no-op) from a process that sets the list links it in.
void install_tls_verify();

// An established TLS session (an SSL*, opaque here): the refusal of its
// peer's certificate by the gate's list, or nullopt. tls_verify.cpp.
std::optional<std::string> session_refusal(void* ssl);

namespace tls_gate {
// Replaces the list; moves the generation on when it differs. Returns true
// when it changed.
bool set_revoked(const std::set<std::string>& host_ids);
std::set<std::string> revoked();
// 0 while no list was ever set.
uint64_t generation();
// Until the first set_revoked, refuse the handshakes of accepted connections
// with `why` (a CS before its registration answer). No effect once a list
// was set.
void hold_accepted_until_set(const std::string& why);
// Whether the TLS calls have anything to judge (a list set, or a hold).
bool active();
// `accepted`: the connection was accepted by this process (we are the TLS
// server side); a held gate refuses those until a list is set.
std::optional<std::string> judge(const peer_certificate& peer, bool accepted = false);
// A refusal by the TLS glue: counted per (host id, reason) until taken.
void note_refusal(const peer_certificate& peer, const std::string& reason, const std::string& where);
// A peer refused this process's own certificate as revoked (the TLS alert
// certificate_revoked ended a handshake this process began): `where` names
// the peer. The CS stops on it (its host is revoked: nothing will accept it).
void note_revoked_by_peer(const std::string& where);
// "" while no peer did; else the first such peer.
std::string revoked_by_peer();
struct refusal {
  std::string host_id, common_name, reason, where;
  uint64_t count = 0;
};
// The refusals since the last call (the actor logs them, the master makes an
// event of them).
std::vector<refusal> take_refusals();
// The log line of one taken refusal (every role logs refusals in these words).
std::string refusal_line(const refusal& r);
}  // namespace tls_gate

// A revocation list received (the MDS's md.db, a CS's registration or
// heartbeat answer, a mount's Watch answer) into this process's TLS gate,
// with the TLS verify glue linked in: the one way every role installs it.
// Returns the line to log when the list changed and is not empty.
std::optional<std::string> install_revocation_list(const std::set<std::string>& host_ids);

}  // namespace pstorage::security
