#include <doctest/doctest.h>

#include "actors/client/size_tracker.hpp"

using namespace pstorage::client;

TEST_CASE("writes past the end are reported once") {
  size_tracker t;
  CHECK_FALSE(t.to_report());
  t.wrote(100);
  t.wrote(50);
  REQUIRE(t.to_report());
  CHECK(*t.to_report() == 100);
  t.reported(100);
  CHECK_FALSE(t.to_report());
  t.wrote(200);
  CHECK(*t.to_report() == 200);
}

TEST_CASE("the writer's mount shows max(local, MDS)") {
  size_tracker t;
  t.wrote(4096);
  CHECK(t.visible(0) == 4096);
  CHECK(t.visible(10000) == 10000);
}

TEST_CASE("a size the MDS already knows is not reported again") {
  size_tracker t;
  t.seen(5000);
  t.wrote(4000);
  CHECK_FALSE(t.to_report());
  CHECK(t.local() == 5000);
}

TEST_CASE("truncate sets both sizes, also downwards") {
  size_tracker t;
  t.wrote(10000);
  t.reported(10000);
  t.truncated(10);
  CHECK(t.visible(0) == 10);
  CHECK_FALSE(t.to_report());
  t.wrote(20);
  CHECK(*t.to_report() == 20);
}
