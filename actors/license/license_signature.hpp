// license_signature.hpp — Ed25519 signatures of license documents through
// OpenSSL (EVP_PKEY_ED25519), and the cluster HWID.
//
// Keys are exchanged as hex text of their raw 32 bytes: the vendor's private
// key file (pstorage-license-tool keygen) and the verifying public key the
// MDS is built or configured with (docs/licensing.md, "The vendor key").
// Pure functions of their inputs, except generate_key_pair (OpenSSL's RNG).
#pragma once

#include <optional>
#include <string>

#include "actors/license/license_doc.hpp"

namespace pstorage::license {

struct key_pair {
  std::string private_hex;  // 64 hex digits
  std::string public_hex;   // 64 hex digits
};

key_pair generate_key_pair();
// The public key of a private one (nullopt: not 64 hex digits).
std::optional<std::string> public_key_of(const std::string& private_hex);

// Signs encode_body(doc): the base64 signature. Throws std::invalid_argument
// on a malformed private key.
std::string sign_body(const license_doc& doc, const std::string& private_hex);
signed_license sign(const license_doc& doc, const std::string& private_hex);
// Is l.signature a valid signature of encode_body(l.doc) by `public_hex`?
// false for a malformed key or signature.
bool signature_valid(const signed_license& l, const std::string& public_hex);

// The cluster's HWID (guide "Obtaining the Hardware Node ID"): the first 16
// bytes of SHA-256("pstorage-hwid-v1\n" + cluster name + "\n" + the salt of
// the cluster password digest), as XXXX.XXXX.XXXX.XXXX.XXXX.XXXX.XXXX.XXXX
// (upper-case hex). The salt is drawn once when `make-mds -I` creates the
// cluster and copied to every MDS that joins, so the HWID is the same on
// every MDS, survives restarts and MDS changes, and differs between two
// clusters even of the same name.
std::string cluster_hwid(const std::string& cluster, const std::string& salt);
bool valid_hwid(const std::string& s);

}  // namespace pstorage::license
