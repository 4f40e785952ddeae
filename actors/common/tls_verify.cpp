// tls_verify.cpp — the revocation gate in the TLS handshake (issue 14;
// peer_revocation.hpp, docs/security.md "Revocation").
//
// CAF 0.17's OpenSSL session (libcaf_openssl, session.cpp) makes one SSL_CTX
// per connection and calls SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr) on it. This definition in the
// executable interposes OpenSSL's (ELF symbol interposition, as node_config.cpp
// does for SSL_read & co.) and passes OpenSSL's own function a verify
// callback: after OpenSSL's chain check succeeded, the peer's certificate
// (depth 0) is judged by tls_gate; a refused one fails the handshake with
// X509_V_ERR_CERT_REVOKED, so CAF closes the connection before any BASP
// frame, on whichever side (accepting or connecting) judged it. A held gate
// (a CS before its registration answer) refuses every accepted connection's
// peer (SSL_is_server) until its first list.
//
// Thread safety: the callback runs on CAF's multiplexer thread (accepted
// connections, reads) or the connecting thread. It reads only the
// certificate and the gate's immutable snapshot (tls_gate::judge), writes
// only the gate's refusal counts under its mutex, and touches no CAF object:
// nothing here closes a connection or calls into an actor.
//
// The libssl functions are looked up with dlsym: this file is in
// pstorage_logic, which does not link libssl; every process that links it in
// (install_tls_verify) has libssl loaded through libcaf_openssl.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <cstdlib>
#include <string>

#include "actors/common/peer_revocation.hpp"

namespace pstorage::security {

void install_tls_verify() {}  // linking this file in is the installation

// Here, not in peer_revocation.cpp: a process that installs a list links this
// file (the TLS glue) in; the gate alone does not.
std::optional<std::string> install_revocation_list(const std::set<std::string>& host_ids) {
  if (!tls_gate::set_revoked(host_ids) || host_ids.empty()) return std::nullopt;
  std::string list;
  for (auto& h : host_ids) list += (list.empty() ? "" : ", ") + h;
  return "revocation: TLS handshakes presenting a certificate of host " + list + " are refused";
}

namespace {

template <class Fn>
Fn ssl_fn(const char* name, void* where) {
  return reinterpret_cast<Fn>(dlsym(where, name));
}

std::string subject_entry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (!name) return {};
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  if (!data) return {};
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

SSL* ssl_of(X509_STORE_CTX* ctx) {
  static auto ex_idx = ssl_fn<int (*)()>("SSL_get_ex_data_X509_STORE_CTX_idx", RTLD_DEFAULT);
  if (!ex_idx) return nullptr;
  return static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, ex_idx()));
}

// Whether this process accepted the connection (it is the TLS server).
bool accepted(X509_STORE_CTX* ctx) {
  static auto is_server = ssl_fn<int (*)(const SSL*)>("SSL_is_server", RTLD_DEFAULT);
  auto* ssl = ssl_of(ctx);
  return ssl && is_server && is_server(ssl) == 1;
}

// "connection from ADDR:PORT" (we accepted) or "connection to ADDR:PORT".
std::string where_of(X509_STORE_CTX* ctx) {
  static auto get_fd = ssl_fn<int (*)(const SSL*)>("SSL_get_fd", RTLD_DEFAULT);
  auto* ssl = ssl_of(ctx);
  if (!ssl || !get_fd) return "TLS handshake";
  const bool server = accepted(ctx);
  std::string out = server ? "connection from " : "connection to ";
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  const int fd = get_fd(ssl);
  if (fd < 0 || getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return out + "?";
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (sa.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (sa.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  return out + host + ":" + std::to_string(port);
}

int verify_peer(int preverify_ok, X509_STORE_CTX* ctx) {
  if (preverify_ok != 1) return preverify_ok;               // OpenSSL's chain check failed: its verdict
  if (X509_STORE_CTX_get_error_depth(ctx) != 0) return 1;  // the CA: nothing to judge
  if (!tls_gate::active()) return 1;                       // no list set in this process yet, no hold
  X509* cert = X509_STORE_CTX_get_current_cert(ctx);
  if (!cert) return 1;
  peer_certificate peer{subject_entry(cert, NID_commonName), subject_entry(cert, NID_serialNumber)};
  auto why = tls_gate::judge(peer, accepted(ctx));
  if (!why) return 1;
  tls_gate::note_refusal(peer, *why, where_of(ctx));
  X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_REVOKED);
  return 0;
}

}  // namespace

std::optional<std::string> session_refusal(void* handle) {
  static auto get_peer = ssl_fn<X509* (*)(const SSL*)>("SSL_get1_peer_certificate", RTLD_DEFAULT);
  auto* ssl = static_cast<SSL*>(handle);
  if (!ssl || !get_peer) return std::nullopt;
  X509* cert = get_peer(ssl);
  if (!cert) return std::nullopt;  // none: a TLS session of this cluster always has one (verified)
  peer_certificate peer{subject_entry(cert, NID_commonName), subject_entry(cert, NID_serialNumber)};
  X509_free(cert);
  return tls_gate::judge(peer);
}

}  // namespace pstorage::security

extern "C" void SSL_CTX_set_verify(SSL_CTX* ctx, int mode, SSL_verify_cb cb) {
  static auto real = pstorage::security::ssl_fn<void (*)(SSL_CTX*, int, SSL_verify_cb)>("SSL_CTX_set_verify", RTLD_NEXT);
  if (!real) std::abort();  // libssl is loaded in every process that links this file
  // CAF passes no callback; a caller's own callback is left alone.
  if ((mode & SSL_VERIFY_PEER) && cb == nullptr) cb = pstorage::security::verify_peer;
  real(ctx, mode, cb);
}
