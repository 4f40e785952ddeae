// placement.hpp — where the replicas of a chunk go. Pure decision logic: no
// CAF, no SQLite, no clock; randomness is a parameter, so the same inputs and
// the same random source always give the same answer.
//
// Spec (administrator's guide):
//  * "Configuring Failure Domains" / "Failure Domain Topology": a CS's
//    topology path is room.row.rack.host_ID.cs_ID; the first three come from
//    /etc/pstorage/location, host_ID from /etc/pstorage/host_id. Failure
//    domain levels: disk (one replica per CS), host (default), rack, row,
//    room. At level L two CSs share a domain iff their paths are equal up to
//    and including L. Never more than one replica per CS, whatever the policy.
//  * "Recommendations on Failure Domains": mds.alloc.strict_failure_domain
//    makes the domain policy strict (default) or advisory.
//  * "Using Storage Tiers": tiers 0..3. "If a storage tier runs out of free
//    space, Parallels Cloud Storage will attempt to temporarily use a lower
//    tier, and if those are full too, a higher tier" — e.g. 2 -> 1 -> 0 -> 3.
//  * "Understanding allocatable disk space" / troubleshooting "Out of disk
//    space": mds.alloc.fill_margin is "the percentage of reserved disk space
//    for CS operation needs (the default value is 5)".
//  * Event table ("Monitoring ... events"): "Failed to allocate N replicas
//    for 'path' by request from <addr:port> - K out of M chunks servers are
//    available" and "... since only K chunk servers are registered";
//    troubleshooting: "Failed to allocate X replicas at tier Y since only Z
//    chunk servers are available for allocation". Texts are kept verbatim
//    (including the guide's "chunks servers").
//
// Decision rules (the contract the unit tests pin down):
//  1. Eligible CS: active, not excluded, not already holding the chunk, on the
//     tier being tried, and free_bytes - chunk_size >= reserve, where
//     reserve = max(total_bytes * fill_margin_percent / 100, free_space_margin).
//  2. Tiers are tried in tier_fallback_order(wanted). All replicas of one
//     request go to one tier: the first tier that can take all of them.
//  3. Strict pass first: one replica per failure domain, counting the domains
//     of replicas that already exist. Only if no tier can satisfy the request
//     strictly AND the policy is advisory, a relaxed pass runs over the same
//     tier order: domains may be shared (never a CS), preferring the least
//     occupied domain at the configured level, then at each finer level down
//     to host. The result says so (domains_relaxed). Domain separation thus
//     wins over tier preference.
//  4. Spreading: among the allowed CSs, each replica is drawn at random with
//     weight (usable MiB + 1) / (1 + load), usable = free - chunk - reserve:
//     emptier and less loaded CSs are preferred, ties broken by the random
//     source. Chain order = draw order (the client writes to chain[0]).
//  5. Failure: if fewer CSs are registered (= candidates given) than the
//     replicas that should exist (existing + wanted), the "registered"
//     message; otherwise the "K out of M" message, where K is the most
//     replicas any single tier could have taken under the policy in force and
//     M the registered count.
#pragma once

#include "protocol/md_model/md_command.hpp"

#include "protocol/md_model/tiers.hpp"
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pstorage::mds {

// Failure-domain level, finest to coarsest (guide: "Defining Failure Domains").
enum class domain_level { disk, host, rack, row, room };
const char* to_string(domain_level l);
// The placement level of a file's failure-domain attribute (same names).
inline domain_level level_of(failure_domain d) {
  switch (d) {
    case failure_domain::disk: return domain_level::disk;
    case failure_domain::host: return domain_level::host;
    case failure_domain::rack: return domain_level::rack;
    case failure_domain::row: return domain_level::row;
    case failure_domain::room: return domain_level::room;
  }
  return domain_level::host;
}
// "disk" | "host" | "rack" | "row" | "room" (also "cs" for disk); nullopt else.
std::optional<domain_level> parse_domain_level(std::string_view s);

// One chunk server as the allocator sees it. The caller passes every
// registered (not dropped) CS, active or not: inactive ones still count as
// registered and still locate the replicas they hold.
struct placement_cs {
  uint32_t cs_id = 0;
  bool active = false;      // cs_status::active; anything else is unusable
  uint32_t tier = 0;        // 0..3
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
  std::string location;     // "room.row.rack"; missing parts read as "0"
  std::string host_id;
  uint64_t load = 0;        // pending allocations / I/O load; 0 = no penalty
};

// Tunables (pstorage set-config).
struct placement_tunables {
  // mds.alloc.fill_margin: percent of each CS's total space reserved for CS
  // operation needs (guide default 5).
  uint32_t fill_margin_percent = 5;
  // mds.alloc.free_space_margin: absolute floor of that reserve, in bytes.
  // The guide names no such parameter; our default of 256 MiB keeps room for
  // the CS's own index, journal and checksums on small disks, where 5% would
  // be only a few MiB, and is irrelevant on disks above ~5 GiB.
  uint64_t free_space_margin = 256ull << 20;
  // mds.alloc.strict_failure_domain: true = strict (guide default).
  bool strict_failure_domain = true;
};

// max_tier: protocol/md_model/tiers.hpp

struct placement_request {
  uint32_t replicas = 1;            // how many new replicas to place
  uint64_t chunk_size = 64ull << 20;
  uint32_t tier = 0;                // wanted tier, 0..3
  domain_level failure_domain = domain_level::host;
  // CSs already holding the chunk: never chosen, and their failure domains
  // (looked up in the candidate list) count as occupied.
  std::vector<uint32_t> existing;
  // CSs never to choose (e.g. one that just failed a write); their domains
  // stay free.
  std::vector<uint32_t> exclude;
  std::string path;                 // for the failure message
  std::string requester;            // "addr:port"; omitted from text if empty
};

enum class placement_error {
  none,
  invalid_request,      // tier > 3
  not_registered,       // fewer CSs registered than replicas wanted
  not_enough_available, // registered, but not enough eligible
};

struct placement_result {
  bool ok = false;
  std::vector<uint32_t> chain;    // chosen CS ids, in chain order
  uint32_t tier_used = 0;         // meaningful when ok
  bool tier_fallback = false;     // tier_used != requested tier
  bool domains_relaxed = false;   // advisory policy shared a failure domain
  placement_error error = placement_error::none;
  uint32_t available = 0;         // K: most replicas one tier could take
  uint32_t registered = 0;        // M: candidates given
  uint32_t closest_tier = 0;      // tier that gave K (on failure)
  std::string message;            // event text (guide's event table)
  std::string detail;             // "... at tier Y since only Z ..." form
                                  // (not_registered: same as message)
};

// Random source: each call returns 64 uniformly random bits.
using random_source = std::function<uint64_t()>;
// Deterministic splitmix64 stream from a seed (for callers and tests).
random_source seeded_random(uint64_t seed);

// Tiers in the order they are tried: wanted, each lower one down to 0, then
// each higher one up to 3. 2 -> {2,1,0,3}; 0 -> {0,1,2,3}; 3 -> {3,2,1,0}.
std::vector<uint32_t> tier_fallback_order(uint32_t wanted);

// Domain key of a CS at a level: "room", "room.row", "room.row.rack",
// "room.row.rack/host_id", "room.row.rack/host_id/cs_id".
std::string domain_key(const placement_cs& cs, domain_level level);

// Bytes a CS keeps free: max(total * fill_margin% / 100, free_space_margin).
uint64_t reserved_bytes(const placement_cs& cs, const placement_tunables& t);
// True if a chunk of chunk_size fits on the CS above its reserve.
bool has_room(const placement_cs& cs, uint64_t chunk_size, const placement_tunables& t);

// Chooses req.replicas new CSs for a chunk (rules 1-5 above).
placement_result place_replicas(const std::vector<placement_cs>& candidates, const placement_request& req,
                                const placement_tunables& tunables, const random_source& rnd);

// Repair helper: the chunk has replicas on `existing` and should have
// `normal_replicas`; picks the missing ones under the same rules, relative to
// the existing replicas (their CSs and domains are taken). req.replicas and
// req.existing are overwritten from the arguments. Already at or above the
// normal count: ok with an empty chain.
placement_result place_additional_replicas(const std::vector<placement_cs>& candidates,
                                           const std::vector<uint32_t>& existing, uint32_t normal_replicas,
                                           placement_request req, const placement_tunables& tunables,
                                           const random_source& rnd);

}  // namespace pstorage::mds
