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

TEST_CASE("max_piece splits at its multiples too, never across a chunk boundary") {
  // chunk 1000, pieces at most 300: boundaries at 300, 600, 900, 1000 (chunk), 1200 ...
  auto p = split_range(250, 1000, 1000, 300);
  REQUIRE(p.size() == 6);
  CHECK(p[0] == chunk_piece{0, 250, 50, 0});
  CHECK(p[1] == chunk_piece{0, 300, 300, 50});
  CHECK(p[2] == chunk_piece{0, 600, 300, 350});
  CHECK(p[3] == chunk_piece{0, 900, 100, 650});
  CHECK(p[4] == chunk_piece{1, 0, 200, 750});
  CHECK(p[5] == chunk_piece{1, 200, 50, 950});
  uint64_t total = 0;
  for (const auto& x : p) total += x.length;
  CHECK(total == 1000);
  CHECK(split_range(0, 600, 1000, 300).size() == 2);
  CHECK(split_range(0, 600, 1000, 0).size() == 1);
}

TEST_CASE("chunk_count rounds up") {
  CHECK(chunk_count(0, 1024) == 0);
  CHECK(chunk_count(1, 1024) == 1);
  CHECK(chunk_count(1024, 1024) == 1);
  CHECK(chunk_count(1025, 1024) == 2);
}
