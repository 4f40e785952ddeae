// copy_pacing.hpp — how long a replication copy waits before its next piece
// so that it stays at or below mds.repl.bandwidth (bytes/s per copy; the MDS
// passes it in MdsToCsReplicate). Pure: no clock read, the caller gives the
// time elapsed since the copy started.
//
// Contract: after `done` bytes in `elapsed`, the next piece (or the copy's
// answer, once every byte is in) may come done / rate seconds after the
// start; the result is that instant minus `elapsed`, or zero when it has
// passed or rate == 0 (unlimited). The CS asks before every piece and before
// answering, so a copy of N bytes takes at least N / rate.
#pragma once

#include <chrono>
#include <cstdint>

namespace pstorage::cs {

std::chrono::nanoseconds copy_pace_delay(uint64_t done, uint64_t rate, std::chrono::nanoseconds elapsed);

}  // namespace pstorage::cs
