// tcp_probe.hpp — can a TCP connection to HOST:PORT be opened within a
// deadline? CAF 0.17's remote_actor connects with a blocking connect() of no
// timeout of its own and then waits for the peer's handshake without one, so
// a dead or unreachable MDS address could stall a CLI command or a mount's
// request for the kernel's connect timeout (minutes). Callers probe first
// (this), then connect through the middleman with a bounded request
// (bounded_connect.hpp). No CAF here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pstorage::client {

// Per-address connect bound of the CLI and the mount.
inline constexpr auto connect_timeout = std::chrono::seconds(3);

// True when a TCP connection to host:port was established (and closed again)
// within `timeout`; otherwise false and `why` is an operator-ready cause:
// "connection refused", "no answer within 3 s", "cannot resolve HOST", ...
bool tcp_reachable(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, std::string& why);

}  // namespace pstorage::client
