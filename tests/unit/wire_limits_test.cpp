// wire::decode refuses a message above its size limits before copying or
// parsing it (issue 14: "a maximum message size is enforced before
// decoding"; protocol/wire.hpp size_limits).
#include <doctest/doctest.h>

#include "protocol/messages.hpp"

using namespace pstorage;
namespace p = pstorage::proto;

namespace {
msg::client_to_cs_write write_of(size_t payload) {
  return wire::make<p::ClientToCsWrite>(
      [](auto b) {
        b.setChunkId(7);
        b.setVersion(3);
      },
      std::vector<char>(payload, 'x'));
}
}  // namespace

TEST_CASE("messages and payloads up to the limits decode; one byte more is refused, naming the type") {
  auto m = write_of(100);
  wire::size_limits lim;
  lim.message_bytes = m.bytes.size();
  lim.payload_bytes = 100;
  CHECK(wire::decode(m, lim));

  lim.message_bytes = m.bytes.size() - 8;
  auto d = wire::decode(m, lim);
  REQUIRE_FALSE(d);
  CHECK(d.error == "oversized ClientToCsWrite: message of " + std::to_string(m.bytes.size()) +
                       " bytes, the limit is " + std::to_string(m.bytes.size() - 8));

  lim.message_bytes = m.bytes.size();
  lim.payload_bytes = 99;
  d = wire::decode(m, lim);
  REQUIRE_FALSE(d);
  CHECK(d.error == "oversized ClientToCsWrite: payload of 100 bytes, the limit is 99");
}

TEST_CASE("the size check comes before the well-formedness check") {
  // Garbage that is too large is refused as oversized: nothing was parsed.
  msg::mds_to_cs_delete_chunk m;
  m.bytes.assign(64, '\xff');
  wire::size_limits lim;
  lim.message_bytes = 32;
  auto d = wire::decode(m, lim);
  REQUIRE_FALSE(d);
  CHECK(d.error.rfind("oversized MdsToCsDeleteChunk: message of 64 bytes", 0) == 0);
}

TEST_CASE("the default limits: 64 MiB of message, a 64 MiB chunk of payload") {
  CHECK(wire::default_limits.message_bytes == wire::traversal_limit_words * 8);
  CHECK(wire::default_limits.message_bytes == uint64_t{64} << 20);
  CHECK(wire::default_limits.payload_bytes == uint64_t{64} << 20);
  CHECK(wire::decode(write_of(size_t{64} << 20)));  // a whole 64 MiB chunk
  auto d = wire::decode(write_of((size_t{64} << 20) + 1));
  REQUIRE_FALSE(d);
  CHECK(d.error.find("oversized ClientToCsWrite: payload of 67108865 bytes") == 0);
  msg::mds_to_cs_delete_chunk big;
  big.bytes.resize((size_t{64} << 20) + 8);
  auto b = wire::decode(big);
  REQUIRE_FALSE(b);
  CHECK(b.error.find("oversized MdsToCsDeleteChunk: message of 67108872 bytes") == 0);
}
