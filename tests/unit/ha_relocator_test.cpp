// The relocator's rounds (actors/ha/relocator_rules.hpp): failover only
// after the lease and the drift margin, parked nodes keep their resources,
// planned moves stop first and start only after a report newer than the
// pending stop, a new master waits a whole lease from its own start,
// round-robin spreads a failed node's resources.
#include <doctest/doctest.h>

#include "actors/ha/relocator_rules.hpp"
#include "tests/unit/ha_relocator_fixture.hpp"

using namespace pstorage::ha;
using namespace ha_fixture;
using pstorage::mds::cmd_ha_assign;
using pstorage::mds::cmd_ha_set_node;

namespace {
const lease_timing T{};  // L 6 s, m 0.3 s
}  // namespace

TEST_CASE("a failed node's resource moves only from granted_at + L + m, with no stop") {
  auto in = base();
  in.resources = {res("web", "a")};
  in.agents["a"] = agent_report{50 * S, 50 * S, {"web"}};
  in.now = 50 * S + T.lease + T.drift_margin - 1;
  auto r = relocate_round(in);
  CHECK(r.assigns.empty());  // expiring: it may still be stopping
  in.now += 1;
  r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0] == cmd_ha_assign{"web", "b", "", "b"});
  CHECK(r.moves[0].event() == "Relocating web from a to b");
}

TEST_CASE("a parked node keeps its resources, however long it is silent") {
  auto in = base();
  in.nodes[0].parked = true;
  in.resources = {res("web", "a")};
  in.agents.erase("a");
  in.now = 1000 * S;
  for (auto& [n, a] : in.agents) a.granted_at = in.now;
  CHECK(relocate_round(in).assigns.empty());
}

TEST_CASE("a planned move stops first; the start is granted only after a newer report without it") {
  auto in = base();
  in.resources = {res("web", "a")};
  in.planned = {{"web", "c"}};
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0].node == "c");
  CHECK(r.assigns[0].from == "a");

  // Journaled: web on c, stop pending on a. Nobody may run it.
  in.planned.clear();
  in.resources = {res("web", "c", "a")};
  CHECK(grant_for(in.resources, "a").empty());
  CHECK(grant_for(in.resources, "c").empty());
  in.from_since["web"] = in.now;
  in.agents["a"] = agent_report{in.now, in.now - 1, {}};  // a report from before the pending stop
  r = relocate_round(in);
  CHECK(r.confirm_stops.empty());
  in.agents["a"] = agent_report{in.now, in.now + 1, {"web"}};  // still running it
  CHECK(relocate_round(in).confirm_stops.empty());
  in.agents["a"] = agent_report{in.now, in.now + 2, {}};  // stopped
  r = relocate_round(in);
  REQUIRE(r.confirm_stops.size() == 1);
  CHECK(r.confirm_stops[0] == cmd_ha_assign{"web", "c", "", ""});
  CHECK(grant_for({res("web", "c")}, "c") == std::vector<std::string>{"web"});
}

TEST_CASE("a pending stop on a node that then fails is confirmed by its lease, not before") {
  auto in = base();
  in.resources = {res("web", "c", "a")};
  in.from_since["web"] = 10 * S;
  in.agents["a"] = agent_report{10 * S, 10 * S, {"web"}};
  in.now = 10 * S + T.lease;
  CHECK(relocate_round(in).confirm_stops.empty());
  in.now = 10 * S + T.lease + T.drift_margin;
  CHECK(relocate_round(in).confirm_stops.size() == 1);
}

TEST_CASE("a new master waits a whole lease and margin from its own start before relocating") {
  auto in = base();
  in.agents.clear();  // it knows no grant of its predecessor
  in.master_since = 200 * S;
  in.now = 200 * S;
  in.resources = {res("web", "a")};
  CHECK(relocate_round(in).assigns.empty());
  in.agents["b"] = agent_report{in.now + 6 * S, in.now + 6 * S, {}};
  in.agents["c"] = agent_report{in.now + 6 * S, in.now + 6 * S, {}};
  in.now = 200 * S + T.lease + T.drift_margin - 1;
  CHECK(relocate_round(in).assigns.empty());
  in.now += 1;
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0].node == "b");
}

TEST_CASE("round-robin spreads a failed node's resources over the healthy ones; a move behind a pending stop waits") {
  auto in = base();
  in.resources = {res("r1", "a"), res("r2", "a"), res("r3", "a", "b")};
  in.from_since["r3"] = in.now;
  in.agents["a"] = agent_report{0, 0, {}};
  in.cursor = "a";
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 2);
  CHECK(r.assigns[0].resource == "r1");
  CHECK(r.assigns[0].node == "b");
  CHECK(r.assigns[1].resource == "r2");
  CHECK(r.assigns[1].node == "c");
  CHECK(r.waiting == std::vector<std::string>{"r3"});
}

TEST_CASE("a resource whose move is being journaled is granted to nobody, its failed node back included") {
  // The round found a failed (a's lease ran out) and journals web -> b; a's
  // agent, restarted, renews before the command applies: the table still
  // says a, but a must not get web (b gets it once applied).
  auto in = base();
  in.resources = {res("web", "a")};
  in.agents["a"] = agent_report{0, 0, {}};
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0] == cmd_ha_assign{"web", "b", "", "b"});
  const std::set<std::string> journaling{"web"};
  CHECK(grant_for(in.resources, "a", journaling).empty());
  CHECK(grant_for(in.resources, "a") == std::vector<std::string>{"web"});  // what it got before the fix
  CHECK(grant_for({res("web", "b")}, "b", journaling).empty());
  CHECK(grant_for({res("web", "b")}, "b") == std::vector<std::string>{"web"});  // applied: b's
  CHECK(grant_for({res("web", "a"), res("db", "a")}, "a", journaling) == std::vector<std::string>{"db"});
}

TEST_CASE("no node can take it: a refusal, nothing journaled") {
  auto in = base();
  in.nodes = {{"a", true, false, 0}, {"b", false, false, 0}};
  in.resources = {res("web", "a")};
  in.agents["a"] = agent_report{0, 0, {}};
  auto r = relocate_round(in);
  CHECK(r.assigns.empty());
  REQUIRE(r.refused.size() == 1);
  CHECK(r.refused[0].event() == "no node can take web");
}
