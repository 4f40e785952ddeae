// copy_pacing.cpp — see copy_pacing.hpp for the contract.
#include "actors/cs/copy_pacing.hpp"

namespace pstorage::cs {

std::chrono::nanoseconds copy_pace_delay(uint64_t done, uint64_t rate, std::chrono::nanoseconds elapsed) {
  if (rate == 0 || done == 0) return std::chrono::nanoseconds(0);
  const unsigned __int128 due_ns = static_cast<unsigned __int128>(done) * 1000000000u / rate;
  const unsigned __int128 cap = static_cast<unsigned __int128>(INT64_MAX);
  const auto due = std::chrono::nanoseconds(static_cast<int64_t>(due_ns < cap ? due_ns : cap));
  return due > elapsed ? due - elapsed : std::chrono::nanoseconds(0);
}

}  // namespace pstorage::cs
