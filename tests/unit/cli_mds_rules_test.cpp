// The CLI's MDS membership rules (frontends/cli/mds_cli_rules.hpp): address
// defaults, configure-mds's -n parsing and list rewrite, join advice.
#include <doctest/doctest.h>

#include "frontends/cli/mds_cli_rules.hpp"

using namespace pstorage;
using namespace pstorage::cli;

TEST_CASE("an MDS address without a port gets 2510 (guide: default port 2510)") {
  std::string err;
  auto a = parse_mds_address("10.30.100.102", &err);
  REQUIRE(a);
  CHECK(a->to_string() == "10.30.100.102:2510");
  auto b = parse_mds_address("10.30.100.102:4110", &err);
  REQUIRE(b);
  CHECK(b->port == 4110);
  CHECK_FALSE(parse_mds_address("10.0.0.1:", &err));
  CHECK(err.find("empty port") != std::string::npos);
}

TEST_CASE("configure-mds -n ID@ADDR[:PORT]") {
  std::string err;
  auto c = parse_address_change("2@10.10.20.2", &err);
  REQUIRE(c);
  CHECK(c->id == 2);
  CHECK(c->address.to_string() == "10.10.20.2:2510");
  auto v6 = parse_address_change("3@[fd00::3]:4110", &err);
  REQUIRE(v6);
  CHECK(v6->address.to_string() == "[fd00::3]:4110");
  for (const char* bad : {"10.10.20.2", "@10.0.0.1", "x@10.0.0.1", "0@10.0.0.1", "1@", "1@h:99999"}) {
    err.clear();
    CHECK_MESSAGE(!parse_address_change(bad, &err), bad);
    CHECK(err.find("MDS_ID@ADDR[:PORT]") != std::string::npos);
  }
}

TEST_CASE("configure-mds rewrites listed MDSs only, each to its own address") {
  std::vector<persistence::mds_record> list{{1, "10.0.0.1:2510"}, {2, "10.0.0.2:2510"}, {3, "10.0.0.3:2510"}};
  std::string err;
  auto change = [](uint32_t id, const char* a) { return address_change{id, *parse_mds_address(a, nullptr)}; };

  auto ok = apply_address_changes(list, {change(1, "10.1.0.1"), change(3, "10.1.0.3:2600")}, &err);
  REQUIRE(ok);
  CHECK((*ok)[0].address == "10.1.0.1:2510");
  CHECK((*ok)[1].address == "10.0.0.2:2510");
  CHECK((*ok)[2].address == "10.1.0.3:2600");

  CHECK_FALSE(apply_address_changes(list, {change(4, "10.1.0.4")}, &err));
  CHECK(err.find("MDS#4 is not in this repository's MDS list (its MDSs: 1, 2, 3)") != std::string::npos);
  CHECK_FALSE(apply_address_changes(list, {change(1, "10.1.0.1"), change(1, "10.1.0.9")}, &err));
  CHECK(err.find("given twice") != std::string::npos);
  CHECK_FALSE(apply_address_changes(list, {change(1, "10.0.0.2")}, &err));
  CHECK(err.find("would both be at 10.0.0.2:2510") != std::string::npos);
  CHECK_FALSE(apply_address_changes(list, {}, &err));
  // Swapping two addresses in one run is fine.
  CHECK(apply_address_changes(list, {change(1, "10.0.0.2"), change(2, "10.0.0.1")}, &err));
}

TEST_CASE("join advice: 2 MDSs need both; 3 need the other two; even counts are noted") {
  CHECK(mds_majority(1) == 1);
  CHECK(mds_majority(2) == 2);
  CHECK(mds_majority(3) == 2);
  CHECK(mds_majority(4) == 3);
  CHECK(mds_majority(5) == 3);
  auto two = join_advice(2, 2);
  CHECK(two.find("metadata changes wait until MDS#2 runs") != std::string::npos);
  CHECK(two.find("recommends 3 or 5") != std::string::npos);
  auto three = join_advice(3, 3);
  CHECK(three.find("until MDS#3 runs, all 2 other MDSs must stay up") != std::string::npos);
  CHECK(three.find("recommends") == std::string::npos);
  auto four = join_advice(4, 4);
  CHECK(four.find("all 3 other MDSs must stay up") != std::string::npos);
  CHECK(four.find("recommends 3 or 5") != std::string::npos);
  CHECK(join_advice(5, 5).find("all 4") == std::string::npos);  // 4 of 5 running > majority 3
  CHECK(join_advice(5, 5).empty());
}
