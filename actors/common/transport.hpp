// transport.hpp — the one place pstorage opens and serves CAF connections
// (issue 14, docs/security.md "Encryption in transit"). A process whose
// node_config called use_tls() has CAF's OpenSSL module loaded: then every
// publish and every connect goes through it (mutual TLS, the cluster CA
// only); otherwise through the plain middleman (encryption off, or the
// in-process tests). Callers never choose: they call these.
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <string>

namespace pstorage::transport {

// The middleman actor that connects (connect_atom) and publishes.
inline caf::io::middleman_actor connector(caf::actor_system& sys) {
  return sys.has_openssl_manager() ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
}

inline bool encrypted(const caf::actor_system& sys) { return sys.has_openssl_manager(); }

template <class Handle>
caf::expected<Handle> remote_actor(caf::actor_system& sys, const std::string& host, uint16_t port) {
  if (sys.has_openssl_manager()) return caf::openssl::remote_actor<Handle>(sys, host, port);
  return sys.middleman().remote_actor<Handle>(host, port);
}

template <class Handle>
caf::expected<uint16_t> publish(caf::actor_system& sys, const Handle& whom, uint16_t port, const char* host,
                                bool reuse = true) {
  if (sys.has_openssl_manager()) return caf::openssl::publish(whom, port, host, reuse);
  return sys.middleman().publish(whom, port, host, reuse);
}

}  // namespace pstorage::transport
