// mds_actor.hpp — the metadata server actor. Everything it needs from the
// outside world comes through mds_deps (DESIGN.md principle 3): the store
// (real SQLite file, or ":memory:" in the simulator), the liveness timeouts
// and the seed of its random source. Time is CAF's actor clock, which is
// virtual under the test coordinator.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/mds/cs_registry.hpp"
#include "actors/mds/mds_api.hpp"

namespace caf { class actor_system; }
#include "persistence/mds_store.hpp"

namespace pstorage {

struct mds_deps {
  std::shared_ptr<persistence::mds_store> store;
  mds::cs_liveness_config liveness;
  std::chrono::milliseconds heartbeat_interval{1000};  // asked of every CS
  std::chrono::milliseconds tick_interval{500};        // liveness check period
  uint64_t seed = 0;                                   // random source
  uint16_t http_port = 0;                              // reported in stat
  // Receives every cluster event (guide's event texts); may be empty.
  std::function<void(const std::string&)> on_event;
};

// Spawns an MDS actor in `sys` (real or test-coordinated).
mds_api spawn_mds(caf::actor_system& sys, mds_deps deps);

}  // namespace pstorage
