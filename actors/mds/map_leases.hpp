// map_leases.hpp — which chunk maps clients may still read with. Pure
// decision logic: no CAF, no clock reads (time is a parameter, nanoseconds of
// the MDS's monotonic clock).
//
// The hazard (issue 3, "readers see every acknowledged write"): a client reads
// from any replica its cached chunk map lists, asking for the map's version.
// A replica left out of a version round (dropped after a failed write, or its
// CS did not answer) still holds the old version and still serves it, while
// the writer goes on at the new version on the others. A reader with the old
// map would then miss acknowledged writes.
//
// The contract that closes it:
//  * Every chunk location the MDS hands out carries a validity (`valid_ns`):
//    the client uses it for reads only until then, measured on its own clock
//    from before it sent the request (actors/client/chunk_loc.hpp), and asks
//    again afterwards.
//  * The MDS records each hand-out (chunk, client, version, listed CSs) for
//    `hold_ns` >= valid_ns times the largest clock-rate difference it
//    tolerates (default 2x), counted from when it answered.
//  * Before it confirms a chunk at a new version (the moment writes at that
//    version can start), the MDS waits until every recorded map at an older
//    version that lists a CS outside the confirmed set has expired
//    (`confirm_after`). A CS inside the set moved to the new version, so an
//    old map's read there is refused as stale and the client refreshes.
//  * A client that reports a failed replica drops its map on the answer, so
//    its record goes (`forget`): the common single-writer failover never waits.
//  * After an MDS start, maps of the previous run are unknown: every
//    confirmation that leaves a CS out waits until start + hold_ns
//    (`started`).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pstorage::mds {

class map_leases {
 public:
  using ns = int64_t;
  using chunk_id = uint64_t;

  explicit map_leases(ns hold_ns = 6'000'000'000) : hold_(hold_ns) {}
  ns hold() const { return hold_; }

  // The MDS (re)started at `now`: maps handed out before are unknown.
  void started(ns now) { unknown_until_ = now + hold_; }
  // A location of `chunk` at `version` listing `cs` went to `client` at `now`;
  // it replaces that client's earlier one for the chunk.
  void handed_out(chunk_id chunk, const std::string& client, uint64_t version, std::vector<uint32_t> cs, ns now);
  // The client dropped its map of `chunk` (it reported a failure).
  void forget(chunk_id chunk, const std::string& client);
  // Earliest time `chunk` may be confirmed at `version` on `confirmed` (any
  // order): `now` when no live map at an older version lists a CS outside it.
  // `leaves_out`: the round leaves some holder of an older version out (a
  // drop, a CS that did not answer); only then do the unknown maps of a
  // previous run matter.
  ns confirm_after(chunk_id chunk, uint64_t version, const std::vector<uint32_t>& confirmed, bool leaves_out,
                   ns now) const;
  // Forgets expired records (housekeeping; never changes a decision).
  void expire(ns now);
  size_t size() const { return maps_.size(); }

 private:
  struct record {
    uint64_t version = 0;
    std::vector<uint32_t> cs;
    ns expires_at = 0;
  };
  ns hold_;
  ns unknown_until_ = 0;
  std::map<std::pair<chunk_id, std::string>, record> maps_;
};

}  // namespace pstorage::mds
