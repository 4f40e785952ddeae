// data_model.hpp — the simulator's knowledge of file contents (pure: no CAF).
//
// Files are written in 4 KiB blocks. Every block a writer writes carries its
// identity: bytes 0..7 = the write id (unique per run, growing per file, since
// each file has one writer with one write in flight), bytes 8..15 = the block
// number, the rest a pattern derived from both. So any block read back names
// the write it came from and proves it is intact (a torn, rotten or foreign
// block fails `decode_block`).
//
// Per file and block the history keeps the last ACKNOWLEDGED write id and
// every write id ever issued. Rules (docs/simulator.md, "Invariants"):
//  - read-latest: a read that started when block b's last acked write was A
//    returns a write W with W >= A, W issued for b (0 = hole only if A == 0).
//  - acked-write-durable: at the end every current replica that serves the
//    block returns W >= acked (no write in flight: W == acked), and at least
//    one replica of every chunk with acked data serves it.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pstorage::sim {

inline constexpr uint64_t data_block = 4096;

inline uint8_t pattern_byte(uint64_t write_id, uint64_t block, uint64_t i) {
  uint64_t x = write_id * 0x9E3779B97F4A7C15ull ^ (block + 1) * 0xBF58476D1CE4E5B9ull ^ i * 0x94D049BB133111EBull;
  x ^= x >> 29;
  return static_cast<uint8_t>(x ^ (x >> 17));
}

inline void fill_block(char* out, uint64_t write_id, uint64_t block) {
  std::memcpy(out, &write_id, 8);
  std::memcpy(out + 8, &block, 8);
  for (uint64_t i = 16; i < data_block; ++i) out[i] = static_cast<char>(pattern_byte(write_id, block, i));
}

// The write id a block read back carries: 0 for an all-zero block (a hole),
// nullopt if the block is not exactly what some write wrote there.
inline std::optional<uint64_t> decode_block(const char* in, uint64_t block) {
  uint64_t id = 0, b = 0;
  std::memcpy(&id, in, 8);
  std::memcpy(&b, in + 8, 8);
  if (id == 0) {
    for (uint64_t i = 0; i < data_block; ++i)
      if (in[i]) return std::nullopt;
    return 0;
  }
  if (b != block) return std::nullopt;
  for (uint64_t i = 16; i < data_block; ++i)
    if (static_cast<uint8_t>(in[i]) != pattern_byte(id, block, i)) return std::nullopt;
  return id;
}

struct file_history {
  std::string path;
  uint64_t ino = 0;                       // 0 until the writer created it
  std::vector<uint64_t> acked;            // per block: last acknowledged write id (0 = never written)
  std::vector<std::set<uint64_t>> issued;  // per block: every write id sent for it
  uint64_t acked_writes = 0;
  // setSize after each acknowledged write (the size becomes max(size, end)):
  // the highest end acknowledged OK, and the highest end sent (file-size-acked).
  uint64_t size_acked = 0, size_sent = 0;
};

struct data_model {
  uint64_t chunk_size = 0;
  uint64_t blocks_per_file = 0;
  uint64_t next_write_id = 1;
  std::vector<file_history> files;

  // Checks one block a read returned. `acked_at_start` = the block's acked id
  // when the read started. Returns a problem description, or "" if fine.
  std::string check_block(const file_history& f, uint64_t block, const char* data, uint64_t acked_at_start) const {
    auto id = decode_block(data, block);
    std::string where = f.path + " block " + std::to_string(block) + " (chunk " +
                        std::to_string(block * data_block / chunk_size) + ")";
    if (!id) {
      uint64_t raw = 0;
      std::memcpy(&raw, data, 8);
      return where + ": content is no write's block (torn or corrupt; header says write " + std::to_string(raw) + ")";
    }
    if (*id != 0 && !f.issued[block].count(*id))
      return where + ": holds write " + std::to_string(*id) + ", which was never issued for this block";
    if (*id < acked_at_start)
      return where + ": returned " + (*id ? "write " + std::to_string(*id) : std::string("a hole (zeros)")) +
             ", older than write " + std::to_string(acked_at_start) + " acknowledged before the read started";
    return "";
  }
};

}  // namespace pstorage::sim
