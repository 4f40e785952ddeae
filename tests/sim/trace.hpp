// trace.hpp — the event trace of one simulated run: every fault, every
// network verdict, every cluster event, and (hashed, not stored) every
// scheduling step. Two runs of one seed must give the same lines and the same
// hash (determinism self-check, `pstorage-sim --check-determinism`).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace pstorage::sim {

struct trace_entry {
  int64_t at_ms;
  uint64_t step;
  std::string text;
};

class trace {
 public:
  bool echo = false;  // print lines as they are added (--trace)

  void add(int64_t at_ms, uint64_t step, std::string text) {
    mix(static_cast<uint64_t>(at_ms));
    mix(step);
    for (char c : text) mix(static_cast<unsigned char>(c));
    if (echo) std::printf("%9.3f s  #%-7llu %s\n", at_ms / 1000.0, static_cast<unsigned long long>(step), text.c_str());
    entries_.push_back({at_ms, step, std::move(text)});
  }
  // A scheduling step: which actor ran. Hashed only (too many to keep).
  void step(uint64_t step, uint64_t actor_id) {
    mix(step);
    mix(actor_id);
  }
  uint64_t hash() const { return hash_; }
  const std::vector<trace_entry>& entries() const { return entries_; }

 private:
  void mix(uint64_t v) {  // FNV-1a over the value's bytes
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (v >> (8 * i)) & 0xff;
      hash_ *= 0x100000001b3ULL;
    }
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::vector<trace_entry> entries_;
};

}  // namespace pstorage::sim
