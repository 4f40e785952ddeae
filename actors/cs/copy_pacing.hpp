// copy_pacing.hpp — how long a replication copy waits before its next piece
// so that it stays at or below mds.repl.bandwidth (bytes/s per copy; the MDS
// passes it in MdsToCsReplicate). Pure: no clock read, the caller gives the
// time elapsed since the copy started.
//
// Contract: after `done` bytes in `elapsed`, the next piece may start at
// done / rate seconds after the start; the answer is that instant minus
// `elapsed`, or zero when it has passed or rate == 0 (unlimited). So the
// average rate over the copy never exceeds `rate` by more than one piece.
#pragma once

#include <chrono>
#include <cstdint>

namespace pstorage::cs {

std::chrono::nanoseconds copy_pace_delay(uint64_t done, uint64_t rate, std::chrono::nanoseconds elapsed);

}  // namespace pstorage::cs
