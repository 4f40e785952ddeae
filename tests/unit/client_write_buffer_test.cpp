#include <doctest/doctest.h>

#include <random>
#include <string>

#include "actors/client/write_buffer.hpp"

using namespace pstorage::client;

namespace {
// Applies extents in order to `file` (what the chunk servers end up holding).
void apply(std::string& file, const std::vector<write_extent>& ex) {
  for (auto& e : ex) {
    if (file.size() < e.end()) file.resize(e.end(), '\0');
    file.replace(e.offset, e.data.size(), e.data.data(), e.data.size());
  }
}
void write(std::string& file, uint64_t off, const std::string& s) {
  if (file.size() < off + s.size()) file.resize(off + s.size(), '\0');
  file.replace(off, s.size(), s);
}
}  // namespace

TEST_CASE("SQLite's journal pattern coalesces into one extent") {
  write_buffer b;
  std::string hdr(512, 'h'), page(4096, 'p');
  b.add(0, hdr.data(), 512);
  b.add(512, "cnt1", 4);
  b.add(516, page.data(), 4096);
  b.add(4612, "crc1", 4);
  CHECK(b.extents() == 1);
  CHECK(b.bytes() == 4616);
  CHECK(b.end() == 4616);
  auto ex = b.take();
  CHECK(b.empty());
  CHECK(b.bytes() == 0);
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].offset == 0);
  CHECK(ex[0].data.size() == 4616);
}

TEST_CASE("a disjoint write starts a new extent; overlaps keep the newest bytes") {
  write_buffer b;
  b.add(100, "aaaa", 4);
  b.add(0, "bb", 2);
  CHECK(b.extents() == 2);
  CHECK(b.end() == 104);
  b.add(1, "cc", 2);  // overlaps the newest extent only
  auto ex = b.take();
  std::string f;
  apply(f, ex);
  CHECK(f.substr(0, 3) == "bcc");
  CHECK(f.substr(100) == "aaaa");
}

TEST_CASE("restore puts unsent extents before newer writes") {
  write_buffer b;
  b.add(0, "old!", 4);
  auto ex = b.take();
  b.add(2, "NE", 2);
  b.restore(std::move(ex));
  CHECK(b.bytes() == 6);
  std::string f;
  apply(f, b.take());
  CHECK(f == "olNE");
}

TEST_CASE("random writes: sending the extents in order reproduces the file") {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    write_buffer b;
    std::string expected, sent;
    for (int i = 0; i < 30; ++i) {
      uint64_t off = rng() % 200;
      std::string s(1 + rng() % 40, static_cast<char>('a' + rng() % 26));
      write(expected, off, s);
      b.add(off, s.data(), s.size());
      if (rng() % 7 == 0) apply(sent, b.take());  // a flush in between
    }
    apply(sent, b.take());
    REQUIRE(sent == expected);
  }
}

TEST_CASE("after a write: keep below the limit, wake the sender at it, wait at twice, send here at four times") {
  constexpr size_t L = 16;
  CHECK(after_buffered_write(0, L, true) == after_write::keep);
  CHECK(after_buffered_write(L - 1, L, true) == after_write::keep);
  CHECK(after_buffered_write(L, L, true) == after_write::wake);
  CHECK(after_buffered_write(2 * L - 1, L, true) == after_write::wake);
  CHECK(after_buffered_write(2 * L, L, true) == after_write::wait_wake);
  CHECK(after_buffered_write(4 * L - 1, L, true) == after_write::wait_wake);
  CHECK(after_buffered_write(4 * L, L, true) == after_write::send_here);
  // without a background sender a full buffer is sent by the writer itself
  CHECK(after_buffered_write(L, L, false) == after_write::send_here);
  CHECK(after_buffered_write(L - 1, L, false) == after_write::keep);
}
