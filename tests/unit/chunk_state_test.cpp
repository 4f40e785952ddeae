// Tests of actors/mds/chunk_state.hpp: the guide's chunk states ("Exploring
// Chunk States"), the `Chunks:` line of `pstorage top` and the cluster status
// ("Monitoring General Cluster Parameters", event table).
#include "actors/mds/chunk_state.hpp"

#include <doctest/doctest.h>

using namespace pstorage::mds;

namespace {

constexpr uint64_t V = 7;  // current chunk version in these tests

replica_view rep(uint32_t cs, cs_status st = cs_status::active, uint64_t version = V) {
  replica_view r;
  r.cs_id = cs;
  r.version = version;
  r.cs = st;
  return r;
}

// A chunk with `live` sound current replicas on active CSs 1025, 1026, ...
chunk_view chunk(uint32_t norm, uint32_t min, uint32_t live) {
  chunk_view c;
  c.id = 1;
  c.norm = norm;
  c.min = min;
  c.version = V;
  for (uint32_t i = 0; i < live; ++i) c.replicas.push_back(rep(1025 + i));
  return c;
}

}  // namespace

TEST_CASE("state names are the guide's words") {
  CHECK(std::string(to_string(chunk_state::healthy)) == "healthy");
  CHECK(std::string(to_string(chunk_state::degraded)) == "degraded");
  CHECK(std::string(to_string(chunk_state::urgent)) == "urgent");
  CHECK(std::string(to_string(chunk_state::blocked)) == "blocked");
  CHECK(std::string(to_string(chunk_state::offline)) == "offline");
  CHECK(std::string(to_string(chunk_state::replicating)) == "replicating");
  CHECK(std::string(to_string(chunk_state::overcommitted)) == "overcommitted");
  CHECK(std::string(to_string(chunk_state::deleting)) == "deleting");
  CHECK(std::string(to_string(chunk_state::void_)) == "void");
  CHECK(std::string(to_string(chunk_state::pending)) == "pending");
  CHECK(std::string(to_string(chunk_state::standby)) == "standby");
}

TEST_CASE("healthy: exactly NORM live replicas") {
  CHECK(classify(chunk(3, 2, 3)) == chunk_state::healthy);
  CHECK(classify(chunk(5, 2, 5)) == chunk_state::healthy);
}

TEST_CASE("healthy: replicas=1:1 chunk with its single replica is not blocked") {
  CHECK(classify(chunk(1, 1, 1)) == chunk_state::healthy);
  CHECK(classify(chunk(2, 2, 2)) == chunk_state::healthy);
}

TEST_CASE("degraded: below NORM but at least two above MIN") {
  CHECK(classify(chunk(5, 2, 4)) == chunk_state::degraded);
  CHECK(classify(chunk(4, 1, 3)) == chunk_state::degraded);
}

TEST_CASE("urgent: one replica above the blocking limit") {
  CHECK(classify(chunk(5, 2, 3)) == chunk_state::urgent);
  CHECK(classify(chunk(4, 1, 2)) == chunk_state::urgent);
}

TEST_CASE("blocked: live replicas equal to or below MIN (states table reading)") {
  CHECK(classify(chunk(3, 2, 2)) == chunk_state::blocked);
  CHECK(classify(chunk(3, 2, 1)) == chunk_state::blocked);
  CHECK(classify(chunk(2, 1, 1)) == chunk_state::blocked);
  CHECK(classify(chunk(5, 2, 2)) == chunk_state::blocked);
}

TEST_CASE("block_at_min=false: blocked only below MIN, urgent at MIN") {
  chunk_policy below{false};
  CHECK(classify(chunk(3, 2, 2), below) == chunk_state::urgent);
  CHECK(classify(chunk(3, 2, 1), below) == chunk_state::blocked);
  CHECK(classify(chunk(2, 1, 1), below) == chunk_state::urgent);
  CHECK(classify(chunk(5, 2, 4), below) == chunk_state::degraded);
  CHECK(classify(chunk(3, 3, 2), below) == chunk_state::blocked);
  CHECK(classify(chunk(3, 3, 0), below) == chunk_state::offline);
  CHECK(blocking_threshold(chunk(3, 2, 0), below) == 1);
  CHECK(blocking_threshold(chunk(3, 2, 0)) == 2);
}

TEST_CASE("blocked chunks refuse writes but allow reads") {
  CHECK_FALSE(writes_allowed(chunk_state::blocked));
  CHECK(reads_allowed(chunk_state::blocked));
  CHECK_FALSE(writes_allowed(chunk_state::pending));
  CHECK(reads_allowed(chunk_state::pending));
  CHECK_FALSE(writes_allowed(chunk_state::offline));
  CHECK_FALSE(reads_allowed(chunk_state::offline));
  for (auto s : {chunk_state::healthy, chunk_state::degraded, chunk_state::urgent, chunk_state::replicating,
                 chunk_state::overcommitted, chunk_state::standby, chunk_state::void_}) {
    CHECK(writes_allowed(s));
    CHECK(reads_allowed(s));
  }
}

TEST_CASE("pending: blocked and a client waits for the replication") {
  auto c = chunk(3, 2, 1);
  c.client_waiting = true;
  CHECK(classify(c) == chunk_state::pending);
  auto h = chunk(3, 2, 3);
  h.client_waiting = true;
  CHECK(classify(h) == chunk_state::healthy);
  auto u = chunk(5, 2, 3);
  u.client_waiting = true;
  CHECK(classify(u) == chunk_state::urgent);
}

TEST_CASE("offline: no active replica") {
  chunk_view c = chunk(3, 2, 0);
  c.replicas = {rep(1, cs_status::offline), rep(2, cs_status::offline), rep(3, cs_status::dropped)};
  CHECK(classify(c) == chunk_state::offline);
  c.replicas = {rep(1, cs_status::inactive), rep(2, cs_status::inactive)};
  CHECK(classify(c) == chunk_state::offline);
  c.replicas.clear();
  CHECK(classify(c) == chunk_state::offline);
}

TEST_CASE("offline: only stale-version replicas on active CSs do not count") {
  chunk_view c = chunk(3, 2, 0);
  c.replicas = {rep(1, cs_status::active, V - 1), rep(2, cs_status::active, V - 2)};
  CHECK(classify(c) == chunk_state::offline);
  CHECK(tally(c).stale == 2);
}

TEST_CASE("only replicas with the chunk's version count as current") {
  chunk_view c = chunk(3, 1, 2);
  c.replicas.push_back(rep(9, cs_status::active, V - 1));
  CHECK(tally(c).live == 2);
  CHECK(classify(c) == chunk_state::urgent);  // 3:1, 2 live: one above blocking
  c.replicas.back().version = V;
  CHECK(classify(c) == chunk_state::healthy);
}

TEST_CASE("replicas with a checksum error, being deleted or on dropped CSs are not live") {
  chunk_view c = chunk(3, 1, 3);
  c.replicas[0].checksum_bad = true;
  CHECK(tally(c).live == 2);
  c.replicas[1].cs = cs_status::dropped;
  CHECK(tally(c).live == 1);
  CHECK(classify(c) == chunk_state::blocked);
}

TEST_CASE("replicating: a copy is in progress") {
  chunk_view c = chunk(4, 1, 3);
  auto r = rep(9);
  r.being_replicated = true;
  c.replicas.push_back(r);
  CHECK(tally(c).live == 3);
  CHECK(classify(c) == chunk_state::replicating);
}

TEST_CASE("overcommitted: more live replicas than NORM") {
  CHECK(classify(chunk(3, 2, 4)) == chunk_state::overcommitted);
  CHECK(classify(chunk(1, 1, 2)) == chunk_state::overcommitted);
}

TEST_CASE("deleting: chunk being deleted or owned by no file, whatever its replicas") {
  auto c = chunk(3, 2, 3);
  c.being_deleted = true;
  CHECK(classify(c) == chunk_state::deleting);
  auto o = chunk(3, 2, 0);
  o.has_file = false;
  CHECK(classify(o) == chunk_state::deleting);  // beats offline
}

TEST_CASE("deleting: an excess replica is being removed after decreasing replicas") {
  auto c = chunk(2, 1, 2);
  auto r = rep(9);
  r.being_deleted = true;
  c.replicas.push_back(r);
  CHECK(classify(c) == chunk_state::deleting);
}

TEST_CASE("void: a replica whose state cannot be parsed") {
  auto c = chunk(3, 1, 3);
  auto r = rep(9);
  r.state_unknown = true;
  c.replicas.push_back(r);
  CHECK(classify(c) == chunk_state::void_);
  CHECK(tally(c).unknown == 1);
}

TEST_CASE("standby: a current replica on an inactive CS (inactive < offline_tout)") {
  auto c = chunk(4, 1, 3);
  c.replicas.push_back(rep(9, cs_status::inactive));
  CHECK(classify(c) == chunk_state::standby);
  CHECK(tally(c).standby == 1);
}

TEST_CASE("standby: a stale replica on an inactive CS is not standby") {
  auto c = chunk(4, 1, 3);
  c.replicas.push_back(rep(9, cs_status::inactive, V - 1));
  CHECK(tally(c).standby == 0);
  CHECK(classify(c) == chunk_state::degraded);
}

TEST_CASE("precedence: danger states beat void, replicating and standby") {
  auto c = chunk(3, 2, 1);
  auto r = rep(8);
  r.being_replicated = true;
  c.replicas.push_back(r);
  c.replicas.push_back(rep(9, cs_status::inactive));
  auto u = rep(10);
  u.state_unknown = true;
  c.replicas.push_back(u);
  CHECK(classify(c) == chunk_state::blocked);
  CHECK(danger_state(c) == chunk_state::blocked);
}

TEST_CASE("precedence: void beats replicating beats standby beats degraded") {
  auto c = chunk(5, 1, 4);
  c.replicas.push_back(rep(20, cs_status::inactive));
  CHECK(classify(c) == chunk_state::standby);
  auto r = rep(21);
  r.being_replicated = true;
  c.replicas.push_back(r);
  CHECK(classify(c) == chunk_state::replicating);
  auto u = rep(22);
  u.state_unknown = true;
  c.replicas.push_back(u);
  CHECK(classify(c) == chunk_state::void_);
  CHECK(danger_state(c) == chunk_state::degraded);
}

TEST_CASE("MIN is clamped to 1..NORM and NORM to at least 1") {
  auto c = chunk(3, 5, 2);
  CHECK(effective_min(c) == 3);
  CHECK(classify(c) == chunk_state::blocked);
  auto z = chunk(0, 0, 1);
  CHECK(effective_norm(z) == 1);
  CHECK(effective_min(z) == 1);
  CHECK(classify(z) == chunk_state::healthy);
}

TEST_CASE("count_states aggregates per state and the total") {
  std::vector<chunk_view> cs = {chunk(3, 2, 3), chunk(3, 2, 3), chunk(3, 2, 1), chunk(3, 2, 0), chunk(3, 2, 4)};
  auto n = count_states(cs);
  CHECK(n.total == 5);
  CHECK(n[chunk_state::healthy] == 2);
  CHECK(n[chunk_state::blocked] == 1);
  CHECK(n[chunk_state::offline] == 1);
  CHECK(n[chunk_state::overcommitted] == 1);
  CHECK(n[chunk_state::degraded] == 0);
}

TEST_CASE("percent: floor, never 0% for a non-zero count, 100% only when all") {
  CHECK(percent(0, 0) == 0);
  CHECK(percent(0, 10) == 0);
  CHECK(percent(10, 10) == 100);
  CHECK(percent(1, 3) == 33);
  CHECK(percent(2, 3) == 66);
  CHECK(percent(1, 1000) == 1);
  CHECK(percent(999, 1000) == 99);
  CHECK(percent(99999, 100000) == 99);
}

TEST_CASE("Chunks line reproduces the guide's sample for 431 healthy chunks") {
  chunk_counts n;
  n.add(chunk_state::healthy, 431);
  CHECK(format_chunks_line(n) ==
        "Chunks: [OK] 431 (100%) healthy,  0 (0%) degraded,  0 (0%) urgent,\n"
        "             0 (0%) blocked,  0 (0%) offline,  0 (0%) replicating,\n"
        "             0 (0%) overcommitted,  0 (0%) deleting,  0 (0%) void");
}

TEST_CASE("Chunks line: tags, indentation and the optional pending/standby line") {
  chunk_counts n;
  n.add(chunk_state::healthy, 2);
  n.add(chunk_state::blocked, 1);
  n.add(chunk_state::standby, 1);
  CHECK(std::string(chunks_tag(n)) == "[ERR]");
  CHECK(format_chunks_line(n) ==
        "Chunks: [ERR] 2 (50%) healthy,  0 (0%) degraded,  0 (0%) urgent,\n"
        "              1 (25%) blocked,  0 (0%) offline,  0 (0%) replicating,\n"
        "              0 (0%) overcommitted,  0 (0%) deleting,  0 (0%) void,\n"
        "              1 (25%) standby");

  chunk_counts w;
  w.add(chunk_state::healthy, 3);
  w.add(chunk_state::degraded, 1);
  CHECK(std::string(chunks_tag(w)) == "[WARN]");
  chunk_counts ok;
  ok.add(chunk_state::healthy);
  ok.add(chunk_state::replicating);
  ok.add(chunk_state::overcommitted);
  ok.add(chunk_state::deleting);
  CHECK(std::string(chunks_tag(ok)) == "[OK]");
  for (auto s : {chunk_state::offline, chunk_state::pending}) {
    chunk_counts e;
    e.add(s);
    CHECK(std::string(chunks_tag(e)) == "[ERR]");
  }
  for (auto s : {chunk_state::urgent, chunk_state::standby, chunk_state::void_}) {
    chunk_counts e;
    e.add(s);
    CHECK(std::string(chunks_tag(e)) == "[WARN]");
  }
  chunk_counts p;
  p.add(chunk_state::pending, 1);
  CHECK(format_chunks_line(p).find("void,\n              1 (100%) pending") != std::string::npos);
}

// ---- cluster status -------------------------------------------------------

namespace {
cs_brief cs(uint32_t id, cs_status st, std::string host = "") {
  return cs_brief{id, st, host.empty() ? "h" + std::to_string(id) : host};
}
}  // namespace

TEST_CASE("cluster healthy: all chunk servers active, with the guide's event text") {
  auto h = evaluate_cluster({cs(1, cs_status::active), cs(2, cs_status::active), cs(3, cs_status::active)}, {},
                            false);
  CHECK(h.status == cluster_status::healthy);
  CHECK(h.active == 3);
  CHECK(h.text == "The cluster is healthy with 3 active CS");
  CHECK(std::string(to_string(h.status)) == "healthy");
}

TEST_CASE("cluster degraded: an inactive chunk server") {
  auto h = evaluate_cluster({cs(1, cs_status::active), cs(2, cs_status::inactive)}, {}, false);
  CHECK(h.status == cluster_status::degraded);
  CHECK(h.text == "The cluster is degraded with 1 active, 1 inactive, 0 offline CS");
  CHECK(std::string(to_string(h.status)) == "degraded");
}

TEST_CASE("cluster degraded: offline CSs up to mds.wd.max_offline_cs") {
  auto h = evaluate_cluster({cs(1, cs_status::active), cs(2, cs_status::offline), cs(3, cs_status::offline)}, {},
                            false);
  CHECK(h.status == cluster_status::degraded);
  CHECK(h.offline == 2);
}

TEST_CASE("cluster failure: more offline CSs than mds.wd.max_offline_cs on several hosts") {
  auto h = evaluate_cluster({cs(1, cs_status::active), cs(2, cs_status::offline), cs(3, cs_status::offline),
                             cs(4, cs_status::offline)},
                            {}, false);
  CHECK(h.status == cluster_status::failure);
  CHECK(h.offline_hosts == 3);
  CHECK(h.text == "The cluster failed with 1 active, 0 inactive, 3 offline CS (mds.wd.max_offline_cs=2)");
  CHECK(std::string(to_string(h.status)) == "failure");
}

TEST_CASE("cluster failure threshold follows a configured mds.wd.max_offline_cs") {
  std::vector<cs_brief> v = {cs(1, cs_status::offline), cs(2, cs_status::offline), cs(3, cs_status::offline)};
  CHECK(evaluate_cluster(v, {3, 1}, false).status == cluster_status::degraded);
  CHECK(evaluate_cluster(v, {2, 1}, false).status == cluster_status::failure);
  CHECK(evaluate_cluster(v, {1, 1}, false).text.find("(mds.wd.max_offline_cs=1)") != std::string::npos);
}

TEST_CASE("mds.wd.max_offline_cs=0 disables the failed mode") {
  std::vector<cs_brief> v;
  for (uint32_t i = 0; i < 10; ++i) v.push_back(cs(i, cs_status::offline));
  CHECK(evaluate_cluster(v, {0, 0}, false).status == cluster_status::degraded);
}

TEST_CASE("inactive CSs never cause failure") {
  std::vector<cs_brief> v;
  for (uint32_t i = 0; i < 10; ++i) v.push_back(cs(i, cs_status::inactive));
  CHECK(evaluate_cluster(v, {}, false).status == cluster_status::degraded);
}

TEST_CASE("max_offline_cs_hosts: many offline CSs of one failed host are a normal disaster") {
  std::vector<cs_brief> v = {cs(1, cs_status::offline, "hostA"), cs(2, cs_status::offline, "hostA"),
                             cs(3, cs_status::offline, "hostA"), cs(4, cs_status::offline, "hostA"),
                             cs(5, cs_status::active, "hostB")};
  auto h = evaluate_cluster(v, {2, 1}, false);
  CHECK(h.offline == 4);
  CHECK(h.offline_hosts == 1);
  CHECK(h.status == cluster_status::degraded);
  // With no host exemption the same loss is a failure.
  CHECK(evaluate_cluster(v, {2, 0}, false).status == cluster_status::failure);
}

TEST_CASE("max_offline_cs_hosts: a failed huge domain (several hosts) stops recovery") {
  std::vector<cs_brief> v = {cs(1, cs_status::offline, "r1h1"), cs(2, cs_status::offline, "r1h1"),
                             cs(3, cs_status::offline, "r1h2"), cs(4, cs_status::offline, "r1h2"),
                             cs(5, cs_status::active, "r2h1")};
  CHECK(evaluate_cluster(v, {2, 1}, false).status == cluster_status::failure);
  CHECK(evaluate_cluster(v, {2, 2}, false).status == cluster_status::degraded);
}

TEST_CASE("cluster unknown right after a master election, whatever the CSs") {
  auto h = evaluate_cluster({cs(1, cs_status::offline), cs(2, cs_status::offline), cs(3, cs_status::offline)}, {},
                            true);
  CHECK(h.status == cluster_status::unknown);
  CHECK(h.text.empty());
  CHECK(std::string(to_string(h.status)) == "unknown");
  CHECK(evaluate_cluster({cs(1, cs_status::active)}, {}, true).status == cluster_status::unknown);
}

TEST_CASE("dropped CSs are not part of the cluster status") {
  auto h = evaluate_cluster({cs(1, cs_status::active), cs(2, cs_status::dropped), cs(3, cs_status::dropped),
                             cs(4, cs_status::dropped)},
                            {}, false);
  CHECK(h.status == cluster_status::healthy);
  CHECK(h.text == "The cluster is healthy with 1 active CS");
}

TEST_CASE("a cluster without chunk servers is healthy (no CS is inactive)") {
  auto h = evaluate_cluster({}, {}, false);
  CHECK(h.status == cluster_status::healthy);
  CHECK(h.text == "The cluster is healthy with 0 active CS");
}
