// tcp_probe.cpp — see tcp_probe.hpp.
#include "actors/client/tcp_probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pstorage::client {

namespace {
std::string seconds_text(std::chrono::milliseconds t) {
  auto ms = t.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string cause(int err) {
  switch (err) {
    case ECONNREFUSED: return "connection refused";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
    default: return std::strerror(err);
  }
}
}  // namespace

bool tcp_reachable(const std::string& host, uint16_t port, std::chrono::milliseconds timeout, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0 || !res) {
    why = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = false;
  for (auto* ai = res; ai && !ok; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = cause(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc == 0) {
      ok = true;
    } else if (errno != EINPROGRESS) {
      why = cause(errno);
    } else {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLOUT, 0};
      int n = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (n == 0) {
        why = "no answer within " + seconds_text(timeout);
      } else if (n < 0) {
        why = cause(errno);
      } else {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) ok = true;
        else why = cause(err);
      }
    }
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return ok;
}

}  // namespace pstorage::client
