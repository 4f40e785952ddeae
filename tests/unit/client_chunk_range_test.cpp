#include <doctest/doctest.h>

#include "actors/client/chunk_range.hpp"

using namespace pstorage::client;

TEST_CASE("a range inside one chunk is one piece") {
  auto p = split_range(100, 50, 1024);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == chunk_piece{0, 100, 50, 0});
}

TEST_CASE("a range crossing chunk boundaries is split at each boundary") {
  const uint64_t cs = 1 << 20;
  auto p = split_range(cs - 10, 2 * cs + 20, cs);
  REQUIRE(p.size() == 4);
  CHECK(p[0] == chunk_piece{0, cs - 10, 10, 0});
  CHECK(p[1] == chunk_piece{1, 0, cs, 10});
  CHECK(p[2] == chunk_piece{2, 0, cs, 10 + cs});
  CHECK(p[3] == chunk_piece{3, 0, 10, 10 + 2 * cs});
  uint64_t total = 0;
  for (auto& x : p) total += x.length;
  CHECK(total == 2 * cs + 20);
}

TEST_CASE("a range starting exactly on a boundary starts in that chunk") {
  auto p = split_range(2048, 1024, 1024);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == chunk_piece{2, 0, 1024, 0});
}

TEST_CASE("empty range or zero chunk size gives no pieces") {
  CHECK(split_range(5, 0, 1024).empty());
  CHECK(split_range(5, 10, 0).empty());
}

TEST_CASE("chunk_count rounds up") {
  CHECK(chunk_count(0, 1024) == 0);
  CHECK(chunk_count(1, 1024) == 1);
  CHECK(chunk_count(1024, 1024) == 1);
  CHECK(chunk_count(1025, 1024) == 2);
}
