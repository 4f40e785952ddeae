// relocator_rules.cpp — see relocator_rules.hpp.
#include "actors/ha/relocator_rules.hpp"

#include <algorithm>

namespace pstorage::ha {

lease_state node_state(const relocator_input& in, const mds::cmd_ha_set_node& n) {
  if (n.parked) return lease_state::expiring;
  int64_t granted = in.master_since;
  auto it = in.agents.find(n.name);
  if (it != in.agents.end()) granted = std::max(granted, it->second.granted_at);
  const lease_state now_view = master_view(in.timing, granted, in.now);
  if (it == in.agents.end() || it->second.granted_at < in.master_since) return now_view;
  // alive < expiring < failed: the less advanced of the two.
  return std::min(now_view, master_view(it->second.timing, it->second.granted_at, in.now));
}

relocator_round relocate_round(const relocator_input& in) {
  relocator_round out;
  std::map<std::string, const mds::cmd_ha_set_node*> nodes;
  for (const auto& n : in.nodes) nodes[n.name] = &n;
  std::set<std::string> pending;  // resources whose stop stays pending this round
  for (const auto& r : in.resources) {
    if (r.from.empty()) continue;
    auto n = nodes.find(r.from);
    bool confirmed = n == nodes.end() || n->second->parked || node_state(in, *n->second) == lease_state::failed;
    if (!confirmed) {
      auto a = in.agents.find(r.from);
      auto since = in.from_since.find(r.def.name);
      const int64_t t = since == in.from_since.end() ? in.master_since : since->second;
      confirmed = a != in.agents.end() && a->second.reported_at > t && !a->second.running.count(r.def.name);
    }
    if (confirmed)
      out.confirm_stops.push_back({r.def.name, r.node, "", ""});
    else
      pending.insert(r.def.name);
  }

  placement_input p;
  for (const auto& n : in.nodes) {
    node_view v;
    v.name = n.name;
    v.enabled = n.enabled;
    v.lease = node_state(in, n);
    v.limit = n.limit;
    if (auto a = in.agents.find(n.name); a != in.agents.end())
      v.running = static_cast<uint32_t>(a->second.running.size());
    p.nodes.push_back(v);
  }
  for (const auto& r : in.resources) {
    resource_view v;
    v.name = r.def.name;
    v.node = r.node;
    v.preferred_node = r.def.preferred_node;
    v.backup_node = r.def.backup_node;
    v.placement = r.def.policy == "backup" ? policy::backup : policy::round_robin;
    if (auto g = in.given_up.find(r.def.name); g != in.given_up.end()) v.given_up = g->second;
    p.resources.push_back(v);
  }
  p.planned = in.planned;
  p.cursor = in.cursor;
  auto plan = plan_placement(p);
  for (const auto& m : plan.moves) {
    if (pending.count(m.resource)) {
      out.waiting.push_back(m.resource);
      continue;
    }
    out.assigns.push_back({m.resource, m.to, m.stop_first ? m.from : "", plan.cursor});
    out.moves.push_back(m);
    if (m.to.empty()) out.exhausted.push_back(m.resource);
  }
  out.refused = plan.refused;
  for (const auto& f : plan.refused)
    if (f.why != cause::planned && in.given_up.count(f.resource)) out.exhausted.push_back(f.resource);
  return out;
}

std::vector<std::string> grant_for(const std::vector<ha_resource>& resources, const std::string& node,
                                   const std::set<std::string>& journaling) {
  std::vector<std::string> out;
  for (const auto& r : resources)
    if (r.node == node && r.from.empty() && !journaling.count(r.def.name)) out.push_back(r.def.name);
  return out;
}

}  // namespace pstorage::ha
