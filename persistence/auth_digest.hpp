// auth_digest.hpp — the cluster password, kept only as a salted digest
// (guide: "Password-based Authentication": "The password you specify is
// encrypted and saved into .../auth_digest.key").
//
// digest = PBKDF2-HMAC-SHA256(password, salt, iterations), 32 bytes.
// The MDS stores {salt, iterations, digest}; `auth-node` fetches salt and
// iterations, derives the digest locally and presents it; the clear password
// is never stored or sent. File format of auth_digest.key (one line):
//   pstorage-auth-v1 CLUSTER SALT_HEX ITERATIONS DIGEST_HEX
#pragma once

#include <optional>
#include <string>

namespace pstorage::persistence {

struct auth_digest {
  std::string cluster;
  std::string salt;    // raw bytes
  uint32_t iterations = 0;
  std::string digest;  // raw bytes

  std::string serialize() const;
  static std::optional<auth_digest> parse(const std::string& text);
};

inline constexpr uint32_t default_pbkdf2_iterations = 100000;

std::string derive_digest(const std::string& password, const std::string& salt, uint32_t iterations);
// Fresh salt + digest for a new cluster password.
auth_digest make_auth_digest(const std::string& cluster, const std::string& password);
// Constant-time comparison.
bool digest_equal(const std::string& a, const std::string& b);

}  // namespace pstorage::persistence
