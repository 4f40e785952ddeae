// MDS membership change rules (actors/mds/mds_membership.hpp).
#include <doctest/doctest.h>

#include "actors/mds/mds_membership.hpp"

using namespace pstorage::mds;

TEST_CASE("adding an MDS counts it as about to run") {
  // 1 -> 2: the new MDS must start before changes commit again, but it is allowed.
  CHECK_FALSE(refuse_membership_change({1}, {1}, {.add = 2}));
  CHECK_FALSE(refuse_membership_change({1, 2}, {1, 2}, {.add = 3}));
  // 3 members, 2 running: 4 members need 3, the 2 running + the new one.
  CHECK_FALSE(refuse_membership_change({1, 2, 3}, {1, 2}, {.add = 4}));
  // 5 members, 3 running: 6 need 4 = 3 + the new one.
  CHECK_FALSE(refuse_membership_change({1, 2, 3, 4, 5}, {1, 2, 3}, {.add = 6}));
  // 4 members, 2 running: 5 need 3 = 2 + 1 ... allowed; 6 members with 2 running: 7 need 4 > 3.
  auto why = refuse_membership_change({1, 2, 3, 4, 5, 6}, {1, 2}, {.add = 7});
  REQUIRE(why);
  CHECK(why->find("would leave 3 of 7 MDSs running, fewer than the majority of 4") != std::string::npos);
  CHECK(why->find("2 of 6 run now") != std::string::npos);
}

TEST_CASE("removing an MDS must leave a running majority") {
  CHECK_FALSE(refuse_membership_change({1, 2, 3}, {1, 2, 3}, {.remove = 3}));
  CHECK_FALSE(refuse_membership_change({1, 2, 3}, {1, 2}, {.remove = 3}));  // the stopped one goes
  auto why = refuse_membership_change({1, 2, 3}, {1, 2}, {.remove = 2});
  REQUIRE(why);
  CHECK(why->find("removing MDS#2 would leave 1 of 2 MDSs running, fewer than the majority of 2") != std::string::npos);
  CHECK(refuse_membership_change({1}, {1}, {.remove = 1})->find("only MDS") != std::string::npos);
  CHECK(refuse_membership_change({1, 2, 3}, {1, 2, 3}, {.remove = 9})->find("not a member") != std::string::npos);
  CHECK(refuse_membership_change({1, 2}, {1, 2}, {.add = 2})->find("already a member") != std::string::npos);
}

TEST_CASE("MDS ids are never reused") {
  CHECK(next_mds_id({1}, 0) == 2);
  CHECK(next_mds_id({1, 2}, 5) == 6);  // MDS#3..5 were removed
  CHECK(next_mds_id({4, 1}, 2) == 5);
}
