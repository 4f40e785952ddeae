// license_checker.hpp — the license checker's decision (guide "Checking the
// License Status"), a pure function of (license or none, clock, usage,
// cluster HWID, vendor key). The MDS master runs it on every change and
// periodically (actors/mds/mds_license_actor.cpp) and enforces its limits.
//
//   status    when (first match)                               new chunk space allowed up to
//   --------  -----------------------------------------------  ------------------------------
//   (none)    no license installed: evaluation mode             100 GB (wiki: "Maximum capacity
//                                                               ... 100GB of logical disk space")
//   INVALID   bad signature, another cluster's HWID, start in   nothing new (reads, deletes and
//             the future, unsupported product                    writes into existing chunks go on)
//   EXPIRED   now > expiration + graceperiod                    nothing new
//   GRACED    now > expiration (within graceperiod), or data    capacity + gracecapacity %
//             chunks use more than capacity
//   ACTIVE    installed and none of the above                   capacity + gracecapacity %
//   VALID     the same for a license being checked before it    (not installed)
//             is installed (load-license)
//
// Boundaries: the license is ACTIVE through the `expiration` second itself
// and GRACED through expiration + graceperiod; data using exactly
// `capacity` is ACTIVE, one byte more is GRACED; an allocation that brings
// the usage exactly to the allowed maximum is allowed.
// Clock set back: `now` is never taken below `clock_floor` (the newest time
// the cluster has recorded), so an expired license does not come back.
// Usage is the logical space of data chunks (one copy, whatever the
// replication; md_store::data_chunk_bytes): the bytes of the files they
// hold, a chunk not covered by its file's recorded size yet counting whole;
// a new chunk asks for a whole chunk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/license/license_doc.hpp"

namespace pstorage::license {

enum class license_status { none, valid, active, graced, expired, invalid };
// The guide's upper-case names; "NONE" for the evaluation mode.
const char* to_string(license_status s);

inline constexpr uint64_t evaluation_capacity_mb = 100 * 1000;  // 100 GB
inline constexpr uint32_t unlimited_replicas = 15;                // the guide's maximum

struct license_limits {
  uint64_t capacity_bytes = 0;     // the licensed capacity (evaluation: 100 GB)
  uint64_t allocatable_bytes = 0;  // data chunks may use up to this now (see the table)
  uint32_t replicas_max = unlimited_replicas;
  bool autorecovery = true;
  bool autorebalance = true;
  bool operator==(const license_limits&) const = default;
};

struct license_verdict {
  license_status status = license_status::none;
  std::string reason;          // why not ACTIVE/VALID (empty then), operator-ready
  license_limits limits;
  int64_t seconds_to_expiry = 0;  // expiration - now (negative once expired); 0 without a license
  bool operator==(const license_verdict&) const = default;
};

struct checker_input {
  const signed_license* license = nullptr;  // nullptr: none installed (evaluation mode)
  bool installed = true;                    // false: checking before load-license installs it
  std::string cluster_hwid;
  std::string vendor_public_key;  // hex (license_signature.hpp)
  int64_t now = 0;                // wall clock, seconds since the epoch
  int64_t clock_floor = 0;        // the newest time the cluster has seen
  uint64_t used_bytes = 0;        // logical space of data chunks
};

license_verdict evaluate(const checker_input& in);

// May `new_bytes` more of data chunks be allocated? nullopt: yes; else the
// refusal (for ENOSPC's message, the event and the log line).
std::optional<std::string> allocation_refusal(const license_verdict& v, const std::string& key_number,
                                              uint64_t used_bytes, uint64_t new_bytes);
// set-attr replicas=N: nullopt when the license allows N replicas.
std::optional<std::string> replicas_refusal(const license_verdict& v, const std::string& key_number, uint32_t replicas);
// The warning event is due: an ACTIVE license expires within `warn_days`.
bool expiry_warning_due(const license_verdict& v, int64_t warn_days);
// What the expiry warning is given once for: the key number and the
// expiration. A renewal under the same key number (update-license, a new
// file from the vendor) has another expiration, so it is warned about again
// before it runs out.
std::string expiry_warning_id(const license_doc& d);
// The warning event's text: "License K expires on ... UTC, in N days; ...",
// N the days left rounded up ("in 1 day" in the last day).
std::string expiry_warning_text(const license_doc& d, int64_t seconds_to_expiry);
// "500 GB" / "1.5 TB" / "11.53 MB" (below 1 GB) for the checker's messages:
// decimal units, 4 significant digits.
std::string capacity_text(uint64_t bytes);

}  // namespace pstorage::license
