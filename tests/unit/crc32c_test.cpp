// crc32c_test.cpp — CRC32C over ISA-L against the standard test vectors
// (RFC 3720 appendix B.4 and the usual "123456789" check value), and the page
// checksum encoding of chunk_storage.hpp.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "persistence/chunk_storage.hpp"
#include "persistence/crc32c.hpp"

using namespace pstorage::persistence;

TEST_CASE("crc32c check value and empty input") {
  const std::string s = "123456789";
  CHECK(crc32c(s.data(), s.size()) == 0xE3069283u);
  CHECK(crc32c(s.data(), 0) == 0u);
  CHECK(crc32c("a", 1) == 0xC1D04330u);
}

TEST_CASE("crc32c RFC 3720 B.4 vectors") {
  std::vector<unsigned char> buf(32);
  std::memset(buf.data(), 0, 32);
  CHECK(crc32c(buf.data(), 32) == 0x8A9136AAu);
  std::memset(buf.data(), 0xff, 32);
  CHECK(crc32c(buf.data(), 32) == 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(i);
  CHECK(crc32c(buf.data(), 32) == 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(31 - i);
  CHECK(crc32c(buf.data(), 32) == 0x113FDB5Cu);
}

TEST_CASE("crc32c_extend continues a running checksum at any split point") {
  std::vector<char> data(10000);
  uint32_t x = 12345;
  for (auto& c : data) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  const uint32_t whole = crc32c(data.data(), data.size());
  for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{4096}, size_t{9999}, data.size()}) {
    uint32_t part = crc32c(data.data(), split);
    CHECK(crc32c_extend(part, data.data() + split, data.size() - split) == whole);
  }
}

TEST_CASE("page_checksum: a page of zeros is stored as 0, any other page is not") {
  std::vector<char> page(chunk_page_size, 0);
  CHECK(page_checksum(page.data()) == 0u);
  page[4095] = 1;
  const uint32_t one = page_checksum(page.data());
  CHECK(one != 0u);
  page[4095] = 0;
  page[0] = 1;
  CHECK(page_checksum(page.data()) != one);  // position matters
}
