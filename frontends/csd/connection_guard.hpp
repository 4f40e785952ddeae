// connection_guard.hpp — a thread of pstorage-csd that closes connections
// to the CS's port which never start speaking (connection_rules.hpp), with a
// logged reason. Linux only: it looks at this process's own sockets
// (/proc/self/fd), asks the kernel how many bytes each received (TCP_INFO
// tcpi_bytes_received) and, for a connection to close, shuts it down
// (shutdown(2)); CAF then sees the end of the stream and closes its side.
// The socket's inode is checked again right before the shutdown, so a
// descriptor number CAF reused meanwhile is left alone.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/cs/refusal_log.hpp"
#include "frontends/csd/connection_rules.hpp"

namespace pstorage::csd {

class connection_guard {
 public:
  // Watches connections accepted on local `port`, every `period`.
  explicit connection_guard(uint16_t port, std::chrono::milliseconds period = std::chrono::milliseconds(1000))
      : port_(port), period_(period), thread_([this] { run(); }) {}
  ~connection_guard() {
    {
      std::lock_guard<std::mutex> l(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  connection_guard(const connection_guard&) = delete;
  connection_guard& operator=(const connection_guard&) = delete;

 private:
  struct socket_fd {
    int fd;
    open_connection conn;
  };

  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  static uint64_t inode_of(int fd) {
    struct stat s {};
    if (fstat(fd, &s) != 0 || !S_ISSOCK(s.st_mode)) return 0;
    return static_cast<uint64_t>(s.st_ino);
  }

  static std::string text_of(const sockaddr_storage& a) {
    char host[INET6_ADDRSTRLEN] = "?";
    uint16_t port = 0;
    if (a.ss_family == AF_INET) {
      auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
      inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
      port = ntohs(v4->sin_port);
    } else if (a.ss_family == AF_INET6) {
      auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
      inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
      port = ntohs(v6->sin6_port);
    }
    return std::string(host) + ":" + std::to_string(port);
  }

  static uint16_t port_of(const sockaddr_storage& a) {
    if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
    if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
    return 0;
  }

  // The TCP connections accepted on port_ (local port = port_, a peer).
  std::vector<socket_fd> accepted() const {
    std::vector<socket_fd> out;
    DIR* d = opendir("/proc/self/fd");
    if (!d) return out;
    while (auto* e = readdir(d)) {
      char* end = nullptr;
      long fd = std::strtol(e->d_name, &end, 10);
      if (!end || *end || fd < 0 || fd == dirfd(d)) continue;
      const int f = static_cast<int>(fd);
      const uint64_t ino = inode_of(f);
      if (!ino) continue;
      sockaddr_storage local{}, peer{};
      socklen_t ll = sizeof local, pl = sizeof peer;
      if (getsockname(f, reinterpret_cast<sockaddr*>(&local), &ll) != 0 || port_of(local) != port_) continue;
      if (getpeername(f, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;  // the listening socket
      tcp_info ti{};
      socklen_t tl = sizeof ti;
      if (getsockopt(f, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0) continue;
      out.push_back({f, {ino, text_of(peer), ti.tcpi_bytes_received}});
    }
    closedir(d);
    return out;
  }

  void run() {
    std::unique_lock<std::mutex> l(m_);
    while (!cv_.wait_for(l, period_, [this] { return stop_; })) {
      auto socks = accepted();
      std::vector<open_connection> open;
      open.reserve(socks.size());
      for (auto& s : socks) open.push_back(s.conn);
      for (auto& order : rules_.scan(open, now_ns())) {
        for (auto& s : socks) {
          if (s.conn.id != order.id || inode_of(s.fd) != order.id) continue;
          ::shutdown(s.fd, SHUT_RDWR);
          auto v = log_.note(now_ns());
          if (v.write && v.left_out)
            spdlog::warn("{} ({} more connections closed, not logged)", order.reason, v.left_out);
          else if (v.write)
            spdlog::warn("{}", order.reason);
        }
      }
    }
  }

  uint16_t port_;
  std::chrono::milliseconds period_;
  connection_rules rules_;
  cs::refusal_log log_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace pstorage::csd
