// Tests of actors/ha/placement.hpp: which HA node runs which resource
// (guide "Configuring High Availability": round-robin by default or a backup
// node; issue 18: per-node limit, `ha relocate`, never two nodes, events).
#include "actors/ha/placement.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace pstorage::ha;

namespace {

node_view node(const std::string& name, lease_state l = lease_state::alive, bool enabled = true,
               uint32_t limit = 0) {
  node_view n;
  n.name = name;
  n.lease = l;
  n.enabled = enabled;
  n.limit = limit;
  return n;
}

resource_view res(const std::string& name, const std::string& on, policy p = policy::round_robin,
                  const std::string& backup = {}, const std::string& preferred = {}) {
  resource_view r;
  r.name = name;
  r.node = on;
  r.placement = p;
  r.backup_node = backup;
  r.preferred_node = preferred;
  return r;
}

// resource -> target of the plan's moves; fails the test if a resource moves twice.
std::map<std::string, std::string> targets(const placement_plan& p) {
  std::map<std::string, std::string> out;
  for (const auto& m : p.moves) {
    CHECK_MESSAGE(out.emplace(m.resource, m.to).second, "moved twice: " << m.resource);
  }
  return out;
}

// The table after applying the plan: resource -> node.
std::map<std::string, std::string> after(const placement_input& in, const placement_plan& p) {
  std::map<std::string, std::string> table;
  for (const auto& r : in.resources) table[r.name] = r.node;
  for (const auto& [r, to] : targets(p)) table[r] = to;
  return table;
}

}  // namespace

TEST_CASE("round-robin over three nodes: a failed node's resources spread over the others in name order") {
  placement_input in;
  in.nodes = {node("a", lease_state::failed), node("b"), node("c"), node("d")};
  in.resources = {res("r1", "a"), res("r2", "a"), res("r3", "a"), res("r4", "a"), res("r5", "b")};
  auto p = plan_placement(in);
  auto t = targets(p);
  REQUIRE(t.size() == 4);
  CHECK(t["r1"] == "b");
  CHECK(t["r2"] == "c");
  CHECK(t["r3"] == "d");
  CHECK(t["r4"] == "b");
  CHECK(p.cursor == "b");
  CHECK(p.refused.empty());
  for (const auto& m : p.moves) {
    CHECK(m.from == "a");
    CHECK(m.why == cause::node_failed);
    CHECK_FALSE(m.stop_first);  // a failed node fenced itself: no stop step
  }
  CHECK(p.moves[0].event() == "Relocating r1 from a to b");
  auto steps = p.steps();
  REQUIRE(steps.size() == 4);
  CHECK(steps[0] == step{step_kind::start, "r1", "b"});
}

TEST_CASE("round-robin continues after the cursor and skips the node a resource leaves") {
  placement_input in;
  in.nodes = {node("a"), node("b", lease_state::failed), node("c")};
  in.resources = {res("r1", "b"), res("r2", "b")};
  in.cursor = "a";  // last given to a: next is b (failed), then c, then a
  auto p = plan_placement(in);
  auto t = targets(p);
  CHECK(t["r1"] == "c");
  CHECK(t["r2"] == "a");
  CHECK(p.cursor == "a");

  in.cursor = "zz";  // past every name (a removed node): wraps to the first
  t = targets(plan_placement(in));
  CHECK(t["r1"] == "a");
  CHECK(t["r2"] == "c");
}

TEST_CASE("backup policy: resources go to the backup node or round-robin when the backup cannot take them") {
  placement_input in;
  in.nodes = {node("a", lease_state::failed), node("b"), node("c"), node("spare")};
  in.resources = {res("r1", "a", policy::backup, "spare"), res("r2", "a", policy::backup, "spare"),
                  res("r3", "a")};
  auto p = plan_placement(in);
  auto t = targets(p);
  CHECK(t["r1"] == "spare");
  CHECK(t["r2"] == "spare");
  CHECK(t["r3"] == "b");  // round-robin resource unaffected by the others' backup
  CHECK(p.cursor == "b");  // the backup picks did not move the cursor

  SUBCASE("backup node down") {
    in.nodes[3].lease = lease_state::failed;
    t = targets(plan_placement(in));
    CHECK(t["r1"] == "b");
    CHECK(t["r2"] == "c");
    CHECK(t["r3"] == "b");
  }
  SUBCASE("backup node full") {
    in.nodes[3].limit = 1;
    t = targets(plan_placement(in));
    CHECK(t["r1"] == "spare");
    CHECK(t["r2"] == "b");
  }
  SUBCASE("the backup node is the failed one itself") {
    in.resources[0].backup_node = "a";
    t = targets(plan_placement(in));
    CHECK(t["r1"] == "b");
  }
}

TEST_CASE("per-node limit: load is the larger of the agent's report and the table and full nodes are skipped") {
  placement_input in;
  in.nodes = {node("a", lease_state::failed), node("b", lease_state::alive, true, 2),
              node("c", lease_state::alive, true, 1)};
  in.nodes[2].running = 1;  // c reports one running (e.g. still stopping a moved resource)
  in.resources = {res("x", "b"), res("r1", "a"), res("r2", "a"), res("r3", "a")};
  auto p = plan_placement(in);
  auto t = targets(p);
  CHECK(t["r1"] == "b");  // b: 1 of 2 by the table
  CHECK(t.count("r2") == 0);
  CHECK(t.count("r3") == 0);
  REQUIRE(p.refused.size() == 2);
  CHECK(p.refused[0].resource == "r2");
  CHECK(p.refused[0].from == "a");
  CHECK(p.refused[0].event() == "no node can take r2");
  CHECK(p.refused[1].event() == "no node can take r3");
  // Never more than the limit on any node after the plan.
  std::map<std::string, int> load;
  for (const auto& [r, n] : after(in, p)) ++load[n];
  CHECK(load["b"] == 2);
  CHECK(load["c"] == 0);  // table says 0, but c's own report (1) filled it
}

TEST_CASE("disabled node: its resources are stopped there first and then started elsewhere") {
  placement_input in;
  in.nodes = {node("a", lease_state::alive, false), node("b"), node("c")};
  in.resources = {res("r1", "a"), res("r2", "b")};
  auto p = plan_placement(in);
  REQUIRE(p.moves.size() == 1);
  CHECK(p.moves[0].why == cause::node_disabled);
  CHECK(p.moves[0].stop_first);
  CHECK(p.moves[0].to == "b");
  CHECK(p.steps() == std::vector<step>{{step_kind::stop, "r1", "a"}, {step_kind::start, "r1", "b"}});
  // Nothing is ever placed on a disabled node (b's own r2 must leave too).
  in.nodes[1].enabled = false;
  in.nodes[2].enabled = false;
  p = plan_placement(in);
  CHECK(p.moves.empty());
  REQUIRE(p.refused.size() == 2);
  CHECK(p.refused[0].event() == "no node can take r1");
  CHECK(p.refused[1].event() == "no node can take r2");
  CHECK(p.refused[1].why == cause::node_disabled);
}

TEST_CASE("nothing healthy: every affected resource is refused and keeps its node and the cursor is unchanged") {
  placement_input in;
  in.nodes = {node("a", lease_state::failed), node("b", lease_state::failed), node("c", lease_state::expiring)};
  in.resources = {res("r1", "a"), res("r2", "b", policy::backup, "c"), res("r3", "")};
  in.cursor = "b";
  auto p = plan_placement(in);
  CHECK(p.moves.empty());
  REQUIRE(p.refused.size() == 3);
  CHECK(p.refused[0].resource == "r1");
  CHECK(p.refused[1].resource == "r2");
  CHECK(p.refused[2].resource == "r3");
  CHECK(p.refused[2].why == cause::unassigned);
  CHECK(p.cursor == "b");
  CHECK(plan_placement(placement_input{}).moves.empty());
}

TEST_CASE("expiring node: its resources wait (they may still run there) and it takes nothing new") {
  placement_input in;
  in.nodes = {node("a", lease_state::expiring), node("b")};
  in.resources = {res("r1", "a"), res("r2", "", policy::round_robin, {}, "a")};
  auto p = plan_placement(in);
  auto t = targets(p);
  CHECK(t.count("r1") == 0);
  CHECK(t["r2"] == "b");  // preferred node a cannot take it now
  CHECK(p.refused.empty());
}

TEST_CASE("a resource without a node goes to its preferred node or else by policy") {
  placement_input in;
  in.nodes = {node("a"), node("b"), node("c")};
  in.resources = {res("r1", "", policy::round_robin, {}, "c"), res("r2", ""), res("r3", "", policy::backup, "b")};
  auto p = plan_placement(in);
  auto t = targets(p);
  CHECK(t["r1"] == "c");
  CHECK(t["r2"] == "a");
  CHECK(t["r3"] == "b");
  for (const auto& m : p.moves) {
    CHECK(m.why == cause::unassigned);
    CHECK_FALSE(m.stop_first);
  }
  CHECK(p.moves[0].event() == "Placing r1 on c");
}

TEST_CASE("planned relocate: stop on the old node then start on the named one whatever the policy") {
  placement_input in;
  in.nodes = {node("a"), node("b"), node("c")};
  in.resources = {res("r1", "a", policy::backup, "c"), res("r2", "b")};
  in.planned = {{"r1", "b"}};
  auto p = plan_placement(in);
  REQUIRE(p.moves.size() == 1);
  CHECK(p.moves[0].why == cause::planned);
  CHECK(p.moves[0].event() == "Relocating r1 from a to b");
  CHECK(p.steps() == std::vector<step>{{step_kind::stop, "r1", "a"}, {step_kind::start, "r1", "b"}});
  CHECK(p.cursor.empty());  // planned moves do not advance round-robin

  SUBCASE("refusals name the reason and move nothing") {
    in.nodes[2].limit = 1;
    in.resources.push_back(res("r3", "c"));
    in.nodes.push_back(node("d", lease_state::alive, false));
    in.nodes.push_back(node("e", lease_state::failed));
    in.planned = {{"nope", "b"}, {"r1", "a"}, {"r1", "c"}, {"r1", "d"}, {"r1", "e"}, {"r1", "zz"}};
    p = plan_placement(in);
    CHECK(p.moves.empty());
    REQUIRE(p.refused.size() == 6);
    CHECK(p.refused[0].event() == "cannot relocate nope to b: no such resource");
    CHECK(p.refused[1].event() == "cannot relocate r1 to a: it is already there");
    CHECK(p.refused[2].event() == "cannot relocate r1 to c: c is at its limit of 1");
    CHECK(p.refused[3].event() == "cannot relocate r1 to d: d is disabled");
    CHECK(p.refused[4].event() == "cannot relocate r1 to e: e is failed");
    CHECK(p.refused[5].event() == "cannot relocate r1 to zz: zz is not an HA node");
  }
  SUBCASE("two planned moves of one resource: the first wins") {
    in.planned = {{"r1", "b"}, {"r1", "c"}};
    p = plan_placement(in);
    REQUIRE(p.moves.size() == 1);
    CHECK(p.moves[0].to == "b");
    REQUIRE(p.refused.size() == 1);
    CHECK(p.refused[0].detail == "already decided in this plan");
  }
  SUBCASE("from a failed node: no stop step; the planned target beats round-robin") {
    in.nodes[0].lease = lease_state::failed;
    in.planned = {{"r1", "c"}};
    p = plan_placement(in);
    REQUIRE(p.moves.size() == 1);
    CHECK(p.moves[0].to == "c");
    CHECK_FALSE(p.moves[0].stop_first);
  }
  SUBCASE("from an expiring node: refused, it may still run there") {
    in.nodes[0].lease = lease_state::expiring;
    p = plan_placement(in);
    CHECK(p.moves.empty());
    REQUIRE(p.refused.size() == 1);
    CHECK(p.refused[0].detail == "a is expiring");
  }
  SUBCASE("a planned move uses up the target's room before failure moves") {
    in.nodes[1].limit = 2;  // b holds r2; r1 planned there fills it
    in.nodes[2].lease = lease_state::failed;
    in.resources.push_back(res("r3", "c"));
    in.cursor = "a";  // round-robin would try b next
    p = plan_placement(in);
    auto t = targets(p);
    CHECK(t["r1"] == "b");
    CHECK(t["r3"] == "a");  // b is full, c is the source
  }
}

TEST_CASE("stability: an unaffected resource never moves whatever else happens") {
  placement_input in;
  in.nodes = {node("a", lease_state::alive, true, 1), node("b"), node("c", lease_state::failed), node("d")};
  // a is over its limit (lowered later), r-pref's preferred node is back: neither moves.
  in.resources = {res("r-a1", "a"), res("r-a2", "a"), res("r-pref", "d", policy::round_robin, {}, "b"),
                  res("r-c", "c"), res("r-b", "b", policy::backup, "d")};
  in.cursor = "a";
  auto p = plan_placement(in);
  auto t = targets(p);
  CHECK(t.size() == 1);
  CHECK(t["r-c"] == "b");
  // Same input, same plan (deterministic), also with the resources listed in another order.
  auto again = plan_placement(in);
  std::swap(in.resources[0], in.resources[4]);
  auto shuffled = plan_placement(in);
  CHECK(targets(again) == t);
  CHECK(targets(shuffled) == t);
  CHECK(shuffled.cursor == p.cursor);
  // Applying the plan and planning again changes nothing.
  placement_input next = in;
  for (auto& r : next.resources) r.node = after(in, p)[r.name];
  next.cursor = p.cursor;
  CHECK(plan_placement(next).moves.empty());
}

TEST_CASE("never two nodes: a duplicate resource name is refused and neither copy moves") {
  placement_input in;
  in.nodes = {node("a", lease_state::failed), node("b")};
  in.resources = {res("r1", "a"), res("r1", "a")};
  in.planned = {{"r1", "b"}};
  auto p = plan_placement(in);
  CHECK(p.moves.empty());
  REQUIRE(p.refused.size() == 2);
  CHECK(p.refused[0].event() == "cannot place r1: duplicate resource name");
  CHECK(p.refused[1].why == cause::planned);
}

TEST_CASE("a node missing from the list counts as failed") {
  placement_input in;
  in.nodes = {node("b")};
  in.resources = {res("r1", "gone")};
  auto p = plan_placement(in);
  REQUIRE(p.moves.size() == 1);
  CHECK(p.moves[0].why == cause::node_failed);
  CHECK(p.moves[0].to == "b");
  CHECK_FALSE(p.moves[0].stop_first);
}
