// cs_actor.hpp — the chunk-server actor. Its seams (DESIGN.md principle 3):
// the repository store (CS id persisted there), the chunk storage standing
// for the disk (disk_chunk_storage in the daemon, memory_chunk_storage in
// tests), the MDS locator and the CS directory standing for the network, and
// CAF's clock.
//
// Data path (guide: "Setting Up Chunk Servers", "Disabling Checksumming";
// /tmp/datapath.md contract, protocol/client_cs.capnp, mds_cs.capnp):
// - ClientToCsWrite: version check + local write (+ sync when asked; with
//   `extents`, each range in order, refused whole when they do not add up to
//   the payload), then
//   forward to chain[0] with chain[1..] through the directory (5 s timeout per
//   step) and answer only after the downstream answer. The actor never blocks:
//   it keeps a response promise. failedCsId = the first CS that failed: this
//   CS, chain[0] when the downstream request errors or times out, else the
//   downstream's own failedCsId. Stale versions give statusStale.
// - ClientToCsRead: exactly `length` bytes as payload (holes are zeros).
//   A checksum mismatch answers statusChecksum, sets flag "h" (until restart)
//   and sends CsToMdsBadReplica{checksum=true} to the MDS.
// - ClientToCsSync: version check, local sync, then the chain, like a write.
// - MdsToCsCreateChunk: idempotent (same version already there = ok).
// - MdsToCsSetVersion: oldVersion -> newVersion (already at newVersion = ok);
//   with truncate the bytes past truncateTo are zeroed and synced first.
// - MdsToCsDeleteChunk: idempotent (missing = ok).
// - MdsToCsReplicate: copies the chunk from the source CS with ClientToCsRead
//   in 1 MiB pieces into a local replica held at version 0 (never a real
//   version) until complete, then syncs and moves it to the asked version.
//   The copy stops at the storage's chunk size, or earlier when the source
//   refuses a range as beyond its chunk size; all-zero pieces stay holes.
// Authorisation (docs/security.md): every handler first asks
// cs::authorize (actors/cs/peer_authority.hpp) whether the sender may make
// the request: the MdsToCs* orders only from the node of the master this CS
// registered with and at an epoch not below the highest seen, the CS's own
// timers only from its own process, start once. A refusal answers
// statusAuthFailed / statusStale with the reason, logged at most 10 lines
// per 10 s.
// Flags reported to the MDS: "C" (checksums on) or "D", then "H" after an I/O
// error and "h" after a checksum mismatch (guide: "Failed Chunk Servers").
// Also "R" when the repository's chunk storage was missing or unreadable at
// start (cs_deps::repository_missing; the CS then runs without storage and
// answers statusUnavailable), and "T" after a storage call took longer than
// cs_deps::io_timeout (every storage call is timed on CAF's clock through
// cs::timed_storage). All flags stay until restart.
//
// Scrubbing (guide: "Configuring Data Scrubbing"; actors/cs/scrub_schedule.hpp):
// from start_atom on, every 60 s / verify_chunks one replica is verified
// with chunk_storage::verify(), round-robin by chunk id. The rate starts at 2
// per minute and follows MdsToCsHeartbeat.verifyChunksPerMinute once a
// heartbeat is answered with status OK (0 = off). Bad pages: flag "h" and
// CsToMdsBadReplica{checksum=true} (the MDS drops and re-replicates the
// replica). CsToMdsHeartbeat.chunksVerified counts verifications since start.
// MdsToCsScrub (a master order, `pstorage scrub start`) verifies every
// replica now, one per scrub_step_atom so client I/O interleaves
// (actors/cs/scrub_run.hpp); CsToMdsHeartbeat.scrub reports its progress.
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

#include "actors/common/cs_directory.hpp"
#include "actors/common/mds_locator.hpp"
#include "actors/cs/cs_api.hpp"
#include "actors/cs/io_monitor.hpp"
#include "persistence/chunk_storage.hpp"
#include "persistence/cs_repo.hpp"

namespace pstorage {

struct space_info {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
};

struct cs_deps {
  std::shared_ptr<persistence::cs_repo> repo;
  std::shared_ptr<persistence::chunk_storage> storage;  // disk seam (replicas)
  std::function<space_info()> space;          // optional; default: storage->space()
  mds_locator_api locator;                    // network seam: the MDS
  cs_directory_api directory;                 // network seam: peer CSs (chains, replication)
  std::string digest;                         // from auth_digest.key (raw bytes)
  std::string host, host_id, location;        // identity reported to the MDS
  std::string address;                        // set by start_atom: ADDR:PORT clients reach it at
  uint16_t http_port = 0;
  std::chrono::milliseconds retry_interval{1000};
  bool repository_missing = false;            // flag R: chunk storage missing/unreadable at start
  std::chrono::nanoseconds io_timeout{std::chrono::seconds(10)};  // flag T
  // How fast this host's clock runs against true time (1.0 in production).
  // Every period the CS measures itself (heartbeats, registration retries,
  // scrubbing) lasts period / clock_rate of true time: the simulator's
  // clock-skew seam (docs/simulator.md).
  double clock_rate = 1.0;
  // The CS's I/O figures (actors/cs/io_stats.hpp), shared with the daemon's
  // HTTP thread (/status, /metrics). Optional: the actor makes its own.
  // Recorded: every ClientToCsRead/Write/Sync from its handler's start to
  // its answer, every storage call's duration; sent with each heartbeat.
  std::shared_ptr<cs::io_monitor> io;
  std::function<void(uint32_t cs_id)> on_registered;   // optional
  std::function<void(const std::string&)> on_fatal;    // optional
};

// The largest chunk a CS accepts (issue 3: 64 MiB default, smaller sizes for
// tests). The daemon opens its chunk storage with this size; a replicate
// copies at most this many bytes.
inline constexpr uint64_t cs_max_chunk_size = persistence::default_chunk_size;
// Per step of a chain forward or a replication read.
inline constexpr std::chrono::seconds cs_downstream_timeout{5};
inline constexpr uint64_t cs_replicate_piece = uint64_t{1} << 20;

// Spawns the actor idle; it registers after receiving (start_atom, ADDR:PORT)
// (the daemon first publishes it to learn its port).
cs_api spawn_cs(caf::actor_system& sys, cs_deps deps);

}  // namespace pstorage
