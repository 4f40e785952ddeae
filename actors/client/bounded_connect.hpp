// bounded_connect.hpp — remote_actor with a deadline. CAF 0.17's
// middleman().remote_actor() has no timeout: a blocking connect() to an
// address nobody answers, or a peer that accepts TCP but never completes the
// handshake (a stopped or hung process), stalls the caller for minutes. Here
// the TCP connection is probed first within `timeout` (tcp_probe.hpp), then
// the middleman is asked to connect with a request bounded by what is left
// of it. On failure `why` holds an operator-ready cause ("connection
// refused", "no answer within 3 s", ...). Used by the CLI (mds_client) and
// the mount (session) for every MDS and CS connection.
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "actors/common/transport.hpp"
#include "actors/client/tcp_probe.hpp"

namespace pstorage::client {

template <class Handle>
std::optional<Handle> connect_within(caf::actor_system& sys, const std::string& host, uint16_t port,
                                     std::chrono::milliseconds timeout, std::string& why) {
  const auto start = std::chrono::steady_clock::now();
  if (!tcp_reachable(host, port, timeout, why)) return std::nullopt;
  auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (left < std::chrono::milliseconds(500)) left = std::chrono::milliseconds(500);
  caf::scoped_actor self{sys};
  std::optional<Handle> out;
  self->request(transport::connector(sys), left, caf::connect_atom::value, host, port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>& ifs) {
            if (!ptr) {
              why = "no pstorage service published there";
            } else if (!sys.assignable(ifs, sys.message_types<Handle>())) {
              why = "a different pstorage service answers there (wrong port?)";
            } else {
              out = caf::actor_cast<Handle>(std::move(ptr));
            }
          },
          [&](caf::error& e) {
            why = e == caf::sec::request_timeout
                      ? "connected, but no pstorage handshake within " +
                            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                            " s (a stopped or hung process?)"
                      : sys.render(e);
          });
  return out;
}

}  // namespace pstorage::client
