// node_tls.hpp — this host's TLS credentials for a cluster (issue 14,
// docs/security.md "Keys and certificates"), next to auth_digest.key:
//   clusters/NAME/node.key    the host's private key (mode 0600, made here by auth-node)
//   clusters/NAME/node.crt    its certificate, signed by the cluster CA
//   clusters/NAME/ca.crt      the cluster CA's certificate (the only one trusted)
//   clusters/NAME/encryption  optional: "off" turns TLS off for this host
//                             (a trusted back network; every node of the
//                             cluster must agree). $PSTORAGE_ENCRYPTION=off
//                             does the same for one process.
// Encryption is on by default: a process of a host without credentials
// refuses to start or connect ("run auth-node"), never anonymous TLS.
#pragma once

#include <optional>
#include <string>

#include "persistence/host_config.hpp"

namespace pstorage::persistence {

struct node_tls_paths {
  std::string key, cert, ca;
};

node_tls_paths node_tls_files(const host_config& host, const std::string& cluster);

// Writes key (0600), certificate and CA certificate (0600 too: nothing else
// of the directory is world-readable either), each atomically.
void write_node_tls(const host_config& host, const std::string& cluster, const std::string& key_pem,
                    const std::string& cert_pem, const std::string& ca_pem);

// True unless clusters/NAME/encryption says "off" or $PSTORAGE_ENCRYPTION is "off".
bool encryption_on(const host_config& host, const std::string& cluster);

// The credentials every process of this host uses for `cluster`: nullopt
// when encryption is off; with it on, the three files must exist, the
// certificate must match the key and be signed by ca.crt, else throws
// std::runtime_error saying which and how to fix it (auth-node).
std::optional<node_tls_paths> require_node_tls(const host_config& host, const std::string& cluster);

}  // namespace pstorage::persistence
