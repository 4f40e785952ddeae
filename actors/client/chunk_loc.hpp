// chunk_loc.hpp — the client's copy of one chunk's location (ChunkLocation in
// protocol/common.capnp): chunk id, version and the write chain of replicas
// holding that version. Plain data, no Cap'n Proto.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pstorage::client {

struct replica_loc {
  uint32_t cs_id = 0;
  std::string address;  // ADDR:PORT of the CS actor
};

struct chunk_loc {
  uint64_t chunk_id = 0;
  uint64_t index = 0;
  uint64_t version = 0;
  std::vector<replica_loc> replicas;
  // Handed out for writing (a for_write map or a write's failure report):
  // the MDS raised the chunk's write floor to `version`. Writes use only such
  // locations; a read map must not carry writes (md_command.hpp,
  // cmd_mark_written).
  bool writable = false;
  // Reads use this location only until then (actors/mds/map_leases.hpp): the
  // MDS's validity counted from before the request was sent.
  std::chrono::steady_clock::time_point read_until{};
};

// A location's validity when the MDS does not say (ChunkLocation.validMs 0).
inline constexpr std::chrono::milliseconds default_map_validity{3000};

}  // namespace pstorage::client
