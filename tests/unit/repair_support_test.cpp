// actors/repair/repair_support.hpp: chunk views from the store + registry,
// live config from set-config values, event severities, replication and
// fill events.
#include <doctest/doctest.h>

#include "actors/repair/repair_support.hpp"

using namespace pstorage;
using namespace pstorage::repair;

namespace {
std::map<uint32_t, mds::cs_entry> registry(std::vector<std::pair<uint32_t, mds::cs_status>> v) {
  std::map<uint32_t, mds::cs_entry> out;
  for (auto [id, s] : v) {
    mds::cs_entry e;
    e.rec.id = id;
    e.rec.host_id = "h" + std::to_string(id);
    e.status = s;
    out[id] = e;
  }
  return out;
}
persistence::chunk_with_attrs chunk(uint64_t id, uint32_t norm, uint32_t min, std::vector<uint32_t> cs,
                                    uint32_t version = 1) {
  persistence::chunk_with_attrs c;
  c.chunk.id = id;
  c.chunk.version = version;
  for (auto x : cs) c.chunk.replicas.push_back({x, version});
  c.attrs.replicas_norm = norm;
  c.attrs.replicas_min = min;
  return c;
}
}  // namespace

TEST_CASE("severities follow the guide's event table") {
  CHECK(event_severity("The cluster is healthy with 3 active CS") == "info");
  CHECK(event_severity("The cluster is degraded with 2 active, 1 inactive, 0 offline CS") == "warn");
  CHECK(event_severity("The cluster failed with 1 active, 0 inactive, 3 offline CS (mds.wd.max_offline_cs=2)") == "err");
  CHECK(event_severity("The cluster is filled up to 79%") == "info");
  CHECK(event_severity("The cluster is filled up to 80%") == "warn");
  CHECK(event_severity("Replication started, 5 chunks are queued") == "info");
  CHECK(event_severity("CS#1025 has reported hard error on '/f'") == "warn");
  CHECK(event_severity("CS#1025 has not registered during the last 3 sec and is marked as offline") == "warn");
}

TEST_CASE("license events: expiry and invalid are errors, grace and the coming expiry warnings") {
  CHECK(event_severity("License PCSS.00000001.0001 is ACTIVE") == "info");
  CHECK(event_severity("No license is installed: evaluation mode, 100 GB of data") == "info");
  CHECK(event_severity("License PCSS.00000001.0001 is GRACED: it expired on 01/31/2025 00:00:00 UTC; the grace period "
                       "ends on 01/31/2025 01:00:00 UTC") == "warn");
  CHECK(event_severity("License PCSS.00000001.0001 is GRACED: data chunks use 501 GB, above the licensed 500 GB") ==
        "warn");
  CHECK(event_severity("License PCSS.00000001.0001 expires on 01/31/2025 00:00:00 UTC, in 6 days; update it with "
                       "'pstorage update-license' or load a new one") == "warn");
  CHECK(event_severity("License PCSS.00000001.0001 is EXPIRED: it expired on 01/31/2025 00:00:00 UTC") == "err");
  CHECK(event_severity("License PCSS.00000001.0001 is INVALID: its start date 01/01/2030 00:00:00 UTC is in the "
                       "future") == "err");
  CHECK(event_severity("no space for new data: license PCSS.00000001.0001 is GRACED and data chunks use 52.4 GB of "
                       "the 52.5 GB it allows") == "warn");
}

TEST_CASE("an event's SYS names where it happened: JRN, the reporting CS, else the raising MDS") {
  CHECK(event_source("MDS#2 (127.0.0.1:2520) lags behind for more than 1000 rounds", 1) == "JRN");
  CHECK(event_source("MDS#3 at 127.0.0.1:2530 became master", 3) == "JRN");
  CHECK(event_source("CS#1025 has reported hard error on '/f'", 1) == "CS#1025");
  CHECK(event_source("CS#1025 has not registered during the last 3 sec and is marked as offline", 2) == "MDS#2");
  CHECK(event_source("Replication started, 5 chunks are queued", 1) == "MDS#1");
  CHECK(event_source("The cluster is healthy with 3 active CS", 0) == "MDS");
  const auto from_mount = client_event_text(2, "node1:412:ab12", "failed replicas of chunk 5 of '/f' on CS#1025");
  CHECK(from_mount == "CL#2 (node1:412:ab12) reported failed replicas of chunk 5 of '/f' on CS#1025");
  CHECK(event_source(from_mount, 1) == "CL#2");
  CHECK(event_severity(from_mount) == "warn");
  const auto unknown = client_event_text(0, "node1:412:ab12", "a checksum error in chunk 5 of '/f' on CS#1025");
  CHECK(unknown == "Client node1:412:ab12 reported a checksum error in chunk 5 of '/f' on CS#1025");
  CHECK(event_source(unknown, 1) == "client");
}

TEST_CASE("set-config values map onto the live tunables") {
  mds::cluster_params p;
  auto d = make_live_config(p);
  CHECK(d.liveness.offline_after == std::chrono::milliseconds(300000));
  CHECK(d.verify_chunks == 2);
  CHECK(d.planner.health.max_offline_cs == 2);
  p.set({"mds.wd.offline_tout", 3000});
  p.set({"mds.alloc.fill_margin", 10});
  p.set({"mds.repl.max_jobs_per_cs", 7});
  p.set({"mds.wd.max_offline_cs", 0});
  p.set({"mds.wd.verify_chunks", 60});
  p.set({"mds.alloc.strict_failure_domain", 0});
  p.set({"mds.repl.rebalance_threshold", 25});
  p.set({"mds.repl.rebalance_jobs", 0});
  p.set({"mds.repl.bandwidth", 1 << 20});
  auto c = make_live_config(p);
  CHECK(d.rebalance.threshold_percent == 10);
  CHECK(d.rebalance.max_moves == 2);
  CHECK(c.rebalance.threshold_percent == 25);
  CHECK(c.rebalance.max_moves == 0);
  CHECK(c.rebalance.max_jobs_per_cs == 7);
  CHECK(c.bandwidth == 1u << 20);
  CHECK(c.liveness.offline_after == std::chrono::milliseconds(3000));
  CHECK(c.placement.fill_margin_percent == 10);
  CHECK_FALSE(c.placement.strict_failure_domain);
  CHECK(c.planner.max_jobs_per_cs == 7);
  CHECK(c.planner.health.max_offline_cs == 0);
  CHECK(c.verify_chunks == 60);
}

TEST_CASE("chunk views: offline replicas are lost, copies in flight replicate, releasing replicas evacuate") {
  auto css = registry({{1, mds::cs_status::active},
                       {2, mds::cs_status::active},
                       {3, mds::cs_status::offline},
                       {4, mds::cs_status::active}});
  std::vector<persistence::chunk_with_attrs> chunks{chunk(10, 4, 1, {1, 2, 3, 4}), chunk(11, 3, 2, {1, 2, 4}),
                                                    chunk(12, 2, 1, {1, 2, 4})};
  work_in_progress wip;
  auto v = build_chunk_views(chunks, css, wip);
  REQUIRE(v.size() == 3);
  CHECK(mds::classify(v[0]) == mds::chunk_state::degraded);
  CHECK(mds::classify(v[1]) == mds::chunk_state::healthy);
  CHECK(mds::classify(v[2]) == mds::chunk_state::overcommitted);

  wip.copying[10] = {5};
  wip.deleting[12] = {4};
  v = build_chunk_views(chunks, css, wip);
  CHECK(mds::classify(v[0]) == mds::chunk_state::replicating);
  CHECK(mds::classify(v[2]) == mds::chunk_state::deleting);

  work_in_progress rel;
  rel.releasing = {4};
  v = build_chunk_views(chunks, css, rel);
  CHECK(mds::classify(v[1]) == mds::chunk_state::blocked);  // 2 of 3 left, MIN 2: "equal or below the minimum"
  CHECK(mds::tally(v[1]).live == 2);

}

TEST_CASE("chunk views for stat: inside a hold, replicas at or above the hold's starting version stay live") {
  auto css = registry({{1, mds::cs_status::active}, {2, mds::cs_status::active}, {3, mds::cs_status::active}});
  // A move of a 2-replica chunk at v4 from CS#2 to CS#3: the copy's fence
  // took the chunk to v5, the copy was confirmed at v5 on CS#1 and CS#3, the
  // drop of CS#2 took the chunk to v6; its replicas are recorded at v5 until
  // the drop round's confirm. A replica stale before the hold (CS#2 at v3
  // here) stays stale.
  persistence::chunk_with_attrs c;
  c.chunk.id = 20;
  c.chunk.version = 6;
  c.chunk.replicas = {{1, 5}, {3, 5}};
  c.attrs.replicas_norm = 2;
  c.attrs.replicas_min = 1;
  work_in_progress wip;
  auto v = build_chunk_views({c}, css, wip);
  REQUIRE(v.size() == 1);
  CHECK(mds::classify(v[0]) == mds::chunk_state::offline);  // what stat showed before hold_floor
  std::map<uint64_t, uint64_t> floor{{20, 4}};
  v = build_chunk_views({c}, css, wip, &floor);
  CHECK(mds::tally(v[0]).live == 2);
  CHECK(mds::classify(v[0]) == mds::chunk_state::healthy);
  c.chunk.replicas = {{1, 5}, {2, 3}};
  wip.copying[20] = {3};
  v = build_chunk_views({c}, css, wip, &floor);
  CHECK(mds::tally(v[0]).live == 1);
  CHECK(mds::classify(v[0]) == mds::chunk_state::blocked);  // 1 of 2 at MIN 1, the stale one not counted
  v = build_chunk_views({c}, css, wip);  // the planners' view; stat's once the hold ended unconfirmed
  CHECK(mds::classify(v[0]) == mds::chunk_state::offline);
}

TEST_CASE("replication events: started once, completed once, in order") {
  replication_tracker t;
  CHECK_FALSE(t.update(0, 0));
  auto a = t.update(5, 0);
  REQUIRE(a);
  CHECK(*a == "Replication started, 5 chunks are queued");
  CHECK_FALSE(t.update(3, 2));
  CHECK_FALSE(t.update(0, 1));
  auto b = t.update(0, 0);
  REQUIRE(b);
  CHECK(*b == "Replication completed");
  CHECK_FALSE(t.update(0, 0));
}

TEST_CASE("rebalancing events: started once, completed once with the chunks moved in the episode") {
  using namespace std::chrono_literals;
  rebalance_tracker t(3s);
  const rebalance_tracker::time_point t0{};
  CHECK_FALSE(t.update(0, 0, 4, t0));
  auto a = t.update(2, 0, 4, t0);
  REQUIRE(a);
  CHECK(*a == "Rebalancing started");
  CHECK(t.active());
  CHECK_FALSE(t.update(0, 2, 5, t0 + 1s));
  CHECK_FALSE(t.update(1, 1, 6, t0 + 2s));
  // Idle, but not for the quiet period yet: still the same episode.
  CHECK_FALSE(t.update(0, 0, 8, t0 + 3s));
  CHECK_FALSE(t.update(0, 0, 8, t0 + 5s));
  CHECK(t.active());
  auto b = t.update(0, 0, 9, t0 + 6s);
  REQUIRE(b);
  CHECK(*b == "Rebalancing completed, 5 chunks moved");
  CHECK_FALSE(t.active());
  CHECK_FALSE(t.update(0, 0, 9, t0 + 20s));
  CHECK(event_severity(*b) == "info");
}

TEST_CASE("rebalancing events: a move found on the next heartbeat's figures stays in the episode") {
  using namespace std::chrono_literals;
  rebalance_tracker t(3s);
  const rebalance_tracker::time_point t0{};
  REQUIRE(t.update(2, 0, 0, t0));
  CHECK_FALSE(t.update(0, 0, 6, t0 + 10s));  // idle from here: a stale estimate says balanced
  CHECK_FALSE(t.update(1, 0, 6, t0 + 10250ms));  // the next heartbeat says otherwise: no new "started"
  CHECK_FALSE(t.update(0, 1, 6, t0 + 11s));
  CHECK_FALSE(t.update(0, 0, 7, t0 + 12s));  // the idle clock starts again
  CHECK_FALSE(t.update(0, 0, 7, t0 + 14s));
  auto b = t.update(0, 0, 7, t0 + 15s);
  REQUIRE(b);
  CHECK(*b == "Rebalancing completed, 7 chunks moved");
}

TEST_CASE("fill events per decade from 50%, warn at 80%") {
  fill_tracker f;
  CHECK_FALSE(f.update(100, 90));
  auto a = f.update(100, 45);
  REQUIRE(a);
  CHECK(*a == "The cluster is filled up to 55%");
  CHECK_FALSE(f.update(100, 42));
  auto b = f.update(100, 19);
  REQUIRE(b);
  CHECK(*b == "The cluster is filled up to 81%");
  CHECK(event_severity(*b) == "warn");
  CHECK_FALSE(f.update(100, 50));  // falling: silent
}
