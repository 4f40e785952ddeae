#include <doctest/doctest.h>

#include "actors/client/write_batches.hpp"

using namespace pstorage::client;

TEST_CASE("pieces of one chunk travel together, in window order, whatever chunks they are interleaved with") {
  std::vector<piece_extent> w{{0, 10}, {1, 10}, {0, 10}, {2, 10}, {1, 10}, {0, 10}};
  auto b = batch_pieces(w, 1000);
  REQUIRE(b.size() == 3);
  CHECK(b[0].chunk_index == 0);
  CHECK(b[0].pieces == std::vector<size_t>{0, 2, 5});
  CHECK(b[0].bytes == 30);
  CHECK(b[1].pieces == std::vector<size_t>{1, 4});
  CHECK(b[2].pieces == std::vector<size_t>{3});
}

TEST_CASE("a batch never exceeds max_bytes; a chunk's later batch comes after its earlier one") {
  std::vector<piece_extent> w{{7, 400}, {7, 400}, {7, 400}, {8, 100}, {7, 100}};
  auto b = batch_pieces(w, 1000);
  REQUIRE(b.size() == 3);
  CHECK(b[0].pieces == std::vector<size_t>{0, 1});
  CHECK(b[1].pieces == std::vector<size_t>{2, 4});  // the newest batch of chunk 7 takes piece 4
  CHECK(b[2].pieces == std::vector<size_t>{3});
  size_t seen = 0;
  for (const auto& x : b) {
    CHECK(x.bytes <= 1000);
    seen += x.pieces.size();
  }
  CHECK(seen == w.size());
}

TEST_CASE("a piece larger than max_bytes is a batch of its own") {
  auto b = batch_pieces({{0, 5000}, {0, 10}}, 1000);
  REQUIRE(b.size() == 2);
  CHECK(b[0].pieces == std::vector<size_t>{0});
  CHECK(b[1].pieces == std::vector<size_t>{1});
  CHECK(batch_pieces({}, 1000).empty());
}
