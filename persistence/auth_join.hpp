// auth_join.hpp — the proofs of `auth-node` (issue 14, docs/security.md
// "auth-node"). Both sides hold digest = PBKDF2(password, salt) (the host
// derives it from the typed password and the salt the MDS sent; the MDS has
// it in auth_digest). Neither the password nor the digest is sent:
//   host -> MDS: proof = HMAC(digest, client transcript)
//   MDS -> host: proof = HMAC(digest, server transcript)
// The client transcript binds the challenge (one-time, from this MDS), the
// host's own nonce, the cluster, the host name and the public key to be
// certified, so a proof cannot be replayed or moved to another key; the
// server transcript binds both nonces and the two certificates returned, so
// the host knows the CA it is about to trust comes from someone who knows
// the password (not from a machine in the middle).
// Fields are length-prefixed (8 bytes, big endian): no ambiguity.
#pragma once

#include <string>

namespace pstorage::persistence {

inline constexpr size_t join_nonce_bytes = 32;

std::string join_client_proof(const std::string& digest, const std::string& cluster, const std::string& host,
                              const std::string& challenge, const std::string& client_nonce,
                              const std::string& public_key_pem);
// The request's `host` field is "HOSTNAME/HOST_ID" (host names have no '/'):
// the proof covers both, the certificate's CN names the host name and its
// serialNumber the host id (revocation: actors/common/peer_revocation.hpp).
// A field without '/' (an older CLI) is a host name with no host id.
struct join_host {
  std::string name, id;
};
std::string join_host_field(const join_host& h);
join_host parse_join_host(const std::string& field);

std::string join_server_proof(const std::string& digest, const std::string& challenge,
                              const std::string& client_nonce, const std::string& certificate_pem,
                              const std::string& ca_certificate_pem);

}  // namespace pstorage::persistence
