// cluster_ca.hpp — the cluster's certificate authority and the node
// certificates it signs (issue 14, docs/security.md "Keys and certificates").
//
// `make-mds -I` makes the CA (an EC P-256 key and a self-signed certificate
// naming the cluster and a random id); the MDS keeps it (mds.db meta, then
// md.db through the journal: cmd_set_cluster_ca) and signs one certificate
// per node at `auth-node`. Every pstorage process of a host presents that
// node certificate in mutual TLS (libcaf-openssl) and trusts this CA only,
// so a peer of another cluster (even one of the same name) is refused.
//
// Everything is PEM text; private keys are unencrypted PEM and must only be
// written with mode 0600 (host_config::write_tls). OpenSSL's C API only; no
// `openssl` program is run. Throws std::runtime_error with OpenSSL's reason.
#pragma once

#include <string>

namespace pstorage::persistence {

// mds.db meta keys of the cluster CA: written by make-mds -I, and by
// make-mds on a joining MDS from the master's membership answer (only over
// TLS). Never in make-report, logs or the journal.
inline constexpr const char* ca_key_meta = "cluster_ca_key";
inline constexpr const char* ca_cert_meta = "cluster_ca_cert";

struct key_and_cert {
  std::string key_pem;   // PRIVATE KEY (PKCS#8)
  std::string cert_pem;  // CERTIFICATE
};

// A new CA for `cluster`: CN "pstorage cluster CLUSTER CA <16 hex digits>",
// valid 20 years, basicConstraints CA:TRUE, keyUsage keyCertSign+cRLSign.
key_and_cert make_cluster_ca(const std::string& cluster);

// A new EC P-256 private key (PEM) and its public key (PEM), for auth-node.
key_and_cert make_node_key();  // cert_pem holds the PUBLIC KEY here
std::string public_key_of(const std::string& key_pem);

// The CA signs `public_key_pem`: CN "pstorage CLUSTER node HOST" and, when
// given, serialNumber = `host_id` (the host id revocation is to name:
// actors/common/peer_revocation.hpp), valid `days`, CA:FALSE,
// serverAuth+clientAuth (every pstorage process both accepts and opens
// connections). Random 128-bit serial.
std::string issue_node_certificate(const key_and_cert& ca, const std::string& public_key_pem,
                                   const std::string& cluster, const std::string& host, int days = 3650,
                                   const std::string& host_id = {});
// The host id a certificate names (its subject serialNumber; "" if none).
std::string certificate_host_id(const std::string& cert_pem);

// True when `cert_pem` was signed by `ca_cert_pem` and is valid now; `why`
// holds OpenSSL's verification error otherwise.
bool verify_certificate(const std::string& ca_cert_pem, const std::string& cert_pem, std::string* why = nullptr);
// True when `cert_pem` certifies the public key of `key_pem`.
bool certificate_matches_key(const std::string& cert_pem, const std::string& key_pem);
// The certificate's subject CN ("" if unreadable).
std::string certificate_subject_cn(const std::string& cert_pem);

// HMAC-SHA256(key, data), 32 raw bytes: the auth-node proofs.
std::string hmac_sha256(const std::string& key, const std::string& data);

}  // namespace pstorage::persistence
