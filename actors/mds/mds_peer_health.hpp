// mds_peer_health.hpp — the master's view of the other MDSs as the guide's
// journal events ("Exploring Basic Events", source JRN):
//   "MDS#N (addr:port) lags behind for more than 1000 rounds"  (err)
//   "MDS#N (addr:port) didn't accept commits for M sec"        (err)
// Pure: the master feeds it the election actor's progress every tick; an
// event is emitted when an MDS becomes lagging / stale, again only after it
// recovered in between.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace pstorage::mds {

struct peer_progress_view {
  uint32_t id = 0;
  std::string address;
  uint64_t match = 0;        // journal index it holds
  uint64_t silent_ms = 0;    // since it last answered the master
};

struct peer_health {
  std::set<uint32_t> lagging;  // more than lag_rounds entries behind
  std::set<uint32_t> stale;    // silent for stale_after_ms or more
};

inline constexpr uint64_t lag_rounds = 1000;           // the guide's "1000 rounds"
inline constexpr uint64_t stale_after_ms = 10000;      // our M: 10 s (2x the worst failover bound)

// The events to emit now; `h` is updated (recovered MDSs leave the sets).
std::vector<std::string> peer_health_events(const std::vector<peer_progress_view>& peers, uint64_t last_index,
                                            peer_health& h);

}  // namespace pstorage::mds
