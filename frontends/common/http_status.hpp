// http_status.hpp — the small HTTP endpoint every daemon serves:
// GET /status returns JSON (see docs/ports.md), GET /metrics the Prometheus
// text format (docs/monitoring.md) when a metrics handler is given. Runs on
// its own thread; the handlers are called on that thread and must be
// thread-safe. A handler that throws answers 503 with the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace pstorage::frontend {

class http_status_server {
 public:
  using handler = std::function<std::string()>;  // returns the body
  // POST PATH: (request body, the peer's address) -> (HTTP status, JSON
  // body). Bodies above 64 KiB are refused. Used by pstorage-mdsd for
  // auth-node (auth_wire.hpp).
  using post_handler = std::function<std::pair<int, std::string>(const std::string& body, const std::string& peer)>;
  // port 0 picks a free port. Throws std::runtime_error if it cannot bind.
  // `metrics` (optional) returns the /metrics body (metrics_text.hpp).
  http_status_server(const std::string& host, uint16_t port, handler status, handler metrics = {},
                     std::map<std::string, post_handler> posts = {});
  ~http_status_server();
  uint16_t port() const { return port_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace pstorage::frontend
