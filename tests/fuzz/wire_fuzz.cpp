// libFuzzer target: wire::decode of every Cap'n Proto message type a peer can
// send (issue 14, "a fuzz target for every decoder a peer can reach";
// protocol/wire.hpp). Input: one byte choosing the message type (index into
// PSTORAGE_WIRE_MESSAGES, modulo their count), then the message's bytes.
// A decoded message is read once more through its schema; nothing may
// crash, leak, trip a sanitizer or throw. Run by tests/fuzz/wire_fuzz.sh.
#include <capnp/dynamic.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/messages.hpp"

namespace {

using namespace pstorage;

template <class Msg>
void decode_as(const uint8_t* data, size_t size) {
  Msg m;
  m.bytes.assign(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size);
  auto d = wire::decode(m);
  if (!d) return;
  // What a handler does next: read fields. decode() promised this cannot throw.
  wire::deep_validate(capnp::toDynamic(*d));
  (void)(*d).totalSize();
}

constexpr size_t type_count = 0
#define PSTORAGE_FUZZ_COUNT(name) +1
    PSTORAGE_WIRE_MESSAGES(PSTORAGE_FUZZ_COUNT)
#undef PSTORAGE_FUZZ_COUNT
    ;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t which = data[0] % type_count;
  size_t i = 0;
#define PSTORAGE_FUZZ_CASE(name) \
  if (i++ == which) decode_as<msg::name>(data + 1, size - 1);
  PSTORAGE_WIRE_MESSAGES(PSTORAGE_FUZZ_CASE)
#undef PSTORAGE_FUZZ_CASE
  return 0;
}
