// mds_membership.hpp — pure rules for MDS membership changes (guide: "Adding
// MDS Servers", "Removing MDS Servers", "Configuring MDS Servers": "the
// majority of MDS servers must be up and running"). One MDS is added or
// removed at a time (docs/election.md, single-server changes).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pstorage::mds {

struct membership_change {
  std::optional<uint32_t> add;     // the new MDS's id
  std::optional<uint32_t> remove;  // the MDS to remove
};

// Why the change must be refused, or nullopt. `members`: the MDS ids now;
// `running`: those that answered the master recently (the master included).
// An added MDS counts as running: its repository is created next and the
// operator starts it (until then a 1-MDS cluster growing to 2 waits). A
// change is refused when the MDSs running afterwards would be fewer than the
// new majority: metadata changes would stop.
std::optional<std::string> refuse_membership_change(const std::vector<uint32_t>& members,
                                                    const std::set<uint32_t>& running, const membership_change& c);

// The id of a new MDS: above every id in use or ever given (ids are never
// reused: a removed MDS that comes back must not pass for a new one).
uint32_t next_mds_id(const std::vector<uint32_t>& members, uint32_t highest_ever);

}  // namespace pstorage::mds
