// set-config / get-config parameters (actors/mds/cluster_params.hpp).
#include <doctest/doctest.h>

#include "actors/mds/cluster_params.hpp"

using namespace pstorage::mds;

TEST_CASE("defaults are the guide's") {
  cluster_params p;
  CHECK(p.get("mds.wd.offline_tout") == 300000);
  CHECK(p.get("mds.wd.max_offline_cs") == 2);
  CHECK(p.get("mds.wd.verify_chunks") == 2);
  CHECK(p.get("mds.alloc.fill_margin") == 5);
  CHECK(p.get("mds.alloc.strict_failure_domain") == 1);
  CHECK_THROWS_AS(p.get("nope"), std::out_of_range);
}

TEST_CASE("assignments parse and override") {
  std::string err;
  auto a = parse_param_assignment("mds.wd.verify_chunks=3", &err);
  REQUIRE(a);
  cluster_params p;
  p.set(*a);
  CHECK(p.get("mds.wd.verify_chunks") == 3);
  auto b = parse_param_assignment("mds.alloc.strict_failure_domain=false", &err);
  REQUIRE(b);
  CHECK(b->value == 0);
}

TEST_CASE("unknown names and out-of-range values are refused with the valid range") {
  std::string err;
  CHECK_FALSE(parse_param_assignment("mds.wd.bogus=1", &err));
  CHECK(err.find("unknown parameter 'mds.wd.bogus'") != std::string::npos);
  CHECK(err.find("mds.wd.offline_tout") != std::string::npos);
  CHECK_FALSE(parse_param_assignment("mds.alloc.fill_margin=90", &err));
  CHECK(err.find("out of range 0..50 (percent)") != std::string::npos);
  CHECK_FALSE(parse_param_assignment("mds.wd.offline_tout=-5", &err));
  CHECK(err.find("not a non-negative integer") != std::string::npos);
  CHECK_FALSE(parse_param_assignment("mds.wd.offline_tout", &err));
  CHECK(err.find("NAME=VALUE") != std::string::npos);
  CHECK_FALSE(parse_param_assignment("mds.wd.offline_tout=10", &err));
  CHECK(err.find("1000..") != std::string::npos);
}

TEST_CASE("rebalancing parameters: threshold 1..100 (10), jobs 0..64 (2, 0 disables)") {
  cluster_params p;
  CHECK(p.get("mds.repl.rebalance_threshold") == 10);
  CHECK(p.get("mds.repl.rebalance_jobs") == 2);
  std::string err;
  CHECK(parse_param_assignment("mds.repl.rebalance_jobs=0", &err));
  CHECK_FALSE(parse_param_assignment("mds.repl.rebalance_jobs=65", &err));
  CHECK(err.find("out of range 0..64 (count)") != std::string::npos);
  CHECK_FALSE(parse_param_assignment("mds.repl.rebalance_threshold=0", &err));
  CHECK(err.find("out of range 1..100 (percent)") != std::string::npos);
}
