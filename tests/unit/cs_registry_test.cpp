// The MDS's CS liveness state machine (actors/mds/cs_registry.hpp).
#include <doctest/doctest.h>

#include "actors/mds/cs_registry.hpp"

using namespace pstorage::mds;
using namespace std::chrono_literals;

namespace {
pstorage::persistence::cs_record rec(uint32_t id, const std::string& uuid = "u") {
  pstorage::persistence::cs_record r;
  r.id = id;
  r.repo_uuid = uuid;
  return r;
}
const time_point t0{};
}  // namespace

TEST_CASE("registration makes a CS active and reports it once") {
  cs_registry reg({5s, 60s});
  auto ev = reg.on_register(rec(1025), 100, 50, "C", t0);
  REQUIRE(ev);
  CHECK(ev->to == cs_status::active);
  CHECK(ev->text == "CS#1025 is active");
  CHECK_FALSE(reg.on_register(rec(1025), 100, 50, "C", t0 + 1s));
  CHECK(reg.count(cs_status::active) == 1);
}

TEST_CASE("classify_register tells new, known, copied and unknown repositories apart") {
  cs_registry reg;
  reg.on_register(rec(1025, "a"), 1, 1, "", t0);
  CHECK(reg.classify_register(0, "x") == cs_registry::match::new_cs);
  CHECK(reg.classify_register(1025, "a") == cs_registry::match::known);
  CHECK(reg.classify_register(1025, "b") == cs_registry::match::uuid_mismatch);
  CHECK(reg.classify_register(1099, "a") == cs_registry::match::unknown_id);
}

TEST_CASE("missed heartbeats: inactive after inactive_after, offline after offline_after more") {
  cs_registry reg({5s, 60s});
  reg.on_register(rec(1025), 1, 1, "", t0);
  CHECK(reg.tick(t0 + 4s).empty());
  auto evs = reg.tick(t0 + 5s);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].text == "CS#1025 has not registered during the last 5 sec and is marked as inactive");
  CHECK(reg.tick(t0 + 64s).empty());
  evs = reg.tick(t0 + 65s);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].to == cs_status::offline);
  CHECK(evs[0].text == "CS#1025 has not registered during the last 65 sec and is marked as offline");
  CHECK(reg.tick(t0 + 500s).empty());
}

TEST_CASE("heartbeats keep a CS active and revive an inactive one") {
  cs_registry reg({5s, 60s});
  reg.on_register(rec(1025), 1, 1, "", t0);
  std::optional<cs_event> changed;
  for (int s = 1; s < 30; ++s) {
    CHECK(reg.on_heartbeat(1025, 10, 5, "C", t0 + std::chrono::seconds(s), &changed));
    CHECK_FALSE(changed);
    CHECK(reg.tick(t0 + std::chrono::seconds(s)).empty());
  }
  CHECK(reg.find(1025)->free_bytes == 5);
  REQUIRE(reg.tick(t0 + 40s).size() == 1);
  CHECK(reg.on_heartbeat(1025, 10, 5, "C", t0 + 41s, &changed));
  REQUIRE(changed);
  CHECK(changed->to == cs_status::active);
}

TEST_CASE("a lost connection makes the CS inactive at once; unknown ids are refused") {
  cs_registry reg({5s, 60s});
  reg.on_register(rec(1025), 1, 1, "", t0);
  auto ev = reg.on_disconnect(1025, t0 + 1s);
  REQUIRE(ev);
  CHECK(ev->to == cs_status::inactive);
  CHECK_FALSE(reg.on_disconnect(1025, t0 + 2s));
  CHECK_FALSE(reg.on_heartbeat(4242, 1, 1, "", t0, nullptr));
}

TEST_CASE("after an MDS restart loaded CSs start inactive; dropped ones stay dropped") {
  cs_registry reg({5s, 60s});
  auto a = rec(1025);
  auto b = rec(1026);
  b.dropped = true;
  reg.load({a, b}, t0);
  CHECK(reg.find(1025)->status == cs_status::inactive);
  CHECK(reg.find(1026)->status == cs_status::dropped);
  CHECK(reg.classify_register(1026, "u") == cs_registry::match::unknown_id);
  auto evs = reg.tick(t0 + 60s);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].cs_id == 1025);
  CHECK(evs[0].to == cs_status::offline);
}

TEST_CASE("a repeated registration without id maps to the same CS (found by the simulator, seed 10)") {
  cs_registry reg;
  reg.on_register(rec(1025, "repo-a"), 1, 1, "", t0);
  uint32_t existing = 0;
  CHECK(reg.classify_register(0, "repo-a", &existing) == cs_registry::match::known);
  CHECK(existing == 1025);
  CHECK(reg.classify_register(0, "repo-b", &existing) == cs_registry::match::new_cs);
}

TEST_CASE("adjust_free: the MDS's estimate of a move, within 0..total, until the next heartbeat") {
  cs_registry reg({5s, 60s});
  reg.on_register(rec(1025), 100, 50, "", t0);
  reg.adjust_free(1025, -20);
  CHECK(reg.find(1025)->free_bytes == 30);
  reg.adjust_free(1025, -40);
  CHECK(reg.find(1025)->free_bytes == 0);
  reg.adjust_free(1025, 500);
  CHECK(reg.find(1025)->free_bytes == 100);
  reg.adjust_free(9999, 1);  // unknown: ignored
  reg.on_heartbeat(1025, 100, 42, "", t0 + 1s, nullptr);
  CHECK(reg.find(1025)->free_bytes == 42);
}

// docs/monitoring.md: the master keeps each CS's latest heartbeat figures
// (CsInfo.io) and sums the active CSs' rates for the guide's IO line.
TEST_CASE("heartbeat I/O figures are kept per CS, summed over active CSs, dropped when a CS goes inactive") {
  cs_registry reg({5s, 60s});
  reg.on_register(rec(1025, "a"), 1, 1, "", t0);
  reg.on_register(rec(1026, "b"), 1, 1, "", t0);
  cs_io_figures a;
  a.read_bytes_per_s = 1000;
  a.write_bytes_per_s = 2000;
  a.read_ops_per_s = 1.5;
  a.write_ops_per_s = 2.5;
  a.latency_avg_us = 700;
  a.latency_max_us = 9000;
  a.queue_depth = 0.25;
  a.iowait_percent = 12.5;
  cs_io_figures b = a;
  b.read_bytes_per_s = 10;
  reg.record_io(1025, a);
  reg.record_io(1026, b);
  reg.record_io(4711, a);  // unknown: ignored
  CHECK(reg.find(1025)->io.latency_max_us == 9000);
  CHECK(reg.find(1025)->io.iowait_percent == 12.5);
  auto t = reg.io_totals();
  CHECK(t.read_bytes_per_s == 1010);
  CHECK(t.write_bytes_per_s == 4000);
  CHECK(t.read_ops_per_s == doctest::Approx(3.0));
  CHECK(t.write_ops_per_s == doctest::Approx(5.0));
  reg.on_disconnect(1026, t0 + 1s);
  CHECK(reg.find(1026)->io.read_bytes_per_s == 0);
  reg.record_io(1026, b);  // not active: ignored
  CHECK(reg.find(1026)->io.read_bytes_per_s == 0);
  CHECK(reg.io_totals().read_bytes_per_s == 1000);
}
