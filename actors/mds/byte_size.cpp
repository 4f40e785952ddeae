#include "actors/mds/byte_size.hpp"

#include <cctype>

namespace pstorage::mds {

byte_size_result parse_byte_size(std::string_view text) {
  byte_size_result r;
  const std::string shown(text);
  auto bad = [&](const std::string& why) {
    r.error = "invalid size '" + shown + "': " + why + " (use bytes, or a number with K, M, G or T, e.g. 4M)";
    return r;
  };
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - d) / 10) return bad("too large");
    n = n * 10 + d;
    ++i;
  }
  if (i == 0) return bad("it does not start with a number");
  std::string suffix;
  for (; i < text.size(); ++i) suffix += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  unsigned shift = 0;
  if (!suffix.empty() && suffix != "B") {
    switch (suffix[0]) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: return bad("unknown suffix '" + std::string(text.substr(text.size() - suffix.size())) + "'");
    }
    auto rest = suffix.substr(1);
    if (!rest.empty() && rest != "B" && rest != "IB")
      return bad("unknown suffix '" + std::string(text.substr(text.size() - suffix.size())) + "'");
  }
  if (shift && n > (UINT64_MAX >> shift)) return bad("too large");
  r.value = n << shift;
  return r;
}

std::string validate_chunk_size(uint64_t bytes) {
  if (bytes < min_chunk_size)
    return "chunk size " + std::to_string(bytes) + " is below the minimum of 65536 bytes (64K)";
  if (bytes > max_chunk_size) return "chunk size " + std::to_string(bytes) + " is above the maximum of 1G";
  if (bytes % 4096 != 0) return "chunk size " + std::to_string(bytes) + " is not a multiple of 4096 bytes";
  return {};
}

}  // namespace pstorage::mds
