// scale_fill.hpp — the scale harness's cluster layout and the direct fill of
// md.db through the persistence layer (docs/scale.md).
//
// The 10 M chunks are written with plain INSERTs into md.db's tables (the
// schema md_store creates), not through client writes: what is measured is
// the MDS holding them, not the time to create them. Layout: CS k (id
// 1025+k) sits on host k/12 (12 CSs per host, the guide's example of a big
// host), hosts on racks of 4 (location "0.0.R"); every file has
// `chunks_per_file` chunks, replicas=3:2, failure domain host; replica r of
// chunk c is on host (c + r*H/3) mod H (three distinct hosts and racks), CS
// (c/H + r) mod (CSs on that host).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pstorage::scale {

struct layout {
  uint32_t css = 1000;
  uint64_t chunks = 10'000'000;
  uint32_t per_host = 12;
  uint32_t hosts_per_rack = 4;
  uint32_t replicas = 3;
  uint64_t chunks_per_file = 1000;
  uint64_t chunk_size = 64ull << 20;

  uint32_t hosts() const { return (css + per_host - 1) / per_host; }
  uint32_t host_of(uint32_t k) const { return k / per_host; }
  uint32_t rack_of_host(uint32_t h) const { return h / hosts_per_rack; }
  uint32_t css_on_host(uint32_t h) const;
  uint32_t cs_id(uint32_t k) const { return 1025 + k; }
  std::string host_name(uint32_t h) const { return "h" + std::to_string(h); }
  std::string location(uint32_t h) const { return "0.0." + std::to_string(rack_of_host(h)); }
  std::string uuid(uint32_t k) const { return "uuid-cs" + std::to_string(k); }
  std::string address(uint32_t k) const { return "10.0." + std::to_string(k / 250) + "." + std::to_string(k % 250) + ":2600"; }
  // CS index of replica r of chunk c (0-based chunk number).
  uint32_t replica_cs(uint64_t c, uint32_t r) const;
  uint64_t files() const { return (chunks + chunks_per_file - 1) / chunks_per_file; }
  // Chunks held by CS index k (counted over the layout).
  uint64_t total_bytes_per_cs() const { return 10ull << 40; }  // 10 TiB disks
};

// Writes the whole cluster into a new md.db at `path` (must not exist):
// the CS registry, `files()` files in the root directory, their chunks and
// replicas, and `params` (md_params). Returns the seconds it took.
double fill_md(const std::string& path, const layout& l, const std::vector<std::pair<std::string, int64_t>>& params);

// Writes a new md.db at `path` with `n` committed, unapplied journal entries
// (cmd_set_size on 1000 files and cmd_mark_written / cmd_confirm_replicas
// on their chunks, the commands a data workload journals most); opening it
// replays them (md_store's constructor, apply_committed).
void fill_journal(const std::string& path, uint64_t n);

}  // namespace pstorage::scale
