// election_connector.hpp — the production peer_connector (election_api.hpp):
// how an MDS's election actor reaches the election actor of a peer MDS at
// ADDR:PORT, the peer's MDS<->MDS port (docs/ports.md), through CAF's
// middleman.
//
// Contract (peer_connector): every call is answered at least once with
// (peer_atom, id, handle) sent to the election actor: the handle on success,
// an invalid one when the peer cannot be reached now. The election
// actor is never blocked: the connect runs in a detached helper actor, and an
// invalid answer is also sent after `connect_timeout` in case the connect
// hangs (a late success still delivers its handle afterwards). Repeated calls
// for an unreachable peer are answered at once (invalid) while a connect to
// it is running or its last failure is younger than the backoff
// (peer_connect_gate), so a dead peer costs one connect per backoff period,
// not one per heartbeat.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>

#include "actors/election/election_api.hpp"

namespace pstorage {

struct peer_connector_options {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds min_backoff{200};   // after the first failure
  std::chrono::milliseconds max_backoff{2000};  // doubling up to this
};

// Pure: whether a connect to peer `id` starts now.
class peer_connect_gate {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit peer_connect_gate(peer_connector_options o = {}) : o_(o) {}

  // true: start a connect now (marks it running); false: answer "unreachable
  // now" at once (one is running, or the backoff after a failure runs).
  bool begin(uint32_t id, time_point now) {
    auto& p = peers_[id];
    if (p.running) return false;
    if (p.failures && now < p.retry_at) return false;
    p.running = true;
    return true;
  }
  // The connect started by begin() ended.
  void done(uint32_t id, bool ok, time_point now) {
    auto& p = peers_[id];
    p.running = false;
    if (ok) {
      p.failures = 0;
      return;
    }
    auto d = o_.min_backoff * (1u << std::min(p.failures, 8u));
    p.retry_at = now + std::min<std::chrono::milliseconds>(d, o_.max_backoff);
    ++p.failures;
  }

 private:
  struct peer {
    bool running = false;
    unsigned failures = 0;
    time_point retry_at{};
  };
  peer_connector_options o_;
  std::map<uint32_t, peer> peers_;
};

// The production connector; `sys` must outlive every election actor using it.
peer_connector make_remote_peer_connector(caf::actor_system& sys, peer_connector_options o = {});

}  // namespace pstorage
