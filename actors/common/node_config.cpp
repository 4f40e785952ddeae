#include "actors/common/node_config.hpp"

#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <stdexcept>

#include "protocol/caf_registration.hpp"

namespace pstorage {

node_config::node_config(mode m) {
  wire::register_types(*this);
  if (m == mode::network) {
    load<caf::io::middleman>();
    set("scheduler.policy", caf::atom("sharing"));
    set("logger.verbosity", caf::atom("quiet"));
  } else {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
  }
}

}  // namespace pstorage

// CAF 0.17's OpenSSL session (libcaf_openssl, session.cpp) never empties
// the thread's OpenSSL error queue before an SSL call, yet judges each call
// by SSL_get_error(), which reads that queue first. So an error left by one
// connection — OpenSSL 3's "unexpected EOF" whenever a peer closes without a
// TLS close_notify (every CLI command exiting, every TCP probe), or a peer's
// failed handshake — makes the next SSL_read that would merely block on ANY
// other connection of the multiplexer thread look like a failure, and CAF
// closes that connection. Measured here before this fix: every `pstorage
// stat` dropped the CSs' connections to the MDS within a second.
// OpenSSL's documented contract is to clear the queue before each call; these
// definitions in the executable interpose the library's (ELF symbol
// interposition: libcaf_openssl's calls resolve here first), clear the
// queue, and call OpenSSL's own function. Nothing else changes.
namespace {
template <class Fn>
Fn real_ssl(const char* name) {
  auto f = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  if (!f) std::abort();  // libssl is linked into every pstorage binary
  return f;
}
}  // namespace

extern "C" {
int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = real_ssl<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}
int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = real_ssl<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}
int SSL_connect(SSL* ssl) {
  static auto real = real_ssl<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}
int SSL_accept(SSL* ssl) {
  static auto real = real_ssl<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}
}

namespace pstorage {

void node_config::use_tls(const std::string& cert_file, const std::string& key_file, const std::string& ca_file) {
  if (cert_file.empty() || key_file.empty() || ca_file.empty())
    throw std::logic_error("use_tls needs a certificate, a key and a CA file (never anonymous TLS)");
  load<caf::openssl::manager>();
  openssl_certificate = cert_file;
  openssl_key = key_file;
  openssl_cafile = ca_file;
}

}  // namespace pstorage
