// node_config.hpp — the CAF configuration every pstorage process uses:
// wire types registered, the middleman loaded, and the `sharing` scheduler
// (TOOLCHAIN.md: ~25 µs per round trip instead of ~200 µs with `stealing`).
#pragma once

#include <caf/actor_system_config.hpp>

#include <string>

namespace pstorage {

class node_config : public caf::actor_system_config {
 public:
  enum class mode { network, testing };
  explicit node_config(mode m = mode::network);
  // Mutual TLS for every connection of this process (actors/common/
  // transport.hpp): loads CAF's OpenSSL module with this node's certificate
  // and key and the cluster CA as the only trusted one. All three must be
  // non-empty (CAF would fall back to anonymous TLS without them).
  void use_tls(const std::string& cert_file, const std::string& key_file, const std::string& ca_file);
};

}  // namespace pstorage
