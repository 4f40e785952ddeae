// crc32c.hpp — CRC32C (Castagnoli, iSCSI polynomial 0x1EDC6F41) over ISA-L.
//
// Contract: crc32c() returns the *standard* CRC32C (RFC 3720 appendix B.4):
// crc32c("123456789") == 0xE3069283, crc32c("") == 0. ISA-L's crc32_iscsi()
// neither pre- nor post-inverts, so the standard value is
// ~crc32_iscsi(buf, len, ~seed); crc32c_extend() continues a running value:
// crc32c_extend(crc32c(a), b) == crc32c(a + b).
//
// Used for chunk page checksums (guide: "Disabling Checksumming" — 4 bytes
// per 4 KiB page).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pstorage::persistence {

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t len);

inline uint32_t crc32c(const void* data, size_t len) { return crc32c_extend(0, data, len); }

}  // namespace pstorage::persistence
