// handshake_limit.hpp — a per-source-address limit of failed TLS handshakes
// on this process's CAF ports (issue 14; docs/security.md "Failed handshakes
// from one address"). Pure: the caller passes the time. The TLS glue is
// actors/common/node_config.cpp (SSL_accept / SSL_read interposed): it asks
// `refuse` before any TLS work on an accepted connection and reports each
// failed server-side handshake with `failed`.
//
// Contract:
//   - `failures` failed handshakes from one address within `window` make the
//     address refused for `refuse_for` from the last of them: its new
//     connections are closed before OpenSSL reads a byte (no key exchange,
//     no signature). Connections already open are not touched.
//   - What counts as failed is the glue's call: a handshake that reached
//     OpenSSL's state machine and ended in an error (no or a foreign
//     certificate, garbage, a peer that closed after the ClientHello). A
//     peer that connects and closes before sending anything (the bounded
//     connect's TCP probe of every honest client) is no failure.
//   - `failed` returns the log line when a refusal starts (once per
//     refusal), `refuse` returns the line when the first connection of a
//     refusal period is refused; both name the cause.
//   - At most `max_addresses` addresses are tracked (a flood of sources
//     cannot grow it without bound): when full, entries with no recent
//     failure and no refusal go first, then the oldest that refuses nobody;
//     a refused address is dropped only when every entry is refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace pstorage::security {

struct handshake_limit_params {
  unsigned failures = 30;
  std::chrono::nanoseconds window = std::chrono::seconds(10);
  std::chrono::nanoseconds refuse_for = std::chrono::seconds(60);
  size_t max_addresses = 4096;
};

class handshake_limit {
 public:
  using ns = std::chrono::nanoseconds;
  explicit handshake_limit(handshake_limit_params p = {}) : p_(p) {}

  // Whether a new connection from `addr` is refused now. `log`: set to the
  // log line for the first refused connection of a refusal period.
  bool refuse(const std::string& addr, ns now, std::string* log = nullptr);
  // A failed server-side handshake from `addr` (`reason`: OpenSSL's error
  // text). Returns the log line when this failure starts a refusal.
  std::optional<std::string> failed(const std::string& addr, ns now, const std::string& reason);
  size_t tracked() const { return by_addr_.size(); }
  const handshake_limit_params& params() const { return p_; }

 private:
  struct entry {
    std::deque<ns> fails;  // within the window
    ns refused_until{0};
    bool told = false;     // the first refused connection of this period logged
    ns last{0};
  };
  void make_room(ns now);
  handshake_limit_params p_;
  std::map<std::string, entry> by_addr_;
};

}  // namespace pstorage::security
