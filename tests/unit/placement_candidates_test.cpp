// Which CSs replica placement may choose (actors/mds/placement_candidates.hpp):
// one decision for new chunks and for repair/rebalance/rm-cs (issue 15).
#include <doctest/doctest.h>

#include "actors/mds/placement_candidates.hpp"

using namespace pstorage::mds;
using namespace std::chrono_literals;

namespace {
pstorage::persistence::cs_record rec(uint32_t id, uint32_t tier = 0) {
  pstorage::persistence::cs_record r;
  r.id = id;
  r.repo_uuid = "u" + std::to_string(id);
  r.tier = tier;
  r.location = "1.2.3";
  r.host_id = "h" + std::to_string(id);
  return r;
}
const time_point t0{};
bool all_connected(uint32_t) { return true; }
const placement_cs* find(const std::vector<placement_cs>& v, uint32_t id) {
  for (auto& c : v)
    if (c.cs_id == id) return &c;
  return nullptr;
}
}  // namespace

TEST_CASE("active, connected, not released: eligible, with the registry's space, tier, location, host") {
  cs_registry reg;
  reg.on_register(rec(1025, 2), 1000, 600, "", t0);
  auto v = placement_candidates(reg, all_connected, {});
  REQUIRE(v.size() == 1);
  CHECK(v[0].active);
  CHECK(v[0].tier == 2);
  CHECK(v[0].total_bytes == 1000);
  CHECK(v[0].free_bytes == 600);
  CHECK(v[0].location == "1.2.3");
  CHECK(v[0].host_id == "h1025");
  CHECK(v[0].load == 0);
}

TEST_CASE("a CS being released by rm-cs stays registered but is not eligible") {
  cs_registry reg;
  for (uint32_t id : {1025u, 1026u, 1027u, 1028u}) reg.on_register(rec(id), 1000, 600, "", t0);
  auto v = placement_candidates(reg, all_connected, {1026});
  CHECK(v.size() == 4);
  CHECK_FALSE(find(v, 1026)->active);
  CHECK(find(v, 1025)->active);
  CHECK(find(v, 1027)->active);
}

TEST_CASE("no connection, inactive, offline: not eligible; dropped: not a candidate at all") {
  cs_registry reg({5s, 60s});
  for (uint32_t id : {1025u, 1026u, 1027u, 1028u}) reg.on_register(rec(id), 1000, 600, "", t0);
  reg.on_disconnect(1026, t0);  // inactive
  reg.mark_dropped(1027, t0);
  auto v = placement_candidates(reg, [](uint32_t id) { return id != 1028; }, {});
  CHECK(v.size() == 3);
  CHECK(find(v, 1025)->active);
  CHECK_FALSE(find(v, 1026)->active);
  CHECK(find(v, 1027) == nullptr);
  CHECK_FALSE(find(v, 1028)->active);
}

TEST_CASE("load is attached per CS") {
  cs_registry reg;
  reg.on_register(rec(1025), 1000, 600, "", t0);
  reg.on_register(rec(1026), 1000, 600, "", t0);
  auto v = placement_candidates(reg, all_connected, {}, {{1026, 7}});
  CHECK(find(v, 1025)->load == 0);
  CHECK(find(v, 1026)->load == 7);
}
