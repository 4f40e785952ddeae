// mds_actor.hpp — the metadata server actor. Everything it needs from the
// outside world comes through mds_deps (DESIGN.md principle 3): the stores
// (real SQLite files, or ":memory:" in the simulator), the liveness timeouts,
// the seed of its random source and a wall clock for file times. Lease and
// liveness time is CAF's actor clock, which is virtual under the test
// coordinator.
//
// Data path (issue 3, guide "Configuring Replication Parameters", "Configuring
// Failure Domains", "Using Storage Tiers", "Cluster Parameters Overview"):
// ClientToMdsFileOp, ChunkMap, ReplicaFailed, RenewLease and CsToMdsBadReplica
// are served by actors/mds/mds_files_actor.cpp. Every namespace / chunk-map
// change goes validate (md_validate.hpp) -> command -> md_store::commit_local
// -> reply; requests to CSs (create chunk, set version, delete) use response
// promises and never block the actor.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/election/election_api.hpp"
#include "actors/mds/cs_registry.hpp"
#include "actors/mds/mds_api.hpp"
#include "actors/mds/placement.hpp"

namespace caf { class actor_system; }
#include "persistence/mds_store.hpp"

namespace pstorage::persistence { class md_store; class journal_store; }

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

  // ---- data path (issue 3) ----------------------------------------------------
  // Namespace + chunk map. Null: an in-memory store with the default chunk
  // size is created (tests that only exercise registration).
  std::shared_ptr<persistence::md_store> md;
  // Nanoseconds since the Unix epoch, for file times. Null: system_clock.
  std::function<int64_t()> wall_clock_ns;
  // mds.alloc.fill_margin / free_space_margin / strict_failure_domain.
  mds::placement_tunables placement;
  // Write lease lifetime; clients renew every lease_duration/3.
  std::chrono::milliseconds lease_duration{10000};
  // How long the MDS waits for a CS to answer create / set-version / delete.
  std::chrono::milliseconds cs_request_timeout{5000};
  // Placement attempts for one chunk when chosen CSs fail to create it.
  unsigned alloc_attempts = 3;
  // Most chunks one ClientToMdsChunkMap may cover.
  uint32_t max_chunks_per_map = 1024;
  // How long a client may read with a chunk location (map_leases.hpp); the
  // MDS keeps each hand-out on record twice as long.
  std::chrono::milliseconds map_validity{3000};
  // A client not heard from this long loses its open handles and leases;
  // orphans nobody has open are purged (client_sessions.hpp).
  std::chrono::milliseconds session_timeout{60000};

  // ---- the replicated journal (docs/election.md) -------------------------------
  // DIR/journal.db. Null: an in-memory journal (tests that restart nothing).
  std::shared_ptr<persistence::journal_store> journal;
  // The election actor's tick and its timeouts in ticks (election timeout
  // randomised in [election_ticks, 2*election_ticks) ticks).
  std::chrono::milliseconds election_tick{100};
  uint32_t election_ticks = 10;
  uint32_t heartbeat_ticks = 1;
  // Reaches peer MDSs' election actors (network seam); empty: one MDS.
  peer_connector connect_peer;
  // Journal compaction (election_deps compact_keep / compact_every): keep
  // this many newest applied entries, compact once this many more are applied.
  uint64_t journal_keep = 20000;
  uint64_t journal_compact_every = 20000;
  // ---- licensing (docs/licensing.md) -------------------------------------------
  // The Ed25519 public key (hex) licenses are verified with. Unset:
  // license::configured_vendor_key() (environment, host setting, build setting).
  std::optional<std::string> license_vendor_key;

  // Called once with the election actor spawn_mds starts (pstorage-mdsd
  // publishes it on the MDS<->MDS port); may be empty.
  std::function<void(const election_api&)> election_spawned;
};

// Spawns an MDS actor in `sys` (real or test-coordinated).
mds_api spawn_mds(caf::actor_system& sys, mds_deps deps);

}  // namespace pstorage
