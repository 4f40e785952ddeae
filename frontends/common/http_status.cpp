#include "frontends/common/http_status.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <stdexcept>
#include <thread>

namespace pstorage::frontend {

struct http_status_server::impl {
  httplib::Server server;
  std::thread thread;
};

http_status_server::http_status_server(const std::string& host, uint16_t port, handler status, handler metrics,
                                       std::map<std::string, post_handler> posts)
    : impl_(std::make_unique<impl>()) {
  impl_->server.set_payload_max_length(64 * 1024);
  // SO_REUSEADDR, not cpp-httplib's default SO_REUSEPORT: with REUSEPORT a
  // second process could listen on the same port and share its connections,
  // and the connections it accepted leave TIME_WAIT sockets without
  // SO_REUSEADDR that refuse, for 60 s, the bind check `make-mds` does
  // before an MDS joins (mds_commands.cpp try_bind: "port ... is in use").
  impl_->server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  for (auto& [path, fn] : posts)
    impl_->server.Post(path, [fn](const httplib::Request& req, httplib::Response& res) {
      try {
        auto [code, body] = fn(req.body, req.remote_addr);
        res.status = code;
        res.set_content(body, "application/json");
      } catch (const std::exception& e) {
        res.status = 503;
        res.set_content(std::string("{\"error\":\"") + e.what() + "\"}", "application/json");
      }
    });
  impl_->server.Get("/status", [status](const httplib::Request&, httplib::Response& res) {
    try {
      res.set_content(status(), "application/json");
    } catch (const std::exception& e) {
      res.status = 503;
      res.set_content(std::string("{\"error\":\"") + e.what() + "\"}", "application/json");
    }
  });
  if (metrics)
    impl_->server.Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
      try {
        res.set_content(metrics(), "text/plain; version=0.0.4; charset=utf-8");  // metrics_content_type
      } catch (const std::exception& e) {
        res.status = 503;
        res.set_content(std::string("metrics unavailable: ") + e.what() + "\n", "text/plain; charset=utf-8");
      }
    });
  int bound = port ? (impl_->server.bind_to_port(host, port) ? port : -1) : impl_->server.bind_to_any_port(host);
  if (bound <= 0)
    throw std::runtime_error("cannot bind the HTTP status port " + host + ":" + std::to_string(port) +
                             " (in use? pick another with -a ADDR:PORT)");
  port_ = static_cast<uint16_t>(bound);
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

http_status_server::~http_status_server() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace pstorage::frontend
