// mds_license.hpp — what the MDS's license checker keeps between
// evaluations (actors/mds/mds_license_actor.cpp). The decisions are
// actors/license/license_checker.hpp's; this is only their last result and
// what the event emission needs to notice a change. No CAF.
#pragma once

#include <optional>
#include <string>

#include "actors/license/license_checker.hpp"
#include "actors/license/license_doc.hpp"
#include "actors/license/usage_ledger.hpp"

namespace pstorage::mds {

struct license_runtime {
  std::string vendor_key;  // hex; empty: no license can be verified (docs/licensing.md)
  std::string vendor_key_error;  // why no license can be loaded (no key, or an unusable one); "" fine
  std::string hwid;        // this cluster's (license_signature.hpp cluster_hwid)
  std::string text;        // the installed license as md.db stores it ("" none)
  std::optional<license::signed_license> installed;
  std::string unreadable;  // the stored text does not parse: why
  license::license_verdict verdict;
  uint64_t used_bytes = 0;        // md.db's data chunk bytes at the last evaluation (status, stat)
  license::usage_ledger usage;     // what allocations are checked against: md.db + allocations in flight
  std::string announced;   // "KEY STATUS" of the last status event ("" none yet)
  std::string warned_for;  // license::expiry_warning_id of the license last warned about
  int64_t last_tick_ns = 0;  // steady time of the last periodic evaluation
  std::string key_number() const { return installed ? installed->doc.key_number : std::string(); }
};

}  // namespace pstorage::mds
