// auth_join.cpp — see auth_join.hpp.
#include "persistence/auth_join.hpp"

#include <initializer_list>

#include "persistence/cluster_ca.hpp"

namespace pstorage::persistence {

namespace {
std::string transcript(std::initializer_list<const std::string*> fields) {
  std::string out;
  for (auto* f : fields) {
    uint64_t n = f->size();
    for (int i = 7; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += *f;
  }
  return out;
}
}  // namespace

std::string join_client_proof(const std::string& digest, const std::string& cluster, const std::string& host,
                              const std::string& challenge, const std::string& client_nonce,
                              const std::string& public_key_pem) {
  static const std::string label = "pstorage auth-node v1 client";
  return hmac_sha256(digest, transcript({&label, &cluster, &host, &challenge, &client_nonce, &public_key_pem}));
}

std::string join_server_proof(const std::string& digest, const std::string& challenge,
                              const std::string& client_nonce, const std::string& certificate_pem,
                              const std::string& ca_certificate_pem) {
  static const std::string label = "pstorage auth-node v1 server";
  return hmac_sha256(digest, transcript({&label, &challenge, &client_nonce, &certificate_pem, &ca_certificate_pem}));
}

std::string join_host_field(const join_host& h) { return h.id.empty() ? h.name : h.name + "/" + h.id; }

join_host parse_join_host(const std::string& field) {
  auto slash = field.rfind('/');
  if (slash == std::string::npos) return {field, ""};
  return {field.substr(0, slash), field.substr(slash + 1)};
}

}  // namespace pstorage::persistence
