// cs_actor.hpp — the chunk-server actor. Its seams (DESIGN.md principle 3):
// the repository store (CS id persisted there), a space probe standing for
// the disk, the MDS locator standing for the network, and CAF's clock.
//
// Life cycle (behaviours switched as the MDS connection comes and goes):
//   connecting --registered--> running --MDS down / unknown id--> connecting
//   any --auth refused / id stolen--> stopped (on_fatal called)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/common/mds_locator.hpp"
#include "actors/cs/cs_api.hpp"
#include "persistence/cs_repo.hpp"

namespace pstorage {

struct space_info {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
};

struct cs_deps {
  std::shared_ptr<persistence::cs_repo> repo;
  std::function<space_info()> space;          // disk seam
  mds_locator_api locator;                    // network seam
  std::string digest;                         // from auth_digest.key (raw bytes)
  std::string host, host_id, location;        // identity reported to the MDS
  std::string address;                        // set by start_atom: ADDR:PORT clients reach it at
  uint16_t http_port = 0;
  std::chrono::milliseconds retry_interval{1000};
  std::function<void(uint32_t cs_id)> on_registered;   // optional
  std::function<void(const std::string&)> on_fatal;    // optional
};

// Spawns the actor idle; it registers after receiving (start_atom, ADDR:PORT)
// (the daemon first publishes it to learn its port).
cs_api spawn_cs(caf::actor_system& sys, cs_deps deps);

}  // namespace pstorage
