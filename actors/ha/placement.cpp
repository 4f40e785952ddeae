// placement.cpp — see placement.hpp for the rules this implements.
#include "actors/ha/placement.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace pstorage::ha {

const char* to_string(lease_state s) {
  switch (s) {
    case lease_state::alive: return "alive";
    case lease_state::expiring: return "expiring";
    case lease_state::failed: return "failed";
  }
  return "?";
}

const char* to_string(policy p) {
  switch (p) {
    case policy::round_robin: return "round-robin";
    case policy::backup: return "backup";
  }
  return "?";
}

const char* to_string(cause c) {
  switch (c) {
    case cause::planned: return "planned";
    case cause::node_failed: return "node failed";
    case cause::node_disabled: return "node disabled";
    case cause::unassigned: return "unassigned";
    case cause::start_failed: return "start failed";
  }
  return "?";
}

const char* to_string(step_kind k) { return k == step_kind::stop ? "stop" : "start"; }

std::string move::event() const {
  if (to.empty()) return "no node can take " + resource;
  if (from.empty()) return "Placing " + resource + " on " + to;
  return "Relocating " + resource + " from " + from + " to " + to;
}

std::string refusal::event() const {
  if (why == cause::planned) return "cannot relocate " + resource + " to " + to + ": " + detail;
  if (!detail.empty()) return "cannot place " + resource + ": " + detail;
  return "no node can take " + resource;
}

std::vector<step> placement_plan::steps() const {
  std::vector<step> out;
  for (const auto& m : moves) {
    if (m.stop_first) out.push_back({step_kind::stop, m.resource, m.from});
    if (!m.to.empty()) out.push_back({step_kind::start, m.resource, m.to});
  }
  return out;
}

namespace {

struct node_state {
  const node_view* view = nullptr;
  uint32_t load = 0;
  bool healthy() const { return view->enabled && view->lease == lease_state::alive; }
  bool has_room() const { return view->limit == 0 || load < view->limit; }
};

// The working state of one plan: nodes by name (sorted: round-robin order).
class planner {
 public:
  explicit planner(const placement_input& in) : cursor_(in.cursor) {
    for (const auto& n : in.nodes) nodes_.try_emplace(n.name, node_state{&n, n.running});
    std::map<std::string, uint32_t> assigned;
    for (const auto& r : in.resources)
      if (!r.node.empty()) ++assigned[r.node];
    for (auto& [name, st] : nodes_) st.load = std::max(st.load, assigned[name]);
  }

  // Rule 1: a node not listed counts as failed.
  lease_state lease_of(const std::string& node) const {
    auto it = nodes_.find(node);
    return it == nodes_.end() ? lease_state::failed : it->second.view->lease;
  }
  bool enabled(const std::string& node) const {
    auto it = nodes_.find(node);
    return it != nodes_.end() && it->second.view->enabled;
  }
  // Healthy with room, not `except`, not in `given_up`.
  bool can_take(const std::string& node, const std::string& except, const std::set<std::string>& given_up = {}) const {
    if (node.empty() || node == except || given_up.count(node)) return false;
    auto it = nodes_.find(node);
    return it != nodes_.end() && it->second.healthy() && it->second.has_room();
  }
  // Why `node` cannot take a resource (planned-move refusals); empty if it can.
  std::string why_not(const std::string& node) const {
    auto it = nodes_.find(node);
    if (it == nodes_.end()) return node + " is not an HA node";
    if (!it->second.view->enabled) return node + " is disabled";
    if (it->second.view->lease != lease_state::alive) return node + " is " + to_string(it->second.view->lease);
    if (!it->second.has_room()) return node + " is at its limit of " + std::to_string(it->second.view->limit);
    return {};
  }
  void take(const std::string& node) { ++nodes_.at(node).load; }

  // Rule 6c: the first node after the cursor (by name, wrapping) that can
  // take a resource leaving `from` and is not in `given_up`; advances the
  // cursor. Empty: none.
  std::string round_robin(const std::string& from, const std::set<std::string>& given_up) {
    auto start = cursor_.empty() ? nodes_.begin() : nodes_.upper_bound(cursor_);
    for (size_t i = 0; i < nodes_.size(); ++i, ++start) {
      if (start == nodes_.end()) start = nodes_.begin();
      if (can_take(start->first, from, given_up)) {
        cursor_ = start->first;
        return cursor_;
      }
    }
    return {};
  }

  const std::string& cursor() const { return cursor_; }

 private:
  std::map<std::string, node_state> nodes_;
  std::string cursor_;
};

// Rule 2: why `r` must move, or false when it stays.
bool affected(const planner& p, const resource_view& r, cause& why) {
  if (r.node.empty()) {
    why = cause::unassigned;
    return true;
  }
  switch (p.lease_of(r.node)) {
    case lease_state::failed: why = cause::node_failed; return true;
    case lease_state::expiring: return false;  // wait: it may still run there
    case lease_state::alive: break;
  }
  if (!p.enabled(r.node)) {
    why = cause::node_disabled;
    return true;
  }
  if (r.given_up.count(r.node)) {
    why = cause::start_failed;
    return true;
  }
  return false;
}

}  // namespace

placement_plan plan_placement(const placement_input& in) {
  placement_plan plan;
  planner p(in);

  // Resources by name; a duplicate name is refused (rule 4).
  std::map<std::string, const resource_view*> by_name;
  std::set<std::string> decided;
  for (const auto& r : in.resources) {
    if (!by_name.emplace(r.name, &r).second && decided.insert(r.name).second)
      plan.refused.push_back({r.name, r.node, cause::unassigned, {}, "duplicate resource name"});
  }

  auto record = [&](const resource_view& r, const std::string& to, cause why) {
    // Rule 7: an alive source is told to stop first; a failed one fenced itself.
    bool stop_first = !r.node.empty() && p.lease_of(r.node) == lease_state::alive;
    if (!to.empty()) p.take(to);
    plan.moves.push_back({r.name, r.node, to, why, stop_first});
  };

  // Rule 5: planned moves first.
  for (const auto& pm : in.planned) {
    auto refuse = [&](const std::string& from, std::string detail) {
      plan.refused.push_back({pm.resource, from, cause::planned, pm.to, std::move(detail)});
    };
    auto it = by_name.find(pm.resource);
    if (it == by_name.end()) {
      refuse({}, "no such resource");
      continue;
    }
    const resource_view& r = *it->second;
    if (decided.count(r.name)) {
      refuse(r.node, "already decided in this plan");
      continue;
    }
    if (pm.to == r.node) {
      refuse(r.node, "it is already there");
      continue;
    }
    if (!r.node.empty() && p.lease_of(r.node) == lease_state::expiring) {
      refuse(r.node, r.node + " is expiring");
      continue;
    }
    if (auto why = p.why_not(pm.to); !why.empty()) {
      refuse(r.node, why);
      continue;
    }
    decided.insert(r.name);
    record(r, pm.to, cause::planned);
  }

  // Rule 6: affected resources by name.
  for (const auto& [name, rp] : by_name) {
    if (decided.count(name)) continue;
    const resource_view& r = *rp;
    cause why{};
    if (!affected(p, r, why)) continue;
    decided.insert(name);
    std::string to;
    if (r.node.empty() && p.can_take(r.preferred_node, {}, r.given_up)) to = r.preferred_node;
    if (to.empty() && r.placement == policy::backup && p.can_take(r.backup_node, r.node, r.given_up))
      to = r.backup_node;
    if (to.empty()) to = p.round_robin(r.node, r.given_up);
    if (to.empty() && why == cause::start_failed) {
      record(r, {}, why);  // rule 6: off the node that gave it up, nowhere to go
      continue;
    }
    if (to.empty()) {
      plan.refused.push_back({name, r.node, why, {}, {}});
      continue;
    }
    record(r, to, why);
  }

  plan.cursor = p.cursor();
  return plan;
}

}  // namespace pstorage::ha
