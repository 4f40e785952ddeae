// placement_candidates.hpp — which registered CSs replica placement may
// choose from: the one copy of this decision for new chunks
// (mds_files_actor.cpp allocate_chunk) and for repair, rebalancing and rm-cs
// (mds_repair_actor.cpp). Issue 15: the two copies had drifted, and only
// repair left out CSs being released by rm-cs, so new files put replicas on
// a CS being evacuated.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "actors/mds/cs_registry.hpp"
#include "actors/mds/placement.hpp"

namespace pstorage::mds {

// Every CS of the registry except dropped ones (placement counts the others
// as registered, guide: "only M chunk servers are available"). A CS is
// eligible (`active`) only while it is active, the MDS has a connection to
// it (`connected`) and rm-cs is not releasing it (guide "Removing Chunk
// Servers": its data is moved away, nothing new lands on it). `load` gives
// each CS's pending work (absent = 0).
std::vector<placement_cs> placement_candidates(const cs_registry& registry,
                                               const std::function<bool(uint32_t)>& connected,
                                               const std::set<uint32_t>& releasing,
                                               const std::map<uint32_t, uint64_t>& load = {});

}  // namespace pstorage::mds
