#include "persistence/auth_digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <sstream>
#include <stdexcept>

#include "persistence/file_util.hpp"

namespace pstorage::persistence {

std::string auth_digest::serialize() const {
  return "pstorage-auth-v1 " + cluster + " " + to_hex(salt) + " " + std::to_string(iterations) + " " +
         to_hex(digest) + "\n";
}

std::optional<auth_digest> auth_digest::parse(const std::string& text) {
  std::istringstream in(text);
  std::string magic, salt_hex, digest_hex;
  auth_digest d;
  if (!(in >> magic >> d.cluster >> salt_hex >> d.iterations >> digest_hex)) return std::nullopt;
  if (magic != "pstorage-auth-v1") return std::nullopt;
  auto s = from_hex(salt_hex);
  auto g = from_hex(digest_hex);
  if (!s || !g || g->size() != 32 || d.iterations == 0) return std::nullopt;
  d.salt = *s;
  d.digest = *g;
  return d;
}

std::string derive_digest(const std::string& password, const std::string& salt, uint32_t iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(), 32,
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return out;
}

auth_digest make_auth_digest(const std::string& cluster, const std::string& password) {
  auth_digest d;
  d.cluster = cluster;
  d.salt = random_bytes(16);
  d.iterations = default_pbkdf2_iterations;
  d.digest = derive_digest(password, d.salt, d.iterations);
  return d;
}

bool digest_equal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pstorage::persistence
