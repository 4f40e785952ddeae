// wire.hpp — the one piece of glue that carries any Cap'n Proto message inside
// a CAF message (DESIGN.md: protocol/).
//
// Contract:
//  * wire::msg<S> holds the flat-array bytes of one Cap'n Proto message whose
//    root is struct S, plus an optional bulk payload (chunk data) that travels
//    beside the header without being copied through Cap'n Proto.
//  * Every msg<S> type is registered with CAF's type system under the name
//    "pstorage.<S>" (protocol/wire_types.hpp), so actors exchange them the same
//    way whether the peer is local or on another node.
//  * decode() never throws: malformed, truncated or hostile bytes yield an
//    error string that names the message type (unit-tested with corrupted
//    buffers in tests/unit/wire_test.cpp); a message above size_limits is
//    refused before it is copied or parsed (tests/unit/wire_limits_test.cpp).
#pragma once

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pstorage::wire {

template <class Schema>
struct msg {
  using schema = Schema;
  std::vector<char> bytes;    // Cap'n Proto flat array (segment table + words)
  std::vector<char> payload;  // bulk data, e.g. chunk contents; may be empty
};

// CAF 0.17 inspection: both vectors are serialized with one memcpy each.
template <class Inspector, class Schema>
typename Inspector::result_type inspect(Inspector& f, msg<Schema>& x) {
  return f(x.bytes, x.payload);
}

// Limits applied to every decoded message: a hostile peer cannot make us walk
// more than 64 MiB of pointers or nest deeper than 64 levels.
inline constexpr uint64_t traversal_limit_words = 8u * 1024 * 1024;
inline capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = traversal_limit_words;
  o.nestingLimit = 64;
  return o;
}
// decode()'s checking walk may spend at most this much of the traversal
// budget on a message of `message_words` words: a few walks of its own size.
// Cap'n Proto charges each element of a list of zero-sized elements a word,
// so a small message can announce lists that cost millions of words to walk
// (fuzz/wire_decode: a 241-byte ElectionToMdsCommitted took over 10 s under
// ASan within the flat 8 Mi-word limit). A real message costs about twice
// its size (totalSize(), then deep_validate()); no schema in protocol/ has a
// list of zero-sized elements, so 4x plus a constant leaves room.
inline uint64_t checking_budget_words(uint64_t message_words) {
  return std::min<uint64_t>(traversal_limit_words, 4 * message_words + 1024);
}
// For a message that passed decode()'s checks: no traversal budget (see decode).
inline capnp::ReaderOptions handler_reader_options() {
  capnp::ReaderOptions o = reader_options();
  o.traversalLimitInWords = std::numeric_limits<uint64_t>::max();
  return o;
}

// The largest message decode() looks at (issue 14: "a maximum message size is
// enforced before decoding"); anything larger is refused before a byte is
// copied or parsed. `message_bytes`: the Cap'n Proto part; no message of
// more than the traversal limit can decode anyway (the largest real ones,
// an MDS snapshot export of md.db, are bounded by it too). `payload_bytes`:
// the bulk part, a chunk's data at most (cs_max_chunk_size, 64 MiB; the CS
// checks that its chunk size fits).
struct size_limits {
  uint64_t message_bytes = traversal_limit_words * sizeof(capnp::word);
  uint64_t payload_bytes = uint64_t{64} << 20;
};
inline constexpr size_limits default_limits{};

// Builds a message: `fill` receives the root builder of S.
template <class Schema, class Fill>
msg<Schema> make(Fill&& fill, std::vector<char> payload = {}) {
  capnp::MallocMessageBuilder builder;
  fill(builder.initRoot<Schema>());
  auto words = capnp::messageToFlatArray(builder);
  auto bytes = words.asBytes();
  msg<Schema> m;
  m.bytes.assign(reinterpret_cast<const char*>(bytes.begin()),
                 reinterpret_cast<const char*>(bytes.end()));
  m.payload = std::move(payload);
  return m;
}

// A decoded, fully validated message. Owns what `root` points into.
template <class Schema>
class decoded {
 public:
  typename Schema::Reader root;

  decoded(std::unique_ptr<capnp::word[]> words,
          std::unique_ptr<capnp::FlatArrayMessageReader> reader,
          typename Schema::Reader r)
      : root(r), words_(std::move(words)), reader_(std::move(reader)) {}

 private:
  std::unique_ptr<capnp::word[]> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
};

// Reads every present field of the message once through its schema, so that
// type mismatches (a list where a struct belongs, text without its NUL) are
// caught here; totalSize() alone checks only bounds.
inline void deep_validate(capnp::DynamicValue::Reader v) {
  switch (v.getType()) {
    case capnp::DynamicValue::STRUCT: {
      auto s = v.as<capnp::DynamicStruct>();
      for (auto f : s.getSchema().getNonUnionFields())
        if (s.has(f)) deep_validate(s.get(f));
      KJ_IF_MAYBE (u, s.which()) { deep_validate(s.get(*u)); }
      break;
    }
    case capnp::DynamicValue::LIST:
      for (auto e : v.as<capnp::DynamicList>()) deep_validate(e);
      break;
    case capnp::DynamicValue::TEXT:
      (void)v.as<capnp::Text>();
      break;
    case capnp::DynamicValue::DATA:
      (void)v.as<capnp::Data>();
      break;
    default:
      break;
  }
}

template <class Schema>
struct decode_result {
  std::optional<decoded<Schema>> value;
  std::string error;  // set when !value
  explicit operator bool() const { return value.has_value(); }
  const typename Schema::Reader& operator*() const { return value->root; }
  const typename Schema::Reader* operator->() const { return &value->root; }
};

// Validates and decodes. Sizes are checked first (`limits`); then the bytes
// are copied into word-aligned storage (the reader needs alignment) and the
// whole message is traversed once with totalSize() and deep_validate(), so
// later field access cannot throw.
template <class Schema>
decode_result<Schema> decode(const msg<Schema>& m, const size_limits& limits = default_limits) {
  decode_result<Schema> out;
  const auto name = std::string(capnp::Schema::from<Schema>().getShortDisplayName().cStr());
  if (m.bytes.size() > limits.message_bytes || m.payload.size() > limits.payload_bytes) {
    const bool header = m.bytes.size() > limits.message_bytes;
    out.error = "oversized " + name + ": " + (header ? "message" : "payload") + " of " +
                std::to_string(header ? m.bytes.size() : m.payload.size()) + " bytes, the limit is " +
                std::to_string(header ? limits.message_bytes : limits.payload_bytes);
    return out;
  }
  if (m.bytes.empty() || m.bytes.size() % sizeof(capnp::word) != 0) {
    out.error = "malformed " + name + ": length " + std::to_string(m.bytes.size()) +
                " is not a non-zero multiple of 8 bytes";
    return out;
  }
  const size_t n = m.bytes.size() / sizeof(capnp::word);
  std::unique_ptr<capnp::word[]> words(new capnp::word[n]);
  std::memcpy(words.get(), m.bytes.data(), m.bytes.size());
  try {
    const kj::ArrayPtr<const capnp::word> array(words.get(), n);
    {
      auto checking_options = reader_options();
      checking_options.traversalLimitInWords = checking_budget_words(n);
      capnp::FlatArrayMessageReader checking(array, checking_options);
      auto root = checking.template getRoot<Schema>();
      (void)root.totalSize();                 // bounds of every pointer
      deep_validate(capnp::toDynamic(root));  // kinds of every pointer
    }
    // The traversal limit is a budget spent by every read of the message, not
    // a property of it: a small message whose lists cost millions of words to
    // walk (zero-sized elements are charged a word each) passes the checks
    // above and would make a handler's second read of a field throw
    // (fuzz/wire_decode found one of 241 bytes). Having walked it all once
    // within checking_budget_words (a few times its size, so handlers'
    // loops over it are bounded by its size too), the handler's reader gets
    // no budget to exhaust.
    auto reader = std::make_unique<capnp::FlatArrayMessageReader>(array, handler_reader_options());
    auto root = reader->template getRoot<Schema>();
    out.value.emplace(std::move(words), std::move(reader), root);
  } catch (const kj::Exception& e) {
    out.error = "malformed " + name + ": " + std::string(e.getDescription().cStr());
  } catch (const std::exception& e) {
    out.error = "malformed " + name + ": " + e.what();
  }
  return out;
}

}  // namespace pstorage::wire
