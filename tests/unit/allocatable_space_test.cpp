// The guide's allocatable space (actors/mds/allocatable_space.hpp), with the
// guide's own examples ("Understanding allocatable disk space",
// "Recommendations on Failure Domains").
#include <doctest/doctest.h>

#include "actors/mds/allocatable_space.hpp"

using namespace pstorage::mds;

namespace {
constexpr uint64_t GB = 1000ull * 1000 * 1000;

placement_cs cs(uint32_t id, uint64_t total, uint64_t free, std::string host, std::string location = "0.0.0",
                uint32_t tier = 0) {
  placement_cs c;
  c.cs_id = id;
  c.active = true;
  c.total_bytes = total;
  c.free_bytes = free;
  c.host_id = std::move(host);
  c.location = std::move(location);
  c.tier = tier;
  return c;
}

// No reserve, so the figures are the guide's round numbers.
placement_tunables no_reserve() {
  placement_tunables t;
  t.fill_margin_percent = 0;
  t.free_space_margin = 0;
  return t;
}
}  // namespace

TEST_CASE("the guide's three CSs: 200 GB allocatable with 3 replicas, 700 GB with 2") {
  std::vector<placement_cs> css = {cs(1, 200 * GB, 180 * GB, "a"), cs(2, 500 * GB, 480 * GB, "b"),
                                   cs(3, 1000 * GB, 980 * GB, "c")};
  auto three = compute_allocatable(css, 3, domain_level::host, no_reserve(), std::nullopt);
  CHECK(three.total_bytes == 200 * GB);
  CHECK(three.free_bytes == 180 * GB);  // "allocatable 180GB of 200GB"
  auto two = compute_allocatable(css, 2, domain_level::host, no_reserve(), std::nullopt);
  CHECK(two.total_bytes == 700 * GB);
  CHECK(two.free_bytes == 660 * GB);
  auto one = compute_allocatable(css, 1, domain_level::host, no_reserve(), std::nullopt);
  CHECK(one.total_bytes == 1700 * GB);
}

TEST_CASE("the guide's racks of 10, 20, 30, 100 and 100 TB hold only 60 TB in 3 replicas") {
  std::vector<uint64_t> racks = {10'000 * GB, 20'000 * GB, 30'000 * GB, 100'000 * GB, 100'000 * GB};
  CHECK(logical_capacity(racks, 3) == 60'000 * GB);
  // The same through CSs grouped by rack, two hosts in each.
  std::vector<placement_cs> css;
  uint32_t id = 1;
  for (size_t r = 0; r < racks.size(); ++r)
    for (int h = 0; h < 2; ++h)
      css.push_back(cs(id++, racks[r] / 2, racks[r] / 2, "h" + std::to_string(id), "0.0." + std::to_string(r)));
  CHECK(compute_allocatable(css, 3, domain_level::rack, no_reserve(), std::nullopt).total_bytes == 60'000 * GB);
  // At host level the ten hosts are ten domains: more fits.
  CHECK(compute_allocatable(css, 3, domain_level::host, no_reserve(), std::nullopt).total_bytes > 60'000 * GB);
}

TEST_CASE("fewer failure domains than replicas: nothing is allocatable") {
  // Two CSs on one host, host domains, 2 replicas: placement refuses every chunk.
  std::vector<placement_cs> css = {cs(1, 100 * GB, 100 * GB, "a"), cs(2, 100 * GB, 100 * GB, "a")};
  auto a = compute_allocatable(css, 2, domain_level::host, no_reserve(), std::nullopt);
  CHECK(a.total_bytes == 0);
  CHECK(a.free_bytes == 0);
  // With disk domains they are two.
  CHECK(compute_allocatable(css, 2, domain_level::disk, no_reserve(), std::nullopt).total_bytes == 100 * GB);
  CHECK(logical_capacity({}, 1) == 0);
  CHECK(logical_capacity({5}, 0) == 5);  // 0 replicas reads as 1
}

TEST_CASE("only active CSs count, each above its reserve; the tiers add up") {
  auto off = cs(3, 900 * GB, 900 * GB, "c");
  off.active = false;
  std::vector<placement_cs> css = {cs(1, 100 * GB, 50 * GB, "a"), cs(2, 100 * GB, 2 * GB, "b"), off,
                                   cs(4, 300 * GB, 300 * GB, "d", "0.0.0", 1)};
  placement_tunables t;  // 5 %, at least 256 MiB
  auto a = compute_allocatable(css, 1, domain_level::host, t, std::nullopt);
  // Tier 0: (50 - 5) + 0 (2 GB is under its 5 GB reserve); tier 1: 300 - 15.
  CHECK(a.free_bytes == 45 * GB + 285 * GB);
  CHECK(a.total_bytes == 95 * GB + 95 * GB + 285 * GB);
  // Two replicas: tier 1 has one domain only and adds nothing.
  auto two = compute_allocatable(css, 2, domain_level::host, t, std::nullopt);
  CHECK(two.free_bytes == 0);  // min over k: (45 + 0) / 2, then 0 / 1
  CHECK(two.total_bytes == 95 * GB);
}

TEST_CASE("a license caps the figure: free at its allocatable bytes, total at its capacity") {
  std::vector<placement_cs> css = {cs(1, 1000 * GB, 800 * GB, "a")};
  auto a = compute_allocatable(css, 1, domain_level::host, no_reserve(), license_space_limit{30 * GB, 100 * GB});
  CHECK(a.free_bytes == 30 * GB);
  CHECK(a.total_bytes == 100 * GB);
  auto none = compute_allocatable(css, 1, domain_level::host, no_reserve(), license_space_limit{0, 100 * GB});
  CHECK(none.free_bytes == 0);  // an expired license: no new data
}
