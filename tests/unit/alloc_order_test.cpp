// actors/mds/alloc_order.hpp: chunk allocations are proposed in id order.
#include <doctest/doctest.h>

#include <string>

#include "actors/mds/alloc_order.hpp"

using pstorage::mds::alloc_order;

namespace {
std::string run(std::vector<alloc_order::action> v) {
  std::string s;
  for (auto& a : v) a();
  return s;
}
}  // namespace

TEST_CASE("a larger id whose CSs answer first waits for the smaller one") {
  alloc_order g;
  std::string order;
  g.begin(41);
  g.begin(42);
  auto now = g.finish(42, [&] { order += "42 "; });
  CHECK(now.empty());  // 41 still waits for its CSs
  CHECK(g.held() == 1);
  now = g.finish(41, [&] { order += "41 "; });
  REQUIRE(now.size() == 2);
  run(std::move(now));
  CHECK(order == "41 42 ");
  CHECK(g.held() == 0);
  CHECK(g.waiting() == 0);
}

TEST_CASE("in order: each proposes at once") {
  alloc_order g;
  std::string order;
  g.begin(1);
  g.begin(2);
  run(g.finish(1, [&] { order += "1 "; }));
  CHECK(order == "1 ");
  run(g.finish(2, [&] { order += "2 "; }));
  CHECK(order == "1 2 ");
}

TEST_CASE("a smaller id that gives up releases the ones held for it, and only those") {
  alloc_order g;
  std::string order;
  g.begin(5);
  g.begin(6);
  g.begin(7);
  g.begin(8);
  CHECK(g.finish(6, [&] { order += "6 "; }).empty());
  CHECK(g.finish(8, [&] { order += "8 "; }).empty());
  auto now = g.finish(5, {});  // 5's CSs failed: it proposes nothing
  REQUIRE(now.size() == 1);    // 6 goes; 8 still waits for 7
  run(std::move(now));
  CHECK(order == "6 ");
  run(g.finish(7, [&] { order += "7 "; }));
  CHECK(order == "6 7 8 ");
  CHECK(g.held() == 0);
}

TEST_CASE("an id that was never begun is not held back by anything") {
  alloc_order g;
  bool ran = false;
  run(g.finish(3, [&] { ran = true; }));
  CHECK(ran);
}
