#include "actors/common/node_config.hpp"

#include <caf/atom.hpp>
#include <caf/timestamp.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <stdexcept>

#include "actors/common/handshake_limit.hpp"
#include "actors/common/peer_revocation.hpp"
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

// Failed handshakes from one address (docs/security.md "Failed handshakes
// from one address"; the rule is actors/common/handshake_limit.hpp). CAF 0.17
// calls SSL_accept once per accepted connection (session::try_accept) and
// drives the rest of the server's handshake through SSL_read. SSL_accept of
// a refused address does no TLS work: it returns -1 with an error queued, so
// CAF's handle_ssl_result gives up and closes the socket. A server-side
// handshake step that fails is counted against the peer's address, except a
// peer that closed before sending a byte (an honest client's TCP probe).
// Runs on CAF's multiplexer thread; the limiter is under a mutex and the
// functions touch no CAF object.
namespace {
template <class Fn>
Fn ssl_fn(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

struct limit_state {
  std::mutex mu;
  pstorage::security::handshake_limit limit;
};
limit_state& limits() {
  static limit_state s;
  return s;
}
std::chrono::nanoseconds steady_now() { return std::chrono::steady_clock::now().time_since_epoch(); }

// The peer's address (no port): "" when it cannot be told.
std::string peer_address(SSL* ssl) {
  static auto get_fd = ssl_fn<int (*)(const SSL*)>("SSL_get_fd");
  const int fd = get_fd ? get_fd(ssl) : -1;
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (fd < 0 || getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return {};
  char host[INET6_ADDRSTRLEN] = "";
  if (sa.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&sa)->sin_addr, host, sizeof host);
  else if (sa.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&sa)->sin6_addr, host, sizeof host);
  return host;
}

// What this file keeps with each SSL object (ex_data, freed with it): the
// peer's address, read when the connection is accepted (a peer that resets
// the connection leaves a socket getpeername() no longer answers for) or at
// the first read or write of one we opened; and the revocation list
// generation its peer certificate was last judged at.
struct session_note {
  std::string addr;
  uint64_t judged = 0;
  bool refused = false;
};
void free_note(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<session_note*>(ptr); }
int note_index() {
  static const int idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, 0, nullptr, nullptr, nullptr, free_note);
  return idx;
}
session_note* note_of(SSL* ssl) {
  static auto set = ssl_fn<int (*)(SSL*, int, void*)>("SSL_set_ex_data");
  static auto get = ssl_fn<void* (*)(const SSL*, int)>("SSL_get_ex_data");
  if (!set || !get || note_index() < 0) return nullptr;
  if (auto* n = static_cast<session_note*>(get(ssl, note_index()))) return n;
  auto* n = new session_note{peer_address(ssl)};
  if (set(ssl, note_index(), n) != 1) {
    delete n;
    return nullptr;
  }
  return n;
}
std::string remembered_address(SSL* ssl) {
  if (auto* n = note_of(ssl); n && !n->addr.empty()) return n->addr;
  return peer_address(ssl);
}

bool server_in_handshake(SSL* ssl) {
  static auto is_server = ssl_fn<int (*)(const SSL*)>("SSL_is_server");
  static auto finished = ssl_fn<int (*)(const SSL*)>("SSL_is_init_finished");
  return is_server && finished && is_server(ssl) == 1 && finished(ssl) != 1;
}

int handshake_state(SSL* ssl) {
  static auto get_state = ssl_fn<OSSL_HANDSHAKE_STATE (*)(const SSL*)>("SSL_get_state");
  return get_state ? static_cast<int>(get_state(ssl)) : -1;
}

// After a server-side handshake step: count a failure against the address.
int judge_step(SSL* ssl, int state_before, int ret) {
  if (ret > 0) return ret;
  static auto get_error = ssl_fn<int (*)(const SSL*, int)>("SSL_get_error");
  if (!get_error) return ret;
  const int err = get_error(ssl, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return ret;
  const unsigned long e = ERR_peek_error();
  const bool closed = err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN ||
                      (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
  if (closed && state_before == TLS_ST_BEFORE) return ret;  // closed before sending a byte: a TCP probe
  std::string reason = "the peer closed the connection during the handshake";
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    reason = buf;
  }
  const auto addr = remembered_address(ssl);
  if (addr.empty()) return ret;
  std::optional<std::string> line;
  {
    auto& l = limits();
    std::lock_guard<std::mutex> lock(l.mu);
    line = l.limit.failed(addr, steady_now(), reason);
  }
  if (line) spdlog::warn("{}", *line);
  return ret;
}
// An open session whose peer's host was revoked since it was last judged
// (docs/security.md "Revocation"): the call fails with an error queued, so
// CAF's handle_ssl_result gives up and its broker closes the connection.
// Judged again only when the list's generation moved (an atomic load per
// call otherwise); handshakes in progress are the verify callback's.
bool session_revoked(SSL* ssl) {
  const uint64_t gen = pstorage::security::tls_gate::generation();
  if (gen == 0) return false;
  auto* note = note_of(ssl);
  if (!note) return false;
  if (!note->refused) {
    if (note->judged == gen) return false;
    static auto finished = ssl_fn<int (*)(const SSL*)>("SSL_is_init_finished");
    if (!finished || finished(ssl) != 1) return false;
    note->judged = gen;
    auto why = pstorage::security::session_refusal(ssl);
    if (!why) return false;
    note->refused = true;
    static auto is_server = ssl_fn<int (*)(const SSL*)>("SSL_is_server");
    const bool accepted = is_server && is_server(ssl) == 1;
    spdlog::warn("revocation: closing the open TLS connection {} {}: {}", accepted ? "from" : "to",
                 note->addr.empty() ? std::string("?") : note->addr, *why);
  }
  ERR_raise(ERR_LIB_SSL, ERR_R_OPERATION_FAIL);
  return true;
}
// A handshake this process began, ended by the peer's alert
// certificate_revoked: our own host is revoked (peer_revocation.hpp).
int note_alert(SSL* ssl, int ret) {
  if (ret > 0) return ret;
  const unsigned long e = ERR_peek_error();
  if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED) {
    static auto is_server = ssl_fn<int (*)(const SSL*)>("SSL_is_server");
    if (is_server && is_server(ssl) != 1) pstorage::security::tls_gate::note_revoked_by_peer(remembered_address(ssl));
  }
  return ret;
}
}  // namespace

extern "C" {
int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = real_ssl<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  if (!server_in_handshake(ssl)) return session_revoked(ssl) ? -1 : note_alert(ssl, real(ssl, buf, num));
  const int before = handshake_state(ssl);
  return judge_step(ssl, before, real(ssl, buf, num));
}
int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = real_ssl<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  if (session_revoked(ssl)) return -1;
  return real(ssl, buf, num);
}
int SSL_connect(SSL* ssl) {
  static auto real = real_ssl<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return note_alert(ssl, real(ssl));
}
int SSL_accept(SSL* ssl) {
  static auto real = real_ssl<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  if (auto addr = remembered_address(ssl); !addr.empty()) {
    std::string line;
    bool refused;
    {
      auto& l = limits();
      std::lock_guard<std::mutex> lock(l.mu);
      refused = l.limit.refuse(addr, steady_now(), &line);
    }
    if (!line.empty()) spdlog::warn("{}", line);
    if (refused) {
      ERR_raise(ERR_LIB_SSL, ERR_R_OPERATION_FAIL);  // SSL_get_error: SSL_ERROR_SSL, CAF closes the socket
      return -1;
    }
  }
  const int before = handshake_state(ssl);
  return judge_step(ssl, before, real(ssl));
}
}

namespace pstorage {

void node_config::use_tls(const std::string& cert_file, const std::string& key_file, const std::string& ca_file) {
  if (cert_file.empty() || key_file.empty() || ca_file.empty())
    throw std::logic_error("use_tls needs a certificate, a key and a CA file (never anonymous TLS)");
  load<caf::openssl::manager>();
  // BASP heartbeats every second on every connection: each open session
  // reads and writes at least that often, so one of a host revoked since is
  // judged and closed within about a second even when idle (session_revoked
  // above; docs/security.md "Revocation"). No connection timeout comes with it.
  set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  openssl_certificate = cert_file;
  openssl_key = key_file;
  openssl_cafile = ca_file;
}

}  // namespace pstorage
