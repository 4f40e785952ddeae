// Tests of actors/repair/rebalance_planner.hpp: fill moves within a tier
// above mds.repl.rebalance_threshold only, failure domains kept, data on a
// fallback tier returned to its tier (guide: "Using Storage Tiers",
// "Automatic Data Balancing", "Recommendations on Failure Domains"),
// nothing while recovery work exists, limits, inactive CSs left alone.
#include "actors/repair/rebalance_planner.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace pstorage;
using namespace pstorage::repair;

namespace {

constexpr uint64_t MiB = 1ull << 20;
constexpr uint64_t V = 7;

// CSs with ids given, each on its own host "hN", 100 MiB, tier 0; chunks of
// 1 MiB; no reserve (margins 0) unless a test sets one.
struct fixture {
  rebalance_view view;
  rebalance_config cfg;

  fixture() {
    cfg.chunk_size = MiB;
    cfg.placement.fill_margin_percent = 0;
    cfg.placement.free_space_margin = 0;
  }
  mds::placement_cs& cs(uint32_t id, uint64_t used_mib, uint32_t tier = 0, uint64_t total_mib = 100) {
    mds::placement_cs c;
    c.cs_id = id;
    c.active = true;
    c.tier = tier;
    c.total_bytes = total_mib * MiB;
    c.free_bytes = (total_mib - used_mib) * MiB;
    c.host_id = "h" + std::to_string(id);
    view.css.push_back(c);
    return view.css.back();
  }
  mds::placement_cs& find(uint32_t id) {
    for (auto& c : view.css)
      if (c.cs_id == id) return c;
    FAIL("no CS " << id);
    return view.css.front();
  }
  rebalance_chunk& chunk(uint64_t id, std::vector<uint32_t> on, uint32_t tier = 0,
                         mds::domain_level level = mds::domain_level::host) {
    rebalance_chunk c;
    c.view.id = id;
    c.view.version = V;
    c.view.norm = static_cast<uint32_t>(on.size());
    c.view.min = 1;
    for (auto cs : on) {
      mds::replica_view r;
      r.cs_id = cs;
      r.version = V;
      c.view.replicas.push_back(r);
    }
    c.tier = tier;
    c.domain = level;
    view.chunks.push_back(c);
    return view.chunks.back();
  }
  rebalance_plan plan() const { return plan_rebalance(view, cfg); }
};

// Domain key of each CS after the plan's moves are applied, per chunk.
std::map<uint64_t, std::vector<uint32_t>> after_moves(const fixture& f, const rebalance_plan& p) {
  std::map<uint64_t, std::vector<uint32_t>> out;
  for (auto& c : f.view.chunks)
    for (auto& r : c.view.replicas) out[c.view.id].push_back(r.cs_id);
  for (auto& m : p.moves) {
    auto& v = out[m.chunk_id];
    std::replace(v.begin(), v.end(), m.from_cs, m.to_cs);
  }
  return out;
}

}  // namespace

TEST_CASE("fill: a move from the fullest to the emptiest CS when the gap exceeds the threshold") {
  fixture f;
  f.cs(1, 60);
  f.cs(2, 40);
  f.cs(3, 10);
  f.chunk(100, {1, 2});
  f.chunk(101, {1, 2});
  auto p = f.plan();
  REQUIRE(p.moves.size() == 2);
  CHECK(p.moves[0].chunk_id == 100);
  CHECK(p.moves[0].from_cs == 1);
  CHECK(p.moves[0].to_cs == 3);
  CHECK(p.moves[0].reason == move_reason::fill);
  CHECK(p.moves[0].version == V);
  CHECK(p.moves[1].chunk_id == 101);
  CHECK(p.moves[1].to_cs == 3);
  CHECK(std::string(to_string(move_reason::fill)) == "fill");
  CHECK(std::string(to_string(move_reason::tier_return)) == "tier-fallback-return");
}

TEST_CASE("fill: no move when the gap is at or below the threshold") {
  fixture f;
  f.cfg.threshold_percent = 10;
  f.cs(1, 30);
  f.cs(2, 20);  // gap exactly 10 points: not more than the threshold
  f.cs(3, 25);
  f.chunk(100, {1, 3});
  CHECK(f.plan().moves.empty());

  SUBCASE("a lower threshold allows it") {
    f.cfg.threshold_percent = 5;
    auto p = f.plan();
    REQUIRE(p.moves.size() == 1);
    CHECK(p.moves[0].from_cs == 1);
    CHECK(p.moves[0].to_cs == 2);
  }
}

TEST_CASE("fill: moves stop once the projected gap closes, and never overshoot") {
  fixture f;
  f.cfg.max_moves = 64;
  f.cfg.max_jobs_per_cs = 64;
  f.cfg.threshold_percent = 1;
  f.cs(1, 6, 0, 10);  // 60%
  f.cs(2, 0, 0, 10);  // 0%
  for (uint64_t i = 0; i < 6; ++i) f.chunk(100 + i, {1});
  auto p = f.plan();
  // 1 MiB = 10 points: 60/0 -> 50/10 -> 40/20 -> 30/30; a 4th move would
  // leave the target fuller than the source.
  CHECK(p.moves.size() == 3);
}

TEST_CASE("fill: never two replicas in one failure domain, never two on one CS") {
  fixture f;
  f.cs(1, 80);
  f.cs(2, 50);
  f.cs(3, 5);
  f.cs(4, 5);
  f.find(3).host_id = "h2";  // CS 3 shares host h2 with CS 2
  f.chunk(100, {1, 2});      // may not go to 3 (domain of 2) nor 2; 4 is fine
  f.chunk(101, {1, 4});      // may not go to 4 (holds it); 3 (host h2) is fine
  auto p = f.plan();
  for (auto& [chunk, css] : after_moves(f, p)) {
    std::set<std::string> hosts;
    for (auto cs : css) hosts.insert(f.find(cs).host_id);
    CHECK_MESSAGE(hosts.size() == css.size(), "chunk " << chunk << " shares a host");
  }
  REQUIRE(p.moves.size() == 2);
  CHECK(p.moves[0].chunk_id == 100);
  CHECK(p.moves[0].to_cs == 4);
  CHECK(p.moves[1].chunk_id == 101);
  CHECK(p.moves[1].to_cs == 3);

  SUBCASE("strict: a move between two disks of one host keeps the domain rule (issue 15)") {
    // Before placement_domains.hpp the source's own domain was refused (the
    // pair could outlive a cut-short move); the source now gives way and is
    // dropped in the copy's hold.
    fixture g;
    g.cs(1, 80);
    g.cs(2, 5);
    g.cs(3, 40);
    g.find(2).host_id = "h1";  // the emptiest CS shares host h1 with the fullest
    g.chunk(100, {1, 3});
    auto q = g.plan();
    REQUIRE(q.moves.size() == 1);
    CHECK(q.moves[0].from_cs == 1);
    CHECK(q.moves[0].to_cs == 2);
    // Not when the other replica sits on that host: 1 -> 2 would double h3;
    // the replica on 3 may go to 2 instead (within h3).
    fixture h;
    h.cs(1, 80);
    h.cs(2, 5);
    h.cs(3, 40);
    h.find(2).host_id = "h3";  // CS 2 shares host h3 with CS 3
    h.chunk(100, {1, 3});
    auto r = h.plan();
    REQUIRE(r.moves.size() == 1);
    CHECK(r.moves[0].from_cs == 3);
    CHECK(r.moves[0].to_cs == 2);
  }
  SUBCASE("rack level: a CS in another rack only") {
    fixture g;
    g.cs(1, 80).location = "0.0.1";
    g.cs(2, 50).location = "0.0.2";
    g.cs(3, 5).location = "0.0.2";  // emptiest but in the rack of CS 2
    g.cs(4, 30).location = "0.0.3";
    g.chunk(100, {1, 2}, 0, mds::domain_level::rack);
    auto q = g.plan();
    REQUIRE(q.moves.size() == 1);
    CHECK(q.moves[0].to_cs == 4);
  }
  SUBCASE("advisory policy: a chunk already sharing a domain may move within it, no more sharing added") {
    fixture g;
    g.cfg.placement.strict_failure_domain = false;
    g.cs(1, 80);
    g.cs(2, 50);
    g.cs(3, 5);
    g.find(2).host_id = "h1";  // 1 and 2 share a host already
    g.find(3).host_id = "h1";
    g.chunk(100, {1, 2});      // distinct domains: 1; moving 1 -> 3 keeps 1
    auto q = g.plan();
    REQUIRE(q.moves.size() == 1);
    CHECK(q.moves[0].to_cs == 3);
    fixture h;
    h.cfg.placement.strict_failure_domain = false;
    h.cs(1, 80);
    h.cs(2, 10);
    h.cs(3, 5);
    h.cs(4, 10);
    h.find(3).host_id = "h2";
    h.chunk(100, {1, 2, 4});   // 3 domains; 1 -> 3 would share h2 with 2
    CHECK(h.plan().moves.empty());
  }
}

TEST_CASE("fill: never across tiers") {
  fixture f;
  f.cs(1, 90, 1);
  f.cs(2, 80, 1);
  f.cs(3, 0, 2);  // empty, but tier 2
  f.chunk(100, {1, 2}, 1);
  CHECK(f.plan().moves.empty());
  f.cs(4, 10, 1);
  auto p = f.plan();
  REQUIRE(p.moves.size() == 1);
  CHECK(p.moves[0].to_cs == 4);
}

TEST_CASE("tier-fallback return: a replica placed on a fallback tier goes back when its tier has room") {
  fixture f;
  f.cs(1, 99, 2, 100);  // tier 2, full
  f.cs(2, 99, 2, 100);
  f.cs(3, 10, 1);       // fallback tier 1
  f.cs(4, 10, 1);
  f.chunk(100, {3, 4}, 2);  // wanted tier 2, sits on tier 1
  f.cfg.placement.fill_margin_percent = 5;
  CHECK(f.plan().moves.empty());  // tier 2 has no room above its reserve

  f.cs(5, 0, 2);  // space appears in tier 2
  auto p = f.plan();
  REQUIRE(p.moves.size() == 1);
  CHECK(p.moves[0].reason == move_reason::tier_return);
  CHECK(p.moves[0].from_cs == 3);
  CHECK(p.moves[0].to_cs == 5);

  SUBCASE("one move per chunk per plan; the next plan moves the other replica") {
    f.view.chunks[0].view.replicas[0].cs_id = 5;  // the first move done
    f.cs(6, 0, 2);
    auto q = f.plan();
    REQUIRE(q.moves.size() == 1);
    CHECK(q.moves[0].from_cs == 4);
    CHECK(q.moves[0].to_cs == 6);  // 5 holds it now
    CHECK(q.moves[0].reason == move_reason::tier_return);
  }
  SUBCASE("tier returns come before fill moves") {
    f.cs(7, 90, 0);
    f.cs(8, 0, 0);
    f.cs(9, 10, 0);
    f.chunk(50, {7, 9}, 0);  // would be a fill move 7 -> 8 (lower chunk id)
    f.cfg.max_moves = 1;
    auto q = f.plan();
    REQUIRE(q.moves.size() == 1);
    CHECK(q.moves[0].reason == move_reason::tier_return);
    CHECK(q.moves[0].chunk_id == 100);
  }
}

TEST_CASE("nothing while recovery work exists, nothing with rebalance_jobs=0") {
  fixture f;
  f.cs(1, 90);
  f.cs(2, 0);
  f.chunk(100, {1});
  REQUIRE(f.plan().moves.size() == 1);
  f.view.recovery_work = 3;
  auto p = f.plan();
  CHECK(p.moves.empty());
  CHECK(p.idle_reason.find("recovery") != std::string::npos);
  f.view.recovery_work = 0;
  f.cfg.max_moves = 0;
  p = f.plan();
  CHECK(p.moves.empty());
  CHECK(p.idle_reason.find("disabled") != std::string::npos);
}

TEST_CASE("only healthy chunks move") {
  fixture f;
  f.cs(1, 90);
  f.cs(2, 50);
  f.cs(3, 0);
  SUBCASE("below norm") { f.chunk(100, {1}).view.norm = 2; }
  SUBCASE("above norm") { f.chunk(100, {1, 2}).view.norm = 1; }
  SUBCASE("stale replica") { f.chunk(100, {1, 2}).view.replicas[1].version = V - 1; }
  SUBCASE("copy in flight") { f.chunk(100, {1, 2}).view.replicas[0].being_replicated = true; }
  SUBCASE("deletion in flight") { f.chunk(100, {1, 2}).view.replicas[1].being_deleted = true; }
  SUBCASE("bad checksum") { f.chunk(100, {1, 2}).view.replicas[0].checksum_bad = true; }
  SUBCASE("file deleted") { f.chunk(100, {1, 2}).view.being_deleted = true; }
  CHECK(f.plan().moves.empty());
}

TEST_CASE("limits: rebalance_jobs and max_jobs_per_cs") {
  fixture f;
  f.cfg.max_moves = 3;
  f.cfg.max_jobs_per_cs = 2;
  f.cfg.threshold_percent = 1;
  f.cs(1, 90);
  f.cs(2, 80);
  f.cs(3, 0);
  f.cs(4, 0);
  for (uint64_t i = 0; i < 20; ++i) f.chunk(100 + i, {i % 2 ? 1u : 2u});
  auto p = f.plan();
  CHECK(p.moves.size() == 3);
  std::map<uint32_t, int> per_cs;
  for (auto& m : p.moves) ++per_cs[m.from_cs], ++per_cs[m.to_cs];
  for (auto& [cs, n] : per_cs) CHECK_MESSAGE(n <= 2, "CS#" << cs << " in " << n << " moves");

  SUBCASE("running moves count against rebalance_jobs") {
    f.view.running_moves = 2;
    CHECK(f.plan().moves.size() == 1);
    f.view.running_moves = 3;
    auto q = f.plan();
    CHECK(q.moves.empty());
    CHECK_FALSE(q.idle_reason.empty());
  }
  SUBCASE("jobs already running on a CS use its slots") {
    f.cfg.threshold_percent = 20;  // 1 -> 2 (90% -> 80%) not wanted
    f.find(3).load = 2;
    f.find(4).load = 2;
    CHECK(f.plan().moves.empty());
    f.find(4).load = 1;
    auto q = f.plan();
    REQUIRE(q.moves.size() == 1);
    CHECK(q.moves[0].to_cs == 4);
  }
}

TEST_CASE("inactive CSs neither give nor take") {
  fixture f;
  f.cs(1, 90);
  f.cs(2, 50);
  f.cs(3, 0).active = false;
  f.chunk(100, {1, 2});
  CHECK(f.plan().moves.empty());  // the only target is inactive
  f.find(3).active = true;
  f.find(2).active = false;       // a replica on an inactive CS: not healthy
  CHECK(f.plan().moves.empty());
}

TEST_CASE("target keeps its reserve (fill margins)") {
  fixture f;
  f.cs(1, 95);
  f.cs(2, 0, 0, 10);  // 10 MiB free: fits without reserve
  f.chunk(100, {1});
  REQUIRE(f.plan().moves.size() == 1);
  f.cfg.placement.free_space_margin = 10 * MiB;  // reserve 10 MiB: no room
  CHECK(f.plan().moves.empty());
}

TEST_CASE("deterministic: the same view gives the same moves") {
  fixture f;
  f.cfg.max_moves = 8;
  f.cfg.max_jobs_per_cs = 8;
  for (uint32_t i = 1; i <= 6; ++i) f.cs(i, 10 * i);
  for (uint64_t k = 0; k < 30; ++k) f.chunk(1000 - k, {static_cast<uint32_t>(k % 6 + 1), static_cast<uint32_t>((k + 1) % 6 + 1)});
  auto a = f.plan(), b = f.plan();
  REQUIRE(a.moves.size() == b.moves.size());
  CHECK(!a.moves.empty());
  for (size_t i = 0; i < a.moves.size(); ++i) {
    CHECK(a.moves[i].chunk_id == b.moves[i].chunk_id);
    CHECK(a.moves[i].from_cs == b.moves[i].from_cs);
    CHECK(a.moves[i].to_cs == b.moves[i].to_cs);
  }
}

TEST_CASE("rule 7: a replica just moved is no move's source; the chunk's other replicas still move") {
  fixture f;
  f.cs(1, 80);
  f.cs(2, 60);
  f.cs(3, 5);
  f.chunk(100, {1, 2}).pinned = {1};  // a move just put chunk 100 on CS 1
  auto p = f.plan();
  REQUIRE(p.moves.size() == 1);
  CHECK(p.moves[0].from_cs == 2);
  CHECK(p.moves[0].to_cs == 3);
  f.view.chunks.back().pinned = {1, 2};
  CHECK(f.plan().moves.empty());
}
