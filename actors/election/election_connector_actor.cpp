// election_connector_actor.cpp — make_remote_peer_connector: blocking
// middleman connects in detached helper actors (election_connector.hpp).
#include "actors/common/transport.hpp"
#include "actors/election/election_connector.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

#include "actors/common/mds_locator_policy.hpp"

namespace pstorage {

namespace {
struct shared_gate {
  std::mutex m;
  peer_connect_gate gate;
};
}  // namespace

peer_connector make_remote_peer_connector(caf::actor_system& sys, peer_connector_options o) {
  auto g = std::make_shared<shared_gate>();
  g->gate = peer_connect_gate(o);
  caf::actor_system* sp = &sys;
  return [sp, g, o](election_api self, uint32_t id, const std::string& address) {
    using clock = std::chrono::steady_clock;
    auto ep = parse_endpoint(address);
    bool go = false;
    if (ep) {
      std::lock_guard<std::mutex> l(g->m);
      go = g->gate.begin(id, clock::now());
    }
    if (!go) {
      if (!ep) spdlog::warn("MDS#{} has a bad address '{}'", id, address);
      caf::anon_send(self, peer_atom::value, id, caf::actor{});
      return;
    }
    // Bounded even if the connect hangs (the election actor asks again).
    caf::delayed_anon_send(self, o.connect_timeout, peer_atom::value, id, caf::actor{});
    auto target = mds_locate::mds_address(*ep);
    sp->spawn<caf::detached>([self, id, target, g](caf::blocking_actor* helper) {
      auto h = transport::remote_actor<election_api>(helper->system(), target.host, target.port);
      {
        std::lock_guard<std::mutex> l(g->m);
        g->gate.done(id, static_cast<bool>(h), std::chrono::steady_clock::now());
      }
      if (h) {
        spdlog::info("connected to the election actor of MDS#{} at {}", id, target.to_string());
        caf::anon_send(self, peer_atom::value, id, caf::actor_cast<caf::actor>(*h));
      } else {
        spdlog::debug("cannot reach MDS#{} at {}: {}", id, target.to_string(), helper->system().render(h.error()));
        caf::anon_send(self, peer_atom::value, id, caf::actor{});
      }
    });
  };
}

}  // namespace pstorage
