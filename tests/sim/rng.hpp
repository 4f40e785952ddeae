// rng.hpp — the simulator's only source of randomness: xoshiro256** seeded
// through splitmix64. Hand-written (not <random>'s distributions, whose
// results differ between standard libraries) so a seed replays the same run
// on every machine. Every choice of the simulator (which ready job runs next,
// which fault, when, what the network does to a message) draws from one
// instance, in the order the single-threaded run makes the choices.
#pragma once

#include <cstdint>

namespace pstorage::sim {

class rng {
 public:
  explicit rng(uint64_t seed) {
    for (auto& w : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      w = z ^ (z >> 31);
    }
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0. (Lemire's multiply-shift; bias < 2^-64 * n.)
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  // Uniform in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1)); }
  // True with probability permille / 1000.
  bool chance(uint32_t permille) { return below(1000) < permille; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace pstorage::sim
