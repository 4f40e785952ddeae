// Tests of actors/repair/repair_planner.hpp: which repair jobs start, in what
// order, from which sources, within which limits, and when replication stops
// (guide: "Monitoring General Cluster Parameters", event table,
// mds.wd.max_offline_cs / mds.wd.max_offline_cs_hosts, "Exploring Chunk States").
#include "actors/repair/repair_planner.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace pstorage;
using namespace pstorage::repair;
using mds::chunk_state;
using mds::cs_status;

namespace {

constexpr uint64_t V = 3;

// A cluster of `n` CSs with ids 1..n, each on its own host "hN", all active.
struct fixture {
  cluster_view view;
  planner_config cfg;

  explicit fixture(uint32_t n = 6) {
    for (uint32_t i = 1; i <= n; ++i) view.css.push_back({i, cs_status::active, "h" + std::to_string(i)});
  }
  cs_status status(uint32_t id) const {
    for (const auto& c : view.css)
      if (c.cs_id == id) return c.status;
    return cs_status::active;
  }
  void set(uint32_t id, cs_status st) {
    for (auto& c : view.css)
      if (c.cs_id == id) c.status = st;
    for (auto& ch : view.chunks)
      for (auto& r : ch.replicas)
        if (r.cs_id == id) r.cs = st;
  }
  void host(uint32_t id, const std::string& h) {
    for (auto& c : view.css)
      if (c.cs_id == id) c.host_id = h;
  }
  // Adds chunk `id` with replicas=norm:min on the given CSs (statuses taken
  // from the CS table, current version).
  mds::chunk_view& add(uint64_t id, uint32_t norm, uint32_t min, std::vector<uint32_t> on) {
    mds::chunk_view c;
    c.id = id;
    c.norm = norm;
    c.min = min;
    c.version = V;
    for (uint32_t cs : on) {
      mds::replica_view r;
      r.cs_id = cs;
      r.version = V;
      r.cs = status(cs);
      c.replicas.push_back(r);
    }
    view.chunks.push_back(c);
    return view.chunks.back();
  }
  repair_plan plan() const { return plan_repairs(view, cfg); }
};

const repair_job* find_job(const repair_plan& p, uint64_t chunk, job_kind k = job_kind::replicate) {
  for (const auto& j : p.jobs)
    if (j.chunk_id == chunk && j.kind == k) return &j;
  return nullptr;
}

// Copies planned for a chunk's replicate job; 0 when there is none.
uint32_t copies_of(const repair_plan& p, uint64_t chunk) {
  const repair_job* j = find_job(p, chunk);
  return j ? j->copies : 0;
}

bool same_jobs(const repair_plan& a, const repair_plan& b) {
  if (a.jobs.size() != b.jobs.size()) return false;
  for (size_t i = 0; i < a.jobs.size(); ++i) {
    const auto &x = a.jobs[i], &y = b.jobs[i];
    if (x.chunk_id != y.chunk_id || x.kind != y.kind || x.priority != y.priority || x.copies != y.copies ||
        x.sources != y.sources || x.delete_from != y.delete_from || x.avoid_cs != y.avoid_cs ||
        x.holders != y.holders || x.reason != y.reason)
      return false;
  }
  return a.cs_load == b.cs_load && a.deferred == b.deferred && a.queued == b.queued;
}

}  // namespace

TEST_CASE("names of job kinds and priorities") {
  CHECK(std::string(to_string(job_kind::replicate)) == "replicate");
  CHECK(std::string(to_string(job_kind::delete_overcommitted)) == "delete-overcommitted");
  CHECK(std::string(to_string(job_kind::delete_stale)) == "delete-stale");
  CHECK(std::string(to_string(job_priority::pending)) == "pending");
  CHECK(std::string(to_string(job_priority::blocked)) == "blocked");
  CHECK(std::string(to_string(job_priority::urgent)) == "urgent");
  CHECK(std::string(to_string(job_priority::degraded)) == "degraded");
  CHECK(std::string(to_string(job_priority::other)) == "other");
}

TEST_CASE("a healthy cluster gets no jobs") {
  fixture f;
  f.add(1, 3, 2, {1, 2, 3});
  f.add(2, 3, 2, {4, 5, 6});
  auto p = f.plan();
  CHECK(p.health.status == mds::cluster_status::healthy);
  CHECK_FALSE(p.halted);
  CHECK(p.jobs.empty());
  CHECK(p.queued == 0);
  CHECK(p.deferred == 0);
}

TEST_CASE("degraded chunk: one copy from the survivors, avoiding every CS holding the chunk") {
  fixture f;
  f.add(7, 5, 2, {1, 2, 3, 4, 5});
  f.set(5, cs_status::offline);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  const auto& j = p.jobs[0];
  CHECK(j.chunk_id == 7);
  CHECK(j.version == V);
  CHECK(j.kind == job_kind::replicate);
  CHECK(j.priority == job_priority::degraded);
  CHECK(j.state == chunk_state::degraded);
  CHECK(j.copies == 1);
  REQUIRE(j.sources.size() == 1);
  CHECK(j.sources[0] == 1);  // all idle: lowest id
  CHECK(j.holders == std::vector<uint32_t>{1, 2, 3, 4});
  CHECK(j.avoid_cs == std::vector<uint32_t>{1, 2, 3, 4, 5});
  CHECK(j.reason.find("degraded: 4 of 5 replicas live (min 2)") == 0);
  CHECK(j.reason.find("1 new copy") != std::string::npos);
  CHECK(p.queued == 1);
}

TEST_CASE("urgent chunk: priority urgent, copies up to NORM") {
  fixture f;
  f.add(1, 5, 2, {1, 2, 3, 4, 5});
  f.set(4, cs_status::offline);
  f.set(5, cs_status::offline);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].priority == job_priority::urgent);
  CHECK(p.jobs[0].copies == 2);
  CHECK(p.jobs[0].sources == std::vector<uint32_t>{1, 2});
}

TEST_CASE("blocked chunk: priority blocked") {
  fixture f;
  f.add(1, 3, 2, {1, 2, 3});
  f.set(3, cs_status::offline);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].priority == job_priority::blocked);
  CHECK(p.jobs[0].state == chunk_state::blocked);
  CHECK(p.jobs[0].copies == 1);
  CHECK(p.jobs[0].reason.find("blocked: 2 of 3 replicas live (min 2)") == 0);
}

TEST_CASE("pending chunk: priority pending, one survivor feeds every copy") {
  fixture f;
  f.add(1, 3, 2, {1, 2, 3}).client_waiting = true;
  f.set(2, cs_status::offline);
  f.set(3, cs_status::offline);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].priority == job_priority::pending);
  CHECK(p.jobs[0].state == chunk_state::pending);
  CHECK(p.jobs[0].copies == 2);
  CHECK(p.jobs[0].sources == std::vector<uint32_t>{1, 1});
  CHECK(p.cs_load.at(1) == 2);
}

TEST_CASE("order: pending > blocked > urgent > degraded > cleanup, whatever the chunk ids") {
  fixture f(10);
  f.add(1, 3, 2, {1, 2, 3, 4});             // overcommitted -> other
  f.add(2, 5, 2, {1, 2, 3, 4, 10});         // degraded (10 goes offline)
  f.add(3, 5, 2, {5, 6, 7, 9, 10});         // urgent (9, 10 offline)
  f.add(4, 3, 2, {6, 7, 10});               // blocked
  f.add(5, 3, 2, {8, 9, 10}).client_waiting = true;  // pending
  f.set(9, cs_status::offline);
  f.set(10, cs_status::offline);
  f.cfg.health.max_offline_cs = 0;
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 5);
  CHECK(p.jobs[0].chunk_id == 5);
  CHECK(p.jobs[0].priority == job_priority::pending);
  CHECK(p.jobs[1].chunk_id == 4);
  CHECK(p.jobs[1].priority == job_priority::blocked);
  CHECK(p.jobs[2].chunk_id == 3);
  CHECK(p.jobs[2].priority == job_priority::urgent);
  CHECK(p.jobs[3].chunk_id == 2);
  CHECK(p.jobs[3].priority == job_priority::degraded);
  CHECK(p.jobs[4].chunk_id == 1);
  CHECK(p.jobs[4].priority == job_priority::other);
  CHECK(p.jobs[4].kind == job_kind::delete_overcommitted);
}

TEST_CASE("order within a priority: fewer live replicas first, then chunk id") {
  fixture f(10);
  f.cfg.max_jobs_per_cs = 100;
  f.add(30, 5, 3, {1, 2, 3, 9, 10});  // blocked, 3 live
  f.add(20, 5, 3, {1, 2, 8, 9, 10});  // blocked, 2 live
  f.add(10, 5, 3, {1, 2, 3, 9, 10});  // blocked, 3 live
  f.add(40, 5, 3, {1, 7, 8, 9, 10});  // blocked, 1 live
  f.set(8, cs_status::offline);
  f.set(9, cs_status::offline);
  f.set(10, cs_status::offline);
  f.set(7, cs_status::offline);
  f.cfg.health.max_offline_cs = 0;
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 4);
  CHECK(p.jobs[0].chunk_id == 40);
  CHECK(p.jobs[1].chunk_id == 20);
  CHECK(p.jobs[2].chunk_id == 10);
  CHECK(p.jobs[3].chunk_id == 30);
}

TEST_CASE("per-CS limit: a lone survivor serves at most max_jobs_per_cs copies") {
  fixture f;
  f.cfg.max_jobs_per_cs = 2;
  for (uint64_t id = 1; id <= 5; ++id) f.add(id, 2, 1, {1, 2});
  f.set(2, cs_status::offline);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 2);
  CHECK(p.jobs[0].chunk_id == 1);
  CHECK(p.jobs[1].chunk_id == 2);
  CHECK(p.cs_load.at(1) == 2);
  CHECK(p.deferred == 3);
  CHECK(p.queued == 5);
}

TEST_CASE("per-CS limit: running jobs (as source or target) use slots") {
  fixture f;
  f.cfg.max_jobs_per_cs = 2;
  for (uint64_t id = 1; id <= 3; ++id) f.add(id, 2, 1, {1, 2});
  f.set(2, cs_status::offline);
  f.view.running.push_back({99, job_kind::replicate, 1, {4, 1}});  // CS 1 is a target elsewhere
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.cs_load.at(1) == 2);
  CHECK(p.cs_load.at(4) == 1);
  CHECK(p.deferred == 2);
}

TEST_CASE("partial grant: a chunk gets as many copies as source slots allow") {
  fixture f;
  f.cfg.max_jobs_per_cs = 1;
  f.add(1, 3, 1, {1, 2, 3});
  f.set(2, cs_status::offline);
  f.set(3, cs_status::offline);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].copies == 1);
  CHECK(p.jobs[0].sources == std::vector<uint32_t>{1});
  CHECK(p.jobs[0].reason.find("1 more wait for source slots") != std::string::npos);
  CHECK(p.deferred == 1);
}

TEST_CASE("max_total_jobs counts running and planned jobs") {
  fixture f;
  f.cfg.max_total_jobs = 3;
  f.cfg.max_jobs_per_cs = 100;
  for (uint64_t id = 1; id <= 5; ++id) f.add(id, 2, 1, {1, 2});
  f.set(2, cs_status::offline);
  f.view.running.push_back({50, job_kind::replicate, 1, {3, 4}});
  auto p = f.plan();
  CHECK(p.jobs.size() == 2);
  CHECK(p.deferred == 3);
  f.cfg.max_total_jobs = 1;
  auto q = f.plan();
  CHECK(q.jobs.empty());
  CHECK(q.deferred == 5);
}

TEST_CASE("sources spread: the copies of one chunk read from different survivors") {
  fixture f;
  f.add(1, 5, 1, {1, 2, 3, 4, 5});
  f.set(3, cs_status::offline);
  f.set(4, cs_status::offline);
  f.set(5, cs_status::offline);
  f.cfg.health.max_offline_cs = 0;
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].copies == 3);
  CHECK(p.jobs[0].sources == std::vector<uint32_t>{1, 2, 1});
}

TEST_CASE("sources spread: many chunks pull from all survivors in parallel") {
  fixture f;
  f.cfg.max_jobs_per_cs = 10;
  for (uint64_t id = 1; id <= 6; ++id) f.add(id, 4, 1, {1, 2, 3, 6});
  f.set(6, cs_status::offline);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 6);
  std::vector<uint32_t> srcs;
  for (const auto& j : p.jobs) {
    REQUIRE(j.sources.size() == 1);
    srcs.push_back(j.sources[0]);
  }
  CHECK(srcs == std::vector<uint32_t>{1, 2, 3, 1, 2, 3});
  CHECK(p.cs_load.at(1) == 2);
  CHECK(p.cs_load.at(2) == 2);
  CHECK(p.cs_load.at(3) == 2);
}

TEST_CASE("sources: busy CSs (running jobs) are picked last") {
  fixture f;
  f.add(1, 4, 1, {1, 2, 3, 6});
  f.set(6, cs_status::offline);
  f.view.running.push_back({50, job_kind::replicate, 1, {1, 2}});
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].sources == std::vector<uint32_t>{3});
}

TEST_CASE("sources are only current-version replicas on active CSs") {
  fixture f;
  f.cfg.max_jobs_per_cs = 10;
  auto& c = f.add(1, 4, 1, {1, 2, 3, 4});
  c.replicas[0].version = V - 1;       // stale
  c.replicas[1].checksum_bad = true;   // corrupt
  f.set(4, cs_status::inactive);       // standby, not a source
  auto p = f.plan();
  auto* j = find_job(p, 1);
  REQUIRE(j);
  CHECK(j->priority == job_priority::blocked);  // 1 live of 4, min 1
  CHECK(j->sources == std::vector<uint32_t>{3, 3, 3});
  CHECK(j->holders == std::vector<uint32_t>{3});
  CHECK(j->avoid_cs == std::vector<uint32_t>{2, 3, 4});  // the stale one on CS 1 may be overwritten
}

TEST_CASE("in flight copies reduce the copies needed: running jobs or flagged replicas, not both") {
  fixture f;
  f.cfg.health.max_offline_cs = 0;
  f.add(1, 5, 1, {1, 2, 3, 4, 5});
  f.set(4, cs_status::offline);
  f.set(5, cs_status::offline);
  CHECK(copies_of(f.plan(), 1) == 2);

  f.view.running.push_back({1, job_kind::replicate, 1, {1, 6}});
  CHECK(copies_of(f.plan(), 1) == 1);
  REQUIRE(find_job(f.plan(), 1));
  CHECK(find_job(f.plan(), 1)->reason.find("1 in flight") != std::string::npos);

  // The same copy also shows as a being_replicated replica on CS 6: counted once.
  mds::replica_view r;
  r.cs_id = 6;
  r.version = V;
  r.being_replicated = true;
  f.view.chunks[0].replicas.push_back(r);
  CHECK(copies_of(f.plan(), 1) == 1);

  f.view.running.push_back({1, job_kind::replicate, 1, {2, 4}});
  CHECK(find_job(f.plan(), 1) == nullptr);
}

TEST_CASE("degraded chunk with a standby replica waits for the inactive CS") {
  fixture f;
  f.add(1, 4, 1, {1, 2, 3, 4});
  f.set(4, cs_status::inactive);
  auto p = f.plan();
  CHECK(p.jobs.empty());
  CHECK(p.queued == 0);
  f.set(4, cs_status::offline);
  CHECK(f.plan().jobs.size() == 1);
}

TEST_CASE("blocked chunk does not wait for a standby replica") {
  fixture f;
  f.add(1, 3, 2, {1, 2, 3});
  f.set(3, cs_status::inactive);
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].priority == job_priority::blocked);
}

TEST_CASE("offline chunks are unrecoverable: no source, no job") {
  fixture f;
  f.add(1, 2, 1, {1, 2});
  f.set(1, cs_status::offline);
  f.set(2, cs_status::offline);
  auto p = f.plan();
  CHECK(p.jobs.empty());
  CHECK(p.unrecoverable == 1);
  CHECK(p.queued == 0);
}

TEST_CASE("rm-cs: a chunk whose only up-to-date replica is leaving is copied from it") {
  // A release began (the replica on CS 1 is being_deleted), then the other
  // replica was dropped: no live replica is left, but the leaving one is
  // sound; without a copy from it the release could never end
  // (pstorage-sim --seed 130 --scenario data-ops).
  fixture f;
  f.add(1, 2, 1, {1}).replicas[0].being_deleted = true;
  auto p = f.plan();
  const repair_job* j = find_job(p, 1);
  REQUIRE(j != nullptr);
  CHECK(j->copies == 2);
  CHECK(j->sources == std::vector<uint32_t>{1, 1});
  CHECK(j->holders.empty());
  CHECK(j->avoid_cs == std::vector<uint32_t>{1});
  CHECK(p.unrecoverable == 0);
  CHECK(p.queued == 1);
}

TEST_CASE("a chunk whose every up-to-date replica has bad pages is copied from them") {
  // docs/chunk-versions.md, "A bad page in a copy": the copy merges their
  // good pages and carries a page bad everywhere over marked bad. Before,
  // such a chunk was unrecoverable and stayed on them for ever
  // (pstorage-sim --seed 1199 --scenario data-disk).
  fixture f;
  auto& c = f.add(1, 3, 2, {1, 2});
  c.replicas[0].checksum_bad = true;
  c.replicas[1].checksum_bad = true;
  f.add(2, 3, 2, {3}).replicas[0].checksum_bad = true;
  f.set(3, cs_status::offline);  // a bad replica on an offline CS is no source
  auto p = f.plan();
  const repair_job* j = find_job(p, 1);
  REQUIRE(j != nullptr);
  CHECK(j->kind == job_kind::replicate);
  CHECK(j->copies == 3);
  CHECK(j->sources == std::vector<uint32_t>{1, 2, 1});
  CHECK(j->avoid_cs == std::vector<uint32_t>{1, 2});
  CHECK(j->reason.find("every up-to-date replica has bad pages (2)") != std::string::npos);
  CHECK(find_job(p, 2) == nullptr);
  CHECK(p.unrecoverable == 1);
  // A replica on an inactive CS may come back with those pages good: wait.
  f.add(3, 3, 2, {1, 4}).replicas[0].checksum_bad = true;
  f.set(4, cs_status::inactive);
  f.view.chunks.back().replicas[1].version = V - 1;
  CHECK(find_job(f.plan(), 3) == nullptr);
}

TEST_CASE("a copy never goes to a CS whose lagging replica holds every acknowledged write") {
  // The target removes its leftover replica before copying; a copy that then
  // failed destroyed a good lagging replica (pstorage-sim --seed 1090
  // --scenario data-disk). A replica below the write floor may be replaced.
  fixture f;
  auto& c = f.add(1, 3, 2, {1, 2, 3});
  c.replicas[1].version = V - 1;
  c.replicas[1].holds_acked = true;
  c.replicas[2].version = V - 2;
  auto p = f.plan();
  const repair_job* j = find_job(p, 1);
  REQUIRE(j != nullptr);
  CHECK(j->avoid_cs == std::vector<uint32_t>{1, 2});
}

TEST_CASE("rm-cs: a leaving replica on an offline CS is no source") {
  fixture f;
  f.add(1, 2, 1, {1}).replicas[0].being_deleted = true;
  f.set(1, cs_status::offline);
  auto p = f.plan();
  CHECK(p.jobs.empty());
  CHECK(p.unrecoverable == 1);
}

TEST_CASE("chunks being deleted or without a file are not repaired") {
  fixture f;
  f.add(1, 3, 1, {1}).being_deleted = true;
  f.add(2, 3, 1, {1}).has_file = false;
  auto p = f.plan();
  CHECK(p.jobs.empty());
  CHECK(p.queued == 0);
}

TEST_CASE("failure stop: too many offline CSs halt all replication, saying why") {
  fixture f;
  f.add(1, 5, 2, {1, 2, 3, 4, 5});
  f.set(3, cs_status::offline);
  f.set(4, cs_status::offline);
  f.set(5, cs_status::offline);
  auto p = f.plan();
  CHECK(p.health.status == mds::cluster_status::failure);
  CHECK(p.halted);
  CHECK(p.jobs.empty());
  CHECK(p.queued == 1);
  CHECK(p.deferred == 1);
  CHECK(p.halted_reason.find("The cluster failed with 3 active, 0 inactive, 3 offline CS") == 0);
  CHECK(p.halted_reason.find("mds.wd.max_offline_cs=2") != std::string::npos);
  CHECK(p.halted_reason.find("automatic replication is disabled") != std::string::npos);
}

TEST_CASE("failure stop also holds cleanup jobs") {
  fixture f;
  f.add(1, 2, 1, {1, 2, 3});  // overcommitted
  f.set(4, cs_status::offline);
  f.set(5, cs_status::offline);
  f.set(6, cs_status::offline);
  auto p = f.plan();
  CHECK(p.halted);
  CHECK(p.jobs.empty());
}

TEST_CASE("at mds.wd.max_offline_cs offline CSs replication still runs") {
  fixture f;
  f.add(1, 5, 2, {1, 2, 3, 4, 5});
  f.set(4, cs_status::offline);
  f.set(5, cs_status::offline);
  auto p = f.plan();
  CHECK(p.health.status == mds::cluster_status::degraded);
  CHECK_FALSE(p.halted);
  CHECK(p.jobs.size() == 1);
}

TEST_CASE("mds.wd.max_offline_cs=0 never halts") {
  fixture f;
  f.cfg.health.max_offline_cs = 0;
  f.add(1, 6, 1, {1, 2, 3, 4, 5, 6});
  for (uint32_t i = 2; i <= 6; ++i) f.set(i, cs_status::offline);
  auto p = f.plan();
  CHECK_FALSE(p.halted);
  CHECK(p.jobs.size() == 1);
}

TEST_CASE("max_offline_cs_hosts: one failed host with many CSs is recovered") {
  fixture f(8);
  for (uint32_t i = 4; i <= 7; ++i) f.host(i, "big");
  f.add(1, 3, 1, {1, 4, 5});
  f.add(2, 3, 1, {2, 6, 7});
  for (uint32_t i = 4; i <= 7; ++i) f.set(i, cs_status::offline);
  auto p = f.plan();
  CHECK(p.health.offline == 4);
  CHECK(p.health.offline_hosts == 1);
  CHECK_FALSE(p.halted);
  CHECK(p.jobs.size() == 2);
}

TEST_CASE("max_offline_cs_hosts: offline CSs on more hosts than allowed halt recovery") {
  fixture f(8);
  f.host(4, "rackA-1");
  f.host(5, "rackA-1");
  f.host(6, "rackA-2");
  f.host(7, "rackA-2");
  f.add(1, 3, 1, {1, 4, 6});
  for (uint32_t i = 4; i <= 7; ++i) f.set(i, cs_status::offline);
  auto p = f.plan();
  CHECK(p.halted);
  CHECK(p.halted_reason.find("on 2 host(s)") != std::string::npos);
  CHECK(p.halted_reason.find("mds.wd.max_offline_cs_hosts=1") != std::string::npos);
  f.cfg.health.max_offline_cs_hosts = 2;
  auto q = f.plan();
  CHECK_FALSE(q.halted);
  CHECK(q.jobs.size() == 1);
}

TEST_CASE("unknown status right after a master election halts all jobs") {
  fixture f;
  f.add(1, 3, 2, {1, 2, 3});
  f.set(3, cs_status::offline);
  f.view.just_elected = true;
  auto p = f.plan();
  CHECK(p.health.status == mds::cluster_status::unknown);
  CHECK(p.halted);
  CHECK(p.jobs.empty());
  CHECK(p.halted_reason.find("master MDS was just elected") != std::string::npos);
}

TEST_CASE("overcommitted: deletes the excess, preferring a replica that shares a host") {
  fixture f;
  f.host(2, "shared");
  f.host(3, "shared");
  f.add(1, 3, 2, {1, 2, 3, 4, 5});
  auto p = f.plan();
  auto* j = find_job(p, 1, job_kind::delete_overcommitted);
  REQUIRE(j);
  CHECK(j->priority == job_priority::other);
  CHECK(j->state == chunk_state::overcommitted);
  CHECK(j->copies == 2);
  // Host-sharing replicas first (3 before 2: highest id), then highest id.
  CHECK(j->delete_from == std::vector<uint32_t>{3, 2});
  CHECK(j->sources.empty());
  CHECK(j->reason.find("overcommitted: 5 live replicas, norm 3") == 0);
}

TEST_CASE("overcommitted: without host sharing, the busiest then highest id CS loses its replica") {
  fixture f;
  f.add(1, 2, 1, {1, 2, 3});
  auto p = f.plan();
  REQUIRE(find_job(p, 1, job_kind::delete_overcommitted));
  CHECK(find_job(p, 1, job_kind::delete_overcommitted)->delete_from == std::vector<uint32_t>{3});
  f.view.running.push_back({50, job_kind::replicate, 1, {1}});
  auto q = f.plan();
  REQUIRE(find_job(q, 1, job_kind::delete_overcommitted));
  CHECK(find_job(q, 1, job_kind::delete_overcommitted)->delete_from == std::vector<uint32_t>{1});
}

TEST_CASE("overcommitted: no deletion while a copy is in flight or a deletion is running") {
  fixture f;
  f.add(1, 2, 1, {1, 2, 3});
  f.view.running.push_back({1, job_kind::replicate, 1, {1, 4}});
  CHECK(f.plan().jobs.empty());
  f.view.running = {{1, job_kind::delete_overcommitted, 0, {3}}};
  CHECK(f.plan().jobs.empty());
}

TEST_CASE("delete_stale: old-version and corrupt replicas on active CSs of a complete chunk") {
  fixture f;
  auto& c = f.add(1, 2, 1, {1, 2, 3, 4, 5});
  c.replicas[2].version = V - 1;
  c.replicas[3].checksum_bad = true;
  c.replicas[4].version = V - 2;
  f.set(5, cs_status::inactive);  // stale but unreachable: left alone
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  const auto& j = p.jobs[0];
  CHECK(j.kind == job_kind::delete_stale);
  CHECK(j.priority == job_priority::other);
  CHECK(j.delete_from == std::vector<uint32_t>{3, 4});
  CHECK(j.reason.find("1 old version, 1 checksum error") != std::string::npos);
}

TEST_CASE("delete_stale: never on an endangered chunk") {
  fixture f;
  auto& c = f.add(1, 3, 1, {1, 2, 3});
  c.replicas[2].version = V - 1;
  auto p = f.plan();
  REQUIRE(p.jobs.size() == 1);
  CHECK(p.jobs[0].kind == job_kind::replicate);
}

TEST_CASE("delete jobs respect the per-CS limit too") {
  fixture f;
  f.cfg.max_jobs_per_cs = 1;
  f.add(1, 1, 1, {1, 2});
  f.add(2, 1, 1, {1, 2});
  auto p = f.plan();
  // Chunk 1 deletes on CS 2 (highest id); chunk 2 would too, but CS 2 is
  // full, so its replica on CS 1 goes.
  REQUIRE(p.jobs.size() == 2);
  CHECK(p.jobs[0].delete_from == std::vector<uint32_t>{2});
  CHECK(p.jobs[1].delete_from == std::vector<uint32_t>{1});
  f.add(3, 1, 1, {1, 2});
  auto q = f.plan();
  CHECK(q.jobs.size() == 2);
  CHECK(q.deferred == 1);
}

TEST_CASE("determinism: the same view gives the same plan, whatever the input order") {
  fixture f(9);
  f.cfg.max_jobs_per_cs = 3;
  f.cfg.max_total_jobs = 12;
  for (uint64_t id = 1; id <= 30; ++id) {
    std::vector<uint32_t> on = {static_cast<uint32_t>(1 + id % 9), static_cast<uint32_t>(1 + (id + 3) % 9),
                                static_cast<uint32_t>(1 + (id + 6) % 9)};
    auto& c = f.add(id, id % 4 == 0 ? 4u : 3u, 2, on);
    if (id % 5 == 0) c.client_waiting = true;
  }
  f.set(9, cs_status::offline);
  f.set(5, cs_status::offline);
  auto a = f.plan();
  auto b = f.plan();
  CHECK(same_jobs(a, b));
  CHECK_FALSE(a.jobs.empty());

  fixture g = f;
  std::reverse(g.view.chunks.begin(), g.view.chunks.end());
  std::reverse(g.view.css.begin(), g.view.css.end());
  CHECK(same_jobs(a, g.plan()));
  // And the plan respects both limits.
  CHECK(a.jobs.size() <= 12);
  for (const auto& [cs, n] : a.cs_load) CHECK(n <= 3);
}
