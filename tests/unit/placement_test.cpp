// Unit tests of the replica placement decision (actors/mds/placement.hpp).
// Guide sections: "Configuring Failure Domains", "Failure Domain Topology",
// "Using Storage Tiers", "Understanding allocatable disk space", event table
// ("Failed to allocate N replicas ..."), troubleshooting (mds.alloc.fill_margin).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "actors/mds/placement.hpp"

using namespace pstorage::mds;

namespace {

constexpr uint64_t GiB = 1ull << 30;
constexpr uint64_t MiB = 1ull << 20;

placement_cs make_cs(uint32_t id, std::string location, std::string host, uint32_t tier = 0,
                     uint64_t total = 100 * GiB, uint64_t free = 80 * GiB, bool active = true) {
  placement_cs cs;
  cs.cs_id = id;
  cs.active = active;
  cs.tier = tier;
  cs.total_bytes = total;
  cs.free_bytes = free;
  cs.location = std::move(location);
  cs.host_id = std::move(host);
  return cs;
}

// n CSs, each on its own host, all in location 0.0.0, ids first..first+n-1.
std::vector<placement_cs> own_hosts(uint32_t first, uint32_t n, uint32_t tier = 0) {
  std::vector<placement_cs> v;
  for (uint32_t i = 0; i < n; ++i)
    v.push_back(make_cs(first + i, "0.0.0", "h" + std::to_string(first + i), tier));
  return v;
}

// 2 rooms x 2 rows x 2 racks x 2 hosts x 2 CSs = 32 CSs, ids 1..32.
std::vector<placement_cs> full_tree() {
  std::vector<placement_cs> v;
  uint32_t id = 1;
  for (int room = 0; room < 2; ++room)
    for (int row = 0; row < 2; ++row)
      for (int rack = 0; rack < 2; ++rack)
        for (int host = 0; host < 2; ++host)
          for (int cs = 0; cs < 2; ++cs) {
            auto loc = std::to_string(room) + "." + std::to_string(row) + "." + std::to_string(rack);
            auto h = "host-" + loc + "-" + std::to_string(host);
            v.push_back(make_cs(id++, loc, h));
          }
  return v;
}

const placement_cs& by_id(const std::vector<placement_cs>& v, uint32_t id) {
  for (auto& cs : v)
    if (cs.cs_id == id) return cs;
  FAIL("no CS " << id);
  return v.front();
}

std::set<std::string> domains_of(const std::vector<placement_cs>& v, const std::vector<uint32_t>& chain,
                                 domain_level level) {
  std::set<std::string> s;
  for (auto id : chain) s.insert(domain_key(by_id(v, id), level));
  return s;
}

bool distinct(const std::vector<uint32_t>& chain) {
  return std::set<uint32_t>(chain.begin(), chain.end()).size() == chain.size();
}

placement_request request(uint32_t replicas, domain_level level = domain_level::host, uint32_t tier = 0) {
  placement_request r;
  r.replicas = replicas;
  r.failure_domain = level;
  r.tier = tier;
  r.chunk_size = 64 * MiB;
  r.path = "/vm/disk.img";
  r.requester = "10.0.0.7:44321";
  return r;
}

placement_tunables strict() { return placement_tunables{}; }
placement_tunables advisory() {
  placement_tunables t;
  t.strict_failure_domain = false;
  return t;
}

}  // namespace

// --- small helpers -----------------------------------------------------------

TEST_CASE("tier fallback order: wanted tier, then lower tiers down to 0, then higher tiers") {
  CHECK(tier_fallback_order(0) == std::vector<uint32_t>{0, 1, 2, 3});
  CHECK(tier_fallback_order(1) == std::vector<uint32_t>{1, 0, 2, 3});
  CHECK(tier_fallback_order(2) == std::vector<uint32_t>{2, 1, 0, 3});  // guide's example
  CHECK(tier_fallback_order(3) == std::vector<uint32_t>{3, 2, 1, 0});
  CHECK(tier_fallback_order(4).empty());
}

TEST_CASE("failure-domain level names parse and print as in the guide") {
  for (auto l : {domain_level::disk, domain_level::host, domain_level::rack, domain_level::row, domain_level::room})
    CHECK(parse_domain_level(to_string(l)) == l);
  CHECK(parse_domain_level("cs") == domain_level::disk);
  CHECK_FALSE(parse_domain_level("datacenter").has_value());
  CHECK_FALSE(parse_domain_level("").has_value());
}

TEST_CASE("domain key is the topology prefix room.row.rack.host_ID.cs_ID up to the level") {
  auto cs = make_cs(17, "1.2.3", "abcd");
  CHECK(domain_key(cs, domain_level::room) == "1");
  CHECK(domain_key(cs, domain_level::row) == "1.2");
  CHECK(domain_key(cs, domain_level::rack) == "1.2.3");
  CHECK(domain_key(cs, domain_level::host) == "1.2.3/abcd");
  CHECK(domain_key(cs, domain_level::disk) == "1.2.3/abcd/17");
}

TEST_CASE("domain key: missing location parts read as 0; same rack number in other rows differs") {
  CHECK(domain_key(make_cs(1, "", "h"), domain_level::rack) == "0.0.0");
  CHECK(domain_key(make_cs(1, "5", "h"), domain_level::rack) == "5.0.0");
  CHECK(domain_key(make_cs(1, "5.1", "h"), domain_level::rack) == "5.1.0");
  CHECK(domain_key(make_cs(1, "0.0.1", "h"), domain_level::rack) !=
        domain_key(make_cs(2, "0.1.1", "h"), domain_level::rack));
  // Same host_id in two racks is two hosts.
  CHECK(domain_key(make_cs(1, "0.0.1", "h"), domain_level::host) !=
        domain_key(make_cs(2, "0.0.2", "h"), domain_level::host));
}

TEST_CASE("reserve is max(fill_margin percent of total, free_space_margin); default fill_margin is 5") {
  placement_tunables t;
  CHECK(t.fill_margin_percent == 5);
  CHECK(t.strict_failure_domain);
  CHECK(t.free_space_margin == 256 * MiB);
  CHECK(reserved_bytes(make_cs(1, "", "h", 0, 100 * GiB, 0), t) == 5 * GiB);
  // Small disk: the absolute margin dominates.
  CHECK(reserved_bytes(make_cs(1, "", "h", 0, 1 * GiB, 0), t) == 256 * MiB);
  t.fill_margin_percent = 2;
  CHECK(reserved_bytes(make_cs(1, "", "h", 0, 100 * GiB, 0), t) == 2 * GiB);
  t.free_space_margin = 0;
  t.fill_margin_percent = 0;
  CHECK(reserved_bytes(make_cs(1, "", "h", 0, 100 * GiB, 0), t) == 0);
  // No overflow on huge totals.
  t.fill_margin_percent = 5;
  CHECK(reserved_bytes(make_cs(1, "", "h", 0, UINT64_MAX, 0), t) == UINT64_MAX / 100 * 5 + (UINT64_MAX % 100) * 5 / 100);
}

TEST_CASE("has_room: free space after the chunk must stay at or above the reserve (boundary exact)") {
  placement_tunables t;  // 5 % of 100 GiB = 5 GiB
  const uint64_t chunk = 64 * MiB;
  CHECK(has_room(make_cs(1, "", "h", 0, 100 * GiB, 5 * GiB + chunk), chunk, t));
  CHECK_FALSE(has_room(make_cs(1, "", "h", 0, 100 * GiB, 5 * GiB + chunk - 1), chunk, t));
  CHECK_FALSE(has_room(make_cs(1, "", "h", 0, 100 * GiB, chunk - 1), chunk, t));
  t.fill_margin_percent = 0;
  t.free_space_margin = 0;
  CHECK(has_room(make_cs(1, "", "h", 0, 100 * GiB, chunk), chunk, t));
  CHECK_FALSE(has_room(make_cs(1, "", "h", 0, 100 * GiB, chunk - 1), chunk, t));
}

// --- failure domains -----------------------------------------------------------

TEST_CASE("every failure-domain level: as many replicas as domains fit, one per domain, never one CS twice") {
  auto css = full_tree();
  struct level_case {
    domain_level level;
    uint32_t domains;
  };
  for (auto lc : {level_case{domain_level::disk, 32}, level_case{domain_level::host, 16},
                  level_case{domain_level::rack, 8}, level_case{domain_level::row, 4},
                  level_case{domain_level::room, 2}}) {
    CAPTURE(to_string(lc.level));
    for (uint64_t seed = 0; seed < 50; ++seed) {
      auto res = place_replicas(css, request(lc.domains, lc.level), strict(), seeded_random(seed));
      REQUIRE(res.ok);
      CHECK(res.chain.size() == lc.domains);
      CHECK(distinct(res.chain));
      CHECK(domains_of(css, res.chain, lc.level).size() == lc.domains);
    }
  }
}

TEST_CASE("every failure-domain level: one replica more than there are domains fails under the strict policy") {
  auto css = full_tree();
  struct level_case {
    domain_level level;
    uint32_t domains;
  };
  for (auto lc : {level_case{domain_level::host, 16}, level_case{domain_level::rack, 8},
                  level_case{domain_level::row, 4}, level_case{domain_level::room, 2}}) {
    CAPTURE(to_string(lc.level));
    auto res = place_replicas(css, request(lc.domains + 1, lc.level), strict(), seeded_random(1));
    CHECK_FALSE(res.ok);
    CHECK(res.chain.empty());
    CHECK(res.error == placement_error::not_enough_available);
    CHECK(res.available == lc.domains);
    CHECK(res.registered == 32);
  }
  // disk level: 33 replicas on 32 CSs is a registration shortage.
  auto res = place_replicas(css, request(33, domain_level::disk), strict(), seeded_random(1));
  CHECK(res.error == placement_error::not_registered);
}

TEST_CASE("host level is the default and keeps two CSs of one host apart") {
  CHECK(placement_request{}.failure_domain == domain_level::host);
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B")};
  for (uint64_t seed = 0; seed < 100; ++seed) {
    auto res = place_replicas(css, request(2), strict(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(std::find(res.chain.begin(), res.chain.end(), 3u) != res.chain.end());
    CHECK(domains_of(css, res.chain, domain_level::host).size() == 2);
  }
}

TEST_CASE("disk level allows two replicas on one host but never two on one CS") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A")};
  auto res = place_replicas(css, request(2, domain_level::disk), strict(), seeded_random(3));
  REQUIRE(res.ok);
  CHECK(std::set<uint32_t>(res.chain.begin(), res.chain.end()) == std::set<uint32_t>{1, 2});
  CHECK_FALSE(res.domains_relaxed);
}

// --- eligibility ------------------------------------------------------------------

TEST_CASE("inactive CSs are never chosen but still count as registered") {
  auto css = own_hosts(1, 3);
  css[1].active = false;  // CS#2
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto res = place_replicas(css, request(2), strict(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(std::set<uint32_t>(res.chain.begin(), res.chain.end()) == std::set<uint32_t>{1, 3});
  }
  auto res = place_replicas(css, request(3), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.error == placement_error::not_enough_available);
  CHECK(res.message == "Failed to allocate 3 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " - 2 out of 3 chunks servers are available");
}

TEST_CASE("a CS that would fall under the fill margin is excluded; lowering fill_margin to 2 readmits it") {
  auto css = own_hosts(1, 3);
  // CS#3: 100 GiB total, 4 GiB free: below the default 5 % reserve + chunk.
  css[2].free_bytes = 4 * GiB;
  auto res = place_replicas(css, request(3), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.available == 2);
  CHECK(res.detail == "Failed to allocate 3 replicas at tier 0 since only 2 chunk servers are available for allocation");

  placement_tunables t;
  t.fill_margin_percent = 2;  // guide's "Reduce the allocation reserve" workaround
  res = place_replicas(css, request(3), t, seeded_random(1));
  REQUIRE(res.ok);
  CHECK(std::set<uint32_t>(res.chain.begin(), res.chain.end()) == std::set<uint32_t>{1, 2, 3});
}

TEST_CASE("the free_space_margin floor excludes a small disk that the percentage alone would admit") {
  auto css = own_hosts(1, 2);
  css[1].total_bytes = 2 * GiB;
  css[1].free_bytes = 200 * MiB;  // 5 % of 2 GiB = ~102 MiB, but floor is 256 MiB
  auto res = place_replicas(css, request(2), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  placement_tunables t;
  t.free_space_margin = 0;
  res = place_replicas(css, request(2), t, seeded_random(1));
  CHECK(res.ok);
}

TEST_CASE("chunk size counts: a CS with room for a small chunk but not a large one") {
  auto css = own_hosts(1, 1);
  css[0].free_bytes = 5 * GiB + 100 * MiB;  // reserve 5 GiB
  auto r = request(1);
  r.chunk_size = 64 * MiB;
  CHECK(place_replicas(css, r, strict(), seeded_random(1)).ok);
  r.chunk_size = 256 * MiB;
  CHECK_FALSE(place_replicas(css, r, strict(), seeded_random(1)).ok);
}

TEST_CASE("excluded CSs are not chosen, but their domains stay free") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B")};
  auto r = request(2);
  r.exclude = {1};
  for (uint64_t seed = 0; seed < 30; ++seed) {
    auto res = place_replicas(css, r, strict(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(std::set<uint32_t>(res.chain.begin(), res.chain.end()) == std::set<uint32_t>{2, 3});
  }
}

TEST_CASE("CSs already holding the chunk are not chosen and their domains count as occupied") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B"),
                                make_cs(4, "0.0.0", "C")};
  auto r = request(2);
  r.existing = {1};
  for (uint64_t seed = 0; seed < 30; ++seed) {
    auto res = place_replicas(css, r, strict(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(std::set<uint32_t>(res.chain.begin(), res.chain.end()) == std::set<uint32_t>{3, 4});
  }
}

// --- tiers ------------------------------------------------------------------------

TEST_CASE("the requested tier is used when it can take every replica") {
  std::vector<placement_cs> css;
  for (uint32_t tier = 0; tier <= 3; ++tier)
    for (auto& cs : own_hosts(10 * tier + 1, 3, tier)) css.push_back(cs);
  for (uint32_t tier = 0; tier <= 3; ++tier) {
    CAPTURE(tier);
    auto res = place_replicas(css, request(3, domain_level::host, tier), strict(), seeded_random(tier));
    REQUIRE(res.ok);
    CHECK(res.tier_used == tier);
    CHECK_FALSE(res.tier_fallback);
    for (auto id : res.chain) CHECK(by_id(css, id).tier == tier);
  }
}

TEST_CASE("every tier fallback step: each earlier tier full, the next one in the order is used") {
  // For every wanted tier and every position in its fallback order, fill all
  // tiers before that position (free space below the margin) and check the
  // allocator lands on exactly that tier.
  for (uint32_t wanted = 0; wanted <= 3; ++wanted) {
    auto order = tier_fallback_order(wanted);
    for (size_t pos = 0; pos < order.size(); ++pos) {
      CAPTURE(wanted);
      CAPTURE(pos);
      std::vector<placement_cs> css;
      for (uint32_t tier = 0; tier <= 3; ++tier)
        for (auto& cs : own_hosts(10 * tier + 1, 2, tier)) css.push_back(cs);
      for (size_t before = 0; before < pos; ++before)
        for (auto& cs : css)
          if (cs.tier == order[before]) cs.free_bytes = 1 * GiB;  // under the 5 GiB reserve
      auto res = place_replicas(css, request(2, domain_level::host, wanted), strict(), seeded_random(pos));
      REQUIRE(res.ok);
      CHECK(res.tier_used == order[pos]);
      CHECK(res.tier_fallback == (pos != 0));
      for (auto id : res.chain) CHECK(by_id(css, id).tier == order[pos]);
    }
  }
}

TEST_CASE("tier 2 full falls back to tier 1, then 0, then 3 (guide example), missing tiers are skipped") {
  // Only tiers 3 and 0 exist; tier 0 is full: tier 2 request ends on tier 3.
  auto css = own_hosts(1, 2, 0);
  for (auto& cs : css) cs.free_bytes = 0;
  for (auto& cs : own_hosts(31, 2, 3)) css.push_back(cs);
  auto res = place_replicas(css, request(2, domain_level::host, 2), strict(), seeded_random(1));
  REQUIRE(res.ok);
  CHECK(res.tier_used == 3);
  CHECK(res.tier_fallback);
  // With tier 0 free again, tier 0 wins over tier 3 (lower before higher).
  css[0].free_bytes = css[1].free_bytes = 80 * GiB;
  res = place_replicas(css, request(2, domain_level::host, 2), strict(), seeded_random(1));
  REQUIRE(res.ok);
  CHECK(res.tier_used == 0);
}

TEST_CASE("all replicas of a chunk go to one tier: a tier that can take only some is skipped") {
  auto css = own_hosts(1, 2, 2);                       // tier 2: 2 hosts
  for (auto& cs : own_hosts(11, 3, 1)) css.push_back(cs);  // tier 1: 3 hosts
  auto res = place_replicas(css, request(3, domain_level::host, 2), strict(), seeded_random(9));
  REQUIRE(res.ok);
  CHECK(res.tier_used == 1);
  for (auto id : res.chain) CHECK(by_id(css, id).tier == 1);
}

TEST_CASE("every tier full: failure names the tier that came closest") {
  auto css = own_hosts(1, 3, 2);
  css[2].free_bytes = 0;  // tier 2: 2 usable
  for (auto& cs : own_hosts(11, 1, 0)) css.push_back(cs);  // tier 0: 1 usable
  auto res = place_replicas(css, request(3, domain_level::host, 2), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.available == 2);
  CHECK(res.closest_tier == 2);
  CHECK(res.message == "Failed to allocate 3 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " - 2 out of 4 chunks servers are available");
  CHECK(res.detail == "Failed to allocate 3 replicas at tier 2 since only 2 chunk servers are available for allocation");
}

TEST_CASE("an invalid tier is refused") {
  auto res = place_replicas(own_hosts(1, 3), request(1, domain_level::host, 4), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.error == placement_error::invalid_request);
}

// --- unsatisfiable requests: messages ----------------------------------------------

TEST_CASE("too few registered CSs: the guide's 'since only K chunk servers are registered' text") {
  auto css = own_hosts(1, 2);
  auto res = place_replicas(css, request(3), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.error == placement_error::not_registered);
  CHECK(res.registered == 2);
  CHECK(res.message == "Failed to allocate 3 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " since only 2 chunk servers are registered");
  // No requester known: the "by request from" part is left out.
  auto r = request(3);
  r.requester.clear();
  res = place_replicas(css, r, strict(), seeded_random(1));
  CHECK(res.message == "Failed to allocate 3 replicas for '/vm/disk.img' since only 2 chunk servers are registered");
  // Empty cluster.
  res = place_replicas({}, request(1), strict(), seeded_random(1));
  CHECK(res.message == "Failed to allocate 1 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " since only 0 chunk servers are registered");
}

TEST_CASE("enough registered but too few failure domains: the 'K out of M chunks servers are available' text") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B")};
  auto res = place_replicas(css, request(3), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.error == placement_error::not_enough_available);
  CHECK(res.available == 2);
  CHECK(res.message == "Failed to allocate 3 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " - 2 out of 3 chunks servers are available");
}

TEST_CASE("zero replicas requested is trivially satisfied") {
  auto res = place_replicas({}, request(0), strict(), seeded_random(1));
  CHECK(res.ok);
  CHECK(res.chain.empty());
}

// --- strict vs advisory ---------------------------------------------------------------

TEST_CASE("strict policy fails when domains are insufficient; advisory places in a used domain and says so") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B"),
                                make_cs(4, "0.0.0", "B")};
  CHECK_FALSE(place_replicas(css, request(3), strict(), seeded_random(1)).ok);
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto res = place_replicas(css, request(3), advisory(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(res.domains_relaxed);
    CHECK(res.chain.size() == 3);
    CHECK(distinct(res.chain));
    // Still spread as widely as possible: both hosts used.
    CHECK(domains_of(css, res.chain, domain_level::host).size() == 2);
  }
}

TEST_CASE("advisory policy keeps domains apart when it can and then reports no relaxation") {
  auto css = full_tree();
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto res = place_replicas(css, request(8, domain_level::rack), advisory(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK_FALSE(res.domains_relaxed);
    CHECK(domains_of(css, res.chain, domain_level::rack).size() == 8);
  }
}

TEST_CASE("advisory policy never puts two replicas on one CS and fails when CSs run out") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "A")};
  css[2].free_bytes = 0;
  auto res = place_replicas(css, request(3), advisory(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.available == 2);
  CHECK(res.message == "Failed to allocate 3 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " - 2 out of 3 chunks servers are available");
  res = place_replicas(css, request(2), advisory(), seeded_random(1));
  REQUIRE(res.ok);
  CHECK(std::set<uint32_t>(res.chain.begin(), res.chain.end()) == std::set<uint32_t>{1, 2});
  CHECK(res.domains_relaxed);
}

TEST_CASE("advisory relaxation at rack level still spreads over hosts inside the shared rack") {
  // One rack; host A has 3 CSs, host B 1 CS. Two replicas at rack level must
  // share the rack, but then go to different hosts: B's CS is always chosen.
  std::vector<placement_cs> css{make_cs(1, "0.0.1", "A"), make_cs(2, "0.0.1", "A"), make_cs(3, "0.0.1", "A"),
                                make_cs(4, "0.0.1", "B")};
  for (uint64_t seed = 0; seed < 100; ++seed) {
    auto res = place_replicas(css, request(2, domain_level::rack), advisory(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(res.domains_relaxed);
    CHECK(std::find(res.chain.begin(), res.chain.end(), 4u) != res.chain.end());
  }
}

TEST_CASE("advisory relaxation fills the least occupied domains first") {
  // Racks: r1 has 3 hosts, r2 has 1 host. Four replicas at rack level:
  // two racks, so two replicas per rack is the most even split.
  std::vector<placement_cs> css{make_cs(1, "0.0.1", "A"), make_cs(2, "0.0.1", "B"), make_cs(3, "0.0.1", "C"),
                                make_cs(4, "0.0.2", "D"), make_cs(5, "0.0.2", "D")};
  for (uint64_t seed = 0; seed < 100; ++seed) {
    auto res = place_replicas(css, request(4, domain_level::rack), advisory(), seeded_random(seed));
    REQUIRE(res.ok);
    std::map<std::string, int> per_rack;
    for (auto id : res.chain) ++per_rack[domain_key(by_id(css, id), domain_level::rack)];
    CHECK(per_rack["0.0.1"] == 2);
    CHECK(per_rack["0.0.2"] == 2);
  }
}

TEST_CASE("advisory policy prefers separate domains on a fallback tier over sharing a domain on the wanted tier") {
  // Tier 1: two CSs on one host. Tier 0: two hosts.
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A", 1), make_cs(2, "0.0.0", "A", 1),
                                make_cs(3, "0.0.0", "B", 0), make_cs(4, "0.0.0", "C", 0)};
  auto res = place_replicas(css, request(2, domain_level::host, 1), advisory(), seeded_random(1));
  REQUIRE(res.ok);
  CHECK(res.tier_used == 0);
  CHECK_FALSE(res.domains_relaxed);
  // Without the tier-0 hosts, the advisory policy shares host A on tier 1.
  css.resize(2);
  res = place_replicas(css, request(2, domain_level::host, 1), advisory(), seeded_random(1));
  REQUIRE(res.ok);
  CHECK(res.tier_used == 1);
  CHECK(res.domains_relaxed);
}

TEST_CASE("advisory relaxation counts domains of existing replicas too") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B"),
                                make_cs(4, "0.0.0", "B"), make_cs(5, "0.0.0", "B")};
  auto r = request(2);
  r.existing = {1};
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto res = place_replicas(css, r, advisory(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(res.domains_relaxed);
    // One replica on B (free), the second shares a host: A has 1, B has 1, so
    // either is allowed, but never CS#1 again.
    CHECK(std::find(res.chain.begin(), res.chain.end(), 1u) == res.chain.end());
    int on_b = 0;
    for (auto id : res.chain) on_b += by_id(css, id).host_id == "B";
    CHECK(on_b >= 1);
  }
}

// --- determinism and spreading ---------------------------------------------------------

TEST_CASE("same seed gives the same chain; candidate order does not matter") {
  auto css = full_tree();
  auto r = request(5, domain_level::host);
  auto a = place_replicas(css, r, strict(), seeded_random(42));
  auto b = place_replicas(css, r, strict(), seeded_random(42));
  REQUIRE(a.ok);
  CHECK(a.chain == b.chain);
  auto reversed = css;
  std::reverse(reversed.begin(), reversed.end());
  auto c = place_replicas(reversed, r, strict(), seeded_random(42));
  CHECK(a.chain == c.chain);
  // Different seeds do not all give the same chain.
  std::set<std::vector<uint32_t>> seen;
  for (uint64_t seed = 0; seed < 20; ++seed) seen.insert(place_replicas(css, r, strict(), seeded_random(seed)).chain);
  CHECK(seen.size() > 10);
}

TEST_CASE("seeded_random is a deterministic stream") {
  auto a = seeded_random(7), b = seeded_random(7), c = seeded_random(8);
  uint64_t a1 = a(), a2 = a();
  CHECK(a1 == b());
  CHECK(a2 == b());
  CHECK(a1 != a2);
  CHECK(a1 != c());
}

TEST_CASE("the random source decides ties: a fixed source picks deterministically by cs_id order") {
  auto css = own_hosts(1, 4);  // equal free space: equal weights
  auto zero = [] { return uint64_t{0}; };
  auto res = place_replicas(css, request(2), strict(), zero);
  REQUIRE(res.ok);
  CHECK(res.chain == std::vector<uint32_t>{1, 2});
  // Input order is irrelevant: candidates are considered by cs_id.
  std::reverse(css.begin(), css.end());
  res = place_replicas(css, request(2), strict(), zero);
  CHECK(res.chain == std::vector<uint32_t>{1, 2});
  // Equal weights w = 2^18: an all-ones source gives (2^64-1) % 4w = 4w-1,
  // the last slot (CS#4), then (2^64-1) % 3w = w-1, the first slot (CS#1).
  auto last = [] { return uint64_t{0} - 1; };
  for (auto& cs : css) cs.free_bytes = 5 * GiB + 64 * MiB + 1023 * MiB;  // usable 1023 MiB: weight 1024 << 8
  res = place_replicas(css, request(2), strict(), last);
  REQUIRE(res.ok);
  CHECK(res.chain == std::vector<uint32_t>{4, 1});
}

TEST_CASE("spreading prefers the emptier CS, statistically over many seeds") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A", 0, 1000 * GiB, 900 * GiB),
                                make_cs(2, "0.0.0", "B", 0, 1000 * GiB, 150 * GiB)};
  int first = 0;
  const int runs = 4000;
  for (int seed = 0; seed < runs; ++seed) {
    auto res = place_replicas(css, request(1), strict(), seeded_random(seed));
    REQUIRE(res.ok);
    first += res.chain[0] == 1;
  }
  // Usable: 850 GiB vs 100 GiB -> expected share ~0.895.
  CHECK(first > runs * 85 / 100);
  CHECK(first < runs * 94 / 100);
}

TEST_CASE("spreading: equal CSs are picked about equally often") {
  auto css = own_hosts(1, 2);
  int first = 0;
  const int runs = 4000;
  for (int seed = 0; seed < runs; ++seed) first += place_replicas(css, request(1), strict(), seeded_random(seed)).chain[0] == 1;
  CHECK(first > runs * 45 / 100);
  CHECK(first < runs * 55 / 100);
}

TEST_CASE("spreading: a loaded CS is picked less often than an idle one with the same free space") {
  auto css = own_hosts(1, 2);
  css[1].load = 3;  // weight / 4
  int idle = 0;
  const int runs = 4000;
  for (int seed = 0; seed < runs; ++seed) idle += place_replicas(css, request(1), strict(), seeded_random(seed)).chain[0] == 1;
  // Expected share 0.8.
  CHECK(idle > runs * 75 / 100);
  CHECK(idle < runs * 85 / 100);
}

TEST_CASE("spreading over a big cluster never violates the rules (randomised invariants)") {
  auto css = full_tree();
  for (size_t i = 0; i < css.size(); ++i) {
    css[i].free_bytes = (i * 7 % 11) * 10 * GiB;  // some below the 5 GiB reserve (0 GiB)
    css[i].active = i % 9 != 4;
  }
  for (uint64_t seed = 0; seed < 300; ++seed) {
    auto res = place_replicas(css, request(3, domain_level::rack), strict(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(distinct(res.chain));
    CHECK(domains_of(css, res.chain, domain_level::rack).size() == 3);
    for (auto id : res.chain) {
      auto& cs = by_id(css, id);
      CHECK(cs.active);
      CHECK(has_room(cs, 64 * MiB, strict()));
    }
  }
}

// --- repair-target helper -----------------------------------------------------------------

TEST_CASE("repair: picks the missing replicas in domains not used by the surviving ones") {
  auto css = full_tree();
  // Survivors on CS#1 (room 0, row 0, rack 0) and CS#17 (room 1, row 0, rack 0).
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto res = place_additional_replicas(css, {1, 17}, 4, request(0, domain_level::row), strict(),
                                         seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(res.chain.size() == 2);
    auto all = res.chain;
    all.push_back(1);
    all.push_back(17);
    CHECK(domains_of(css, all, domain_level::row).size() == 4);
  }
}

TEST_CASE("repair: nothing to do at or above the normal replica count") {
  auto css = own_hosts(1, 3);
  auto res = place_additional_replicas(css, {1, 2, 3}, 3, request(0), strict(), seeded_random(1));
  CHECK(res.ok);
  CHECK(res.chain.empty());
  res = place_additional_replicas(css, {1, 2, 3}, 2, request(0), strict(), seeded_random(1));
  CHECK(res.ok);
  CHECK(res.chain.empty());
}

TEST_CASE("repair: a replica on an inactive CS still occupies its domain; duplicates in the list count once") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B"),
                                make_cs(4, "0.0.0", "C")};
  css[0].active = false;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    auto res = place_additional_replicas(css, {1, 1}, 3, request(0), strict(), seeded_random(seed));
    REQUIRE(res.ok);
    CHECK(std::set<uint32_t>(res.chain.begin(), res.chain.end()) == std::set<uint32_t>{3, 4});
  }
}

TEST_CASE("repair: strict policy reports the missing count when no free domain is left") {
  std::vector<placement_cs> css{make_cs(1, "0.0.0", "A"), make_cs(2, "0.0.0", "A"), make_cs(3, "0.0.0", "B")};
  auto res = place_additional_replicas(css, {1, 3}, 3, request(0), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.available == 0);
  CHECK(res.message == "Failed to allocate 1 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " - 0 out of 3 chunks servers are available");
  // Advisory: CS#2 shares host A with the survivor CS#1.
  res = place_additional_replicas(css, {1, 3}, 3, request(0), advisory(), seeded_random(1));
  REQUIRE(res.ok);
  CHECK(res.chain == std::vector<uint32_t>{2});
  CHECK(res.domains_relaxed);
}

TEST_CASE("repair: too few registered CSs for the normal count gives the 'registered' text") {
  auto css = own_hosts(1, 2);
  auto res = place_additional_replicas(css, {1}, 3, request(0), strict(), seeded_random(1));
  CHECK_FALSE(res.ok);
  CHECK(res.error == placement_error::not_registered);
  CHECK(res.message == "Failed to allocate 2 replicas for '/vm/disk.img' by request from 10.0.0.7:44321"
                       " since only 2 chunk servers are registered");
}

TEST_CASE("repair: falls back to another tier like a new allocation") {
  auto css = own_hosts(1, 2, 1);
  for (auto& cs : own_hosts(11, 2, 0)) css.push_back(cs);
  auto res = place_additional_replicas(css, {1, 2}, 3, request(0, domain_level::host, 1), strict(),
                                       seeded_random(1));
  REQUIRE(res.ok);
  CHECK(res.tier_used == 0);
  CHECK(res.tier_fallback);
  CHECK(res.chain.size() == 1);
}
