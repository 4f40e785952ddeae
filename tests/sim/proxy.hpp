// proxy.hpp — a link of the simulated network: a dynamically typed actor
// standing between two nodes (callers cast it to the peer's typed handle,
// e.g. caf::actor_cast<mds_api>(proxy)). It forwards each request AS A
// REQUEST and relays the answer, so the network judges requests and answers
// separately (network.hpp): delay, drop, duplicate, reorder, partition, and
// "the answer was lost". One proxy carries one direction of conversation:
// from the node that asks (`from`) to the node that answers (`to`), for one
// incarnation of each; the harness kills it when either process dies, so the
// callee's monitor sees the connection close (as a TCP reset would show).
#pragma once

#include <caf/actor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "actors/common/atoms.hpp"
#include "tests/sim/network.hpp"
#include "tests/sim/trace.hpp"

namespace pstorage::sim {

using forward_atom = caf::atom_constant<caf::atom("simfwd")>;
using zombie_atom = caf::atom_constant<caf::atom("simzomb")>;
using replay_atom = caf::atom_constant<caf::atom("simreplay")>;

// What the proxies share with the harness (single-threaded: every actor of
// a simulation runs on the test coordinator's thread).
struct link_context {
  network* net = nullptr;
  trace* tr = nullptr;
  std::map<std::string, uint64_t>* coverage = nullptr;
  std::function<int64_t()> now_ms;
  std::function<uint64_t()> step;
  int64_t replay_interval_ms = 1000;  // zombie links (bug net_replay_after_close)
};

// `on_answer` sees every answer the callee produced (before the network
// judges it), with the name of its message type. `back` (optional): the
// caller's actor; a request the CALLEE sends to the link (the MDS asking a CS
// through the handle it got at registration) goes to `back`, judged on the
// way callee -> caller, and its answer is relayed back the same way.
caf::actor spawn_link(caf::actor_system& sys, link_context* ctx, std::string from, std::string to, caf::actor target,
                      std::function<void(const std::string& type, const caf::message&)> on_answer,
                      caf::actor back = {});

// "cs_to_mds_heartbeat", "error", ...: the wire message a CAF message carries.
std::string message_name(const caf::message& m);

}  // namespace pstorage::sim
