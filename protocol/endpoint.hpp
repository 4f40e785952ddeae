// endpoint.hpp — "ADDR[:PORT]" as written on command lines and in bs.list
// (guide: "Configuring Cluster Discovery"). IPv6 literals use brackets:
// "[::1]:2510". Pure parsing, no I/O.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace pstorage {

struct endpoint {
  std::string host;
  uint16_t port = 0;  // 0: not given (caller applies its default)

  std::string to_string() const {
    bool v6 = host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + host + "]" : host;
    return port ? h + ":" + std::to_string(port) : h;
  }
  bool operator==(const endpoint&) const = default;
};

// Parses "host", "host:port", "[v6]", "[v6]:port", "v6" (bare IPv6 without
// port). Returns nullopt and sets *error on bad input.
inline std::optional<endpoint> parse_endpoint(const std::string& s, std::string* error = nullptr) {
  auto bad = [&](const std::string& why) -> std::optional<endpoint> {
    if (error) *error = "invalid address '" + s + "': " + why + " (expected ADDR[:PORT], IPv6 as [ADDR]:PORT)";
    return std::nullopt;
  };
  if (s.empty()) return bad("empty");
  endpoint e;
  std::string port;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return bad("missing ']'");
    e.host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return bad("junk after ']'");
      port = s.substr(close + 2);
      if (port.empty()) return bad("empty port");
    }
  } else if (std::count(s.begin(), s.end(), ':') > 1) {
    e.host = s;  // bare IPv6
  } else if (auto c = s.find(':'); c != std::string::npos) {
    e.host = s.substr(0, c);
    port = s.substr(c + 1);
    if (port.empty()) return bad("empty port");
  } else {
    e.host = s;
  }
  if (e.host.empty()) return bad("empty host");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return bad("port '" + port + "' is not a number");
    unsigned long p = std::stoul(port);
    if (p == 0 || p > 65535) return bad("port " + port + " out of range 1..65535");
    e.port = static_cast<uint16_t>(p);
  }
  return e;
}

}  // namespace pstorage
