// The Cap'n Proto <-> CAF glue: round trips, and corrupted, truncated or
// hostile bytes yield an error naming the message, never a crash or an
// uncaught exception (issue 2, "Protocol").
#include <doctest/doctest.h>

#include <random>

#include "protocol/messages.hpp"

using namespace pstorage;
namespace p = pstorage::proto;

namespace {
msg::cs_to_mds_register sample() {
  return wire::make<p::CsToMdsRegister>(
      [](auto b) {
        b.initCredentials().setCluster("pcs1");
        b.setCsId(1025);
        b.setRepoUuid("0123456789abcdef");
        auto i = b.initInfo();
        i.setHost("node1");
        i.setAddress("127.0.0.1:4000");
        i.setTotalBytes(1ull << 40);
        i.setFlags("C");
      },
      std::vector<char>{'d', 'a', 't', 'a'});
}
}  // namespace

TEST_CASE("a message round-trips with its fields and payload") {
  auto m = sample();
  auto d = wire::decode(m);
  REQUIRE(d);
  CHECK(std::string(d->getCredentials().getCluster().cStr()) == "pcs1");
  CHECK(d->getCsId() == 1025);
  CHECK(std::string(d->getInfo().getAddress().cStr()) == "127.0.0.1:4000");
  CHECK(d->getInfo().getTotalBytes() == (1ull << 40));
  CHECK(m.payload == std::vector<char>{'d', 'a', 't', 'a'});
}

TEST_CASE("empty and odd-length buffers are refused with the message name") {
  msg::cs_to_mds_register m;
  auto d = wire::decode(m);
  CHECK_FALSE(d);
  CHECK(d.error.find("CsToMdsRegister") != std::string::npos);
  m = sample();
  m.bytes.resize(m.bytes.size() - 3);
  auto t = wire::decode(m);
  CHECK_FALSE(t);
  CHECK(t.error.find("malformed") != std::string::npos);
}

TEST_CASE("every truncation to a multiple of 8 bytes is refused or decodes safely") {
  auto full = sample();
  size_t refused = 0;
  for (size_t n = 8; n < full.bytes.size(); n += 8) {
    auto m = full;
    m.bytes.resize(n);
    auto d = wire::decode(m);
    if (!d) {
      ++refused;
      CHECK_FALSE(d.error.empty());
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("random corruption never throws or crashes; damaged segment tables are refused") {
  auto full = sample();
  std::mt19937_64 rng(42);
  size_t refused = 0;
  for (int i = 0; i < 5000; ++i) {
    auto m = full;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) m.bytes[rng() % m.bytes.size()] ^= static_cast<char>(1 + rng() % 255);
    wire::decode_result<p::CsToMdsRegister> d;
    CHECK_NOTHROW(d = wire::decode(m));
    if (d) {
      // Whatever survived validation must be readable without throwing.
      CHECK_NOTHROW((void)std::string(d->getInfo().getHost().cStr()));
    } else {
      ++refused;
    }
  }
  CHECK(refused > 0);
  // a segment table claiming an absurd size
  auto m = full;
  m.bytes[4] = m.bytes[5] = m.bytes[6] = m.bytes[7] = static_cast<char>(0x7f);
  CHECK_FALSE(wire::decode(m));
}

TEST_CASE("a message of another type does not validate as garbage-free data by accident") {
  // A heartbeat decoded as a register: structurally valid Cap'n Proto, so it
  // decodes, but all pointer fields read as defaults instead of crashing.
  auto hb = wire::make<p::CsToMdsHeartbeat>([](auto b) { b.setCsId(7); });
  msg::cs_to_mds_register as_register{hb.bytes, {}};
  auto d = wire::decode(as_register);
  REQUIRE(d);
  CHECK(std::string(d->getRepoUuid().cStr()).empty());
}

// Found by fuzz/wire_decode (tests/fuzz): 240 bytes of ElectionToMdsCommitted
// whose lists cost millions of words of traversal budget to walk. decode()
// accepted it, and the next read of a field by a handler threw
// kj::Exception "Exceeded message traversal limit" (it terminated the fuzzer;
// it would have stopped an MDS actor). Decoded messages must stay readable.
TEST_CASE("a decoded message whose walk is costly can be read again and again") {
  static const unsigned char found[] = {
    0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x05, 0x00, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    0x47, 0x00, 0x00, 0x00, 0x2d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x47, 0x00, 0x00,
    0x00, 0x2d, 0x00, 0x00, 0x00, 0x27, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
    0x00, 0x03, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x22, 0x00, 0x00,
    0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xe6, 0xe6, 0xe6, 0xe6, 0xe6, 0xe6, 0xe6,
    0xe6, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
    0x00, 0x22, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e,
    0x31, 0x3a, 0x34, 0x30, 0x30, 0x30, 0x00, 0x00, 0x31, 0x32, 0x37, 0x2e,
    0x30, 0x2e, 0x30, 0x2e, 0x31, 0x3a, 0x34, 0x30, 0x30, 0x30, 0x00, 0x00};
  msg::election_to_mds_committed m;
  m.bytes.assign(reinterpret_cast<const char*>(found), reinterpret_cast<const char*>(found) + sizeof found);
  auto d = wire::decode(m);
  REQUIRE(d);
  for (int i = 0; i < 3; ++i) {
    CHECK_NOTHROW(wire::deep_validate(capnp::toDynamic(*d)));
    CHECK_NOTHROW((void)d->totalSize());
  }
}
