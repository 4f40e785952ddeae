// byte_size.hpp — parsing of size arguments such as `make-mds --chunk-size`.
// Pure: no I/O.
//
//   parse_byte_size("4M") == 4 MiB; suffixes K, M, G, T (powers of 1024,
//   case-insensitive, an optional trailing "B"/"iB": "4MiB", "64MB"); plain
//   digits are bytes. Anything else (empty, negative, fractions, overflow,
//   unknown suffix) is an error with a message saying what is accepted.
//
//   validate_chunk_size(n): the cluster's chunk size (issue 3: "64 MiB default;
//   a smaller size settable at cluster creation for tests") must be a multiple
//   of 4096 (the CS checksums 4 KiB pages) and at least 64 KiB; at most 1 GiB.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pstorage::mds {

struct byte_size_result {
  std::optional<uint64_t> value;
  std::string error;
};

byte_size_result parse_byte_size(std::string_view text);

inline constexpr uint64_t min_chunk_size = 64ull << 10;
inline constexpr uint64_t max_chunk_size = 1ull << 30;

// Empty string when valid, else the reason.
std::string validate_chunk_size(uint64_t bytes);

}  // namespace pstorage::mds
