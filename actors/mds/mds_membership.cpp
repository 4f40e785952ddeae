#include "actors/mds/mds_membership.hpp"

#include <algorithm>

namespace pstorage::mds {

std::optional<std::string> refuse_membership_change(const std::vector<uint32_t>& members,
                                                    const std::set<uint32_t>& running, const membership_change& c) {
  auto has = [&](uint32_t id) { return std::find(members.begin(), members.end(), id) != members.end(); };
  if (c.add && c.remove) return "one MDS is added or removed at a time";
  if (!c.add && !c.remove) return "no change given";
  if (c.remove && !has(*c.remove)) return "MDS#" + std::to_string(*c.remove) + " is not a member of the cluster";
  if (c.remove && members.size() == 1) return "MDS#" + std::to_string(*c.remove) + " is the only MDS of the cluster";
  if (c.add && has(*c.add)) return "MDS#" + std::to_string(*c.add) + " is already a member";
  std::vector<uint32_t> next;
  for (auto id : members)
    if (!c.remove || id != *c.remove) next.push_back(id);
  size_t up = 0;
  for (auto id : next) up += running.count(id);
  if (c.add) {
    next.push_back(*c.add);
    ++up;
  }
  const size_t majority = next.size() / 2 + 1;
  if (up >= majority) return std::nullopt;
  const size_t now_up = [&] {
    size_t n = 0;
    for (auto id : members) n += running.count(id);
    return n;
  }();
  std::string what = c.add ? "adding an MDS" : "removing MDS#" + std::to_string(*c.remove);
  return what + " would leave " + std::to_string(up) + " of " + std::to_string(next.size()) +
         " MDSs running, fewer than the majority of " + std::to_string(majority) + " that metadata changes need (" +
         std::to_string(now_up) + " of " + std::to_string(members.size()) +
         " run now); start the stopped MDSs first, then retry";
}

uint32_t next_mds_id(const std::vector<uint32_t>& members, uint32_t highest_ever) {
  uint32_t m = highest_ever;
  for (auto id : members) m = std::max(m, id);
  return m + 1;
}

}  // namespace pstorage::mds
