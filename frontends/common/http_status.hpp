// http_status.hpp — the small HTTP endpoint every daemon serves:
// GET /status returns JSON (see docs/ports.md), GET /metrics the Prometheus
// text format (docs/monitoring.md) when a metrics handler is given. Runs on
// its own thread; the handlers are called on that thread and must be
// thread-safe. A handler that throws answers 503 with the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pstorage::frontend {

class http_status_server {
 public:
  using handler = std::function<std::string()>;  // returns the body
  // port 0 picks a free port. Throws std::runtime_error if it cannot bind.
  // `metrics` (optional) returns the /metrics body (metrics_text.hpp).
  http_status_server(const std::string& host, uint16_t port, handler status, handler metrics = {});
  ~http_status_server();
  uint16_t port() const { return port_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace pstorage::frontend
