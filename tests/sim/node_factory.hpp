// node_factory.hpp — the ONE place that builds the dependencies (seams) of
// every simulated node: MDS stores on ":memory:", a CS repository plus a
// fault-injecting memory_chunk_storage, virtual clocks, seeds, locators and
// directories handed in by the harness. When the actors' deps structs grow,
// only this file changes (fields that may not exist yet are set through
// `requires` checks, so the simulator builds against either version).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/common/cs_directory.hpp"
#include "actors/common/mds_locator.hpp"
#include "actors/cs/cs_actor.hpp"
#include "actors/mds/mds_actor.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/cs_repo.hpp"
#include "persistence/mds_store.hpp"
#include "persistence/memory_chunk_storage.hpp"

namespace pstorage::sim {

struct timing {
  std::chrono::milliseconds heartbeat{1000};
  std::chrono::milliseconds tick{500};
  std::chrono::milliseconds inactive_after{5000};
  std::chrono::milliseconds offline_after{60000};
  std::chrono::milliseconds cs_retry{1000};
};

struct identity {
  std::string cluster = "sim";
  persistence::auth_digest auth;
};

identity make_identity();

// A fresh MDS store for `id` (first start, or the mds_store_not_durable bug).
std::shared_ptr<persistence::mds_store> make_mds_store(const identity& id);

struct mds_disk {
  std::shared_ptr<persistence::mds_store> store;
  std::shared_ptr<void> md;       // the metadata store once mds_deps has one (type-erased)
  std::shared_ptr<void> journal;  // the replicated journal (persistence::journal_store), kept across restarts
};
mds_disk make_mds_disk(const identity& id);

// The simulated address of MDS `mds_id` (1..N): its MDS<->MDS port, as in
// bs.list and Status.masterAddress.
std::string sim_mds_address(uint32_t mds_id);

// The disk of MDS `mds_id` of a cluster of `cluster_size` MDSs (>= 2): mds.db
// lists every MDS (ids 1..N at sim_mds_address), and journal.db starts with
// the bootstrap entry of that membership (raft_core::bootstrap: index 1,
// epoch 1, committed) — every MDS's disk as `make-mds -I` leaves it for a
// cluster of one, with all N named: etcd's "initial cluster". md.db is empty
// and applies the membership entry when the election actor hands it over.
mds_disk make_mds_disk(const identity& id, uint32_t mds_id, uint32_t cluster_size);

// The MDS<->MDS seams of one MDS process (mds_deps::connect_peer,
// election_spawned); empty for a one-MDS cluster.
struct mds_peer_seams {
  peer_connector connect;
  std::function<void(const election_api&)> election_spawned;
};

// `clock_rate`: how fast the node's clock runs against true (virtual) time;
// every period the node measures itself lasts period / clock_rate. For the
// MDS that is its tick, liveness timeouts, lease lifetime and request
// timeout; `virtual_now_ns` is its wall clock (skewed by the caller).
mds_deps make_mds_deps(const mds_disk& disk, const timing& t, uint64_t seed, std::function<int64_t()> virtual_now_ns,
                       std::function<void(const std::string&)> on_event, double clock_rate = 1.0,
                       mds_peer_seams peers = {});

struct cs_disk {
  std::shared_ptr<persistence::cs_repo> repo;
  std::shared_ptr<persistence::memory_chunk_storage> storage;
};
cs_disk make_cs_disk(const identity& id, const std::string& uuid);

struct cs_identity {
  std::string host, host_id, location;
};

cs_deps make_cs_deps(const cs_disk& disk, const identity& id, const cs_identity& who, const timing& t,
                     mds_locator_api locator, cs_directory_api directory, std::function<void(uint32_t)> on_registered,
                     std::function<void(const std::string&)> on_fatal, double clock_rate = 1.0);

// Whether the actors in this build have the seams (for honest reports).
bool cs_has_storage_seam();
bool cs_has_directory_seam();
bool mds_has_md_seam();

// Small chunks keep the simulated disks cheap.
inline constexpr uint64_t sim_chunk_size = uint64_t{64} << 10;  // 64 KiB

}  // namespace pstorage::sim
