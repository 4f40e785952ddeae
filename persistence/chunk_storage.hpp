// chunk_storage.hpp — the disk seam of the chunk server (DESIGN.md principle
// 3): one abstract, synchronous interface over the replicas a CS stores. The
// real CS uses disk_chunk_storage, the deterministic simulator uses
// memory_chunk_storage (which adds fault injection). The CS actor owns one
// instance and is its only caller: implementations are NOT thread-safe.
//
// Guide sections: "Setting Up Chunk Servers", "Disabling Checksumming"
// (4 bytes of checksum per 4 KiB page; make-cs -S turns checksumming off),
// "Configuring Data Scrubbing" (verify()), "Failed Chunk Servers" (flag H =
// I/O error -> storage_errc::io_error, flag h = checksum mismatch ->
// storage_errc::checksum_mismatch).
//
// Contract shared by every implementation:
// - A replica is (chunk id, version). It holds bytes [0, length) of a chunk of
//   at most chunk_size() bytes (64 MiB by default, guide glossary "Data
//   chunk"). length = highest offset ever written; a new replica is empty.
// - Errors are values (storage_status / storage_result), never exceptions.
// - read()/write() need the replica's exact current version, else
//   stale_version; an unknown chunk gives not_found. offset + length must not
//   exceed chunk_size(), else invalid_argument.
// - read() always returns exactly `length` bytes: holes and everything past
//   the replica's length (up to chunk_size()) read as zeros.
// - Writes may have any offset and length. With checksums on, every 4 KiB
//   page carries a CRC32C. A write that only partly covers a page re-reads
//   that page and verifies it before recomputing the checksum: if the old
//   page is already corrupt the write is refused with checksum_mismatch (a
//   new checksum must never bless rotten bytes). Only a write covering whole
//   pages replaces a corrupt page.
// - A read with checksums on verifies every page it touches; a mismatch is
//   checksum_mismatch naming the chunk and (in storage_status::page) the
//   first bad page, and no data is returned. With checksums off (make-cs -S)
//   nothing is verified and rotten bytes are returned as they are.
// - Durability: create(), set_version() and remove() are durable when they
//   return. Writes are durable only after sync(chunk) returns OK. After a
//   crash every replica holds at least the content it had at its last
//   successful sync(); later writes may be there entirely, partly or not at
//   all, but (with checksums on) a page whose bytes and checksum disagree is
//   reported as checksum_mismatch, never returned as data.
// - verify() (scrubbing) reads the whole replica and lists the bad pages;
//   an empty list means clean. With checksums off it only checks that the
//   replica is readable.
// - A failed call has no effect, except that a failed write may have written
//   part of its range (like a crash in the middle of it).
// - mark_page_bad() (a replication copy carrying over a page no replica has
//   good, docs/chunk-versions.md "A bad page in a copy"): the page's bytes
//   become zeros and its stored checksum one that does not match them, so
//   reads and verify() report it as checksum_mismatch, like rot, until a
//   write covering the whole page replaces it. Not durable before sync().
//   With checksums off a page cannot be marked: invalid_argument.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "persistence/crc32c.hpp"

namespace pstorage::persistence {

inline constexpr uint64_t chunk_page_size = 4096;
inline constexpr uint64_t default_chunk_size = uint64_t{64} << 20;  // guide: "e.g., 64 MB"

enum class storage_errc : uint8_t {
  ok = 0,
  not_found,          // no replica of this chunk here
  already_exists,     // create() of a chunk we already hold
  stale_version,      // the replica's version is not the one asked for
  checksum_mismatch,  // guide "Failed Chunk Servers", flag h
  io_error,           // guide "Failed Chunk Servers", flag H
  no_space,           // disk full
  invalid_argument,   // range beyond chunk_size(), bad options
};

struct storage_status {
  storage_errc code = storage_errc::ok;
  std::string message;  // operator-readable: names the chunk, page, errno text
  uint64_t chunk_id = 0;
  uint64_t page = 0;  // checksum_mismatch: index of the first bad page

  bool ok() const { return code == storage_errc::ok; }
  explicit operator bool() const { return ok(); }
};

template <class T>
struct storage_result {
  storage_status status;
  T value{};

  storage_result() = default;
  storage_result(T v) : value(std::move(v)) {}               // NOLINT: implicit success
  storage_result(storage_status s) : status(std::move(s)) {}  // NOLINT: implicit failure
  bool ok() const { return status.ok(); }
  explicit operator bool() const { return ok(); }
};

struct chunk_info {
  uint64_t id = 0;
  uint64_t version = 0;
  uint64_t length = 0;
  bool operator==(const chunk_info&) const = default;
};

struct storage_space {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
};

class chunk_storage {
 public:
  virtual ~chunk_storage() = default;

  // Fixed when the storage is created (make-cs -S gives false).
  virtual bool checksums_enabled() const = 0;
  virtual uint64_t chunk_size() const = 0;

  // New empty replica; already_exists if the chunk is held (any version).
  virtual storage_status create(uint64_t chunk_id, uint64_t version) = 0;
  virtual storage_status write(uint64_t chunk_id, uint64_t version, uint64_t offset,
                               std::span<const char> data) = 0;
  virtual storage_result<std::vector<char>> read(uint64_t chunk_id, uint64_t version,
                                                 uint64_t offset, uint64_t length) = 0;
  // Makes the replica's data, checksums and length durable.
  virtual storage_status sync(uint64_t chunk_id) = 0;
  // Durable on return; any new value is accepted (the MDS decides).
  virtual storage_status set_version(uint64_t chunk_id, uint64_t new_version) = 0;
  virtual storage_status remove(uint64_t chunk_id) = 0;
  // Every replica held, sorted by chunk id.
  virtual storage_result<std::vector<chunk_info>> list() = 0;
  // One replica's version and length (not_found if not held).
  virtual storage_result<chunk_info> stat(uint64_t chunk_id) = 0;
  // Scrub one replica: the indexes of its bad pages (empty: clean).
  virtual storage_result<std::vector<uint64_t>> verify(uint64_t chunk_id) = 0;
  virtual storage_result<storage_space> space() = 0;
  // See the contract above; the default cannot mark (invalid_argument).
  virtual storage_status mark_page_bad(uint64_t chunk_id, uint64_t version, uint64_t page);
};

// The checksum stored for a page marked bad: page_checksum() of zeros is 0.
inline constexpr uint32_t marked_bad_page_checksum = 0xBAD0BAD0u;

inline storage_status chunk_storage::mark_page_bad(uint64_t chunk_id, uint64_t, uint64_t page) {
  return storage_status{storage_errc::invalid_argument,
                        "cannot mark page " + std::to_string(page) + " bad: no checksums here", chunk_id, page};
}

// ---- helpers shared by the implementations (inline: header-only) ----------

inline const char* to_string(storage_errc e) {
  switch (e) {
    case storage_errc::ok: return "ok";
    case storage_errc::not_found: return "not found";
    case storage_errc::already_exists: return "already exists";
    case storage_errc::stale_version: return "stale version";
    case storage_errc::checksum_mismatch: return "checksum mismatch";
    case storage_errc::io_error: return "I/O error";
    case storage_errc::no_space: return "no space left";
    case storage_errc::invalid_argument: return "invalid argument";
  }
  return "unknown";
}

// "chunk 00000000000000ab": the spelling used in messages (and, without the
// word "chunk", in the disk implementation's file names).
inline std::string chunk_name(uint64_t chunk_id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "chunk %016llx", static_cast<unsigned long long>(chunk_id));
  return buf;
}

inline storage_status storage_error(storage_errc code, uint64_t chunk_id, std::string message,
                                    uint64_t page = 0) {
  return storage_status{code, std::move(message), chunk_id, page};
}

// The checksum stored for a 4 KiB page: CRC32C of the page XOR the CRC32C of
// a page of zeros. So a page of zeros is stored as 0, and a never-written
// page (a hole in the data and in a sparse checksum file) verifies as-is
// without any initialisation.
inline uint32_t page_checksum(const char* page) {
  static const uint32_t zero_page_crc = [] {
    const std::vector<char> zeros(chunk_page_size, 0);
    return crc32c(zeros.data(), zeros.size());
  }();
  return crc32c(page, chunk_page_size) ^ zero_page_crc;
}

// invalid_argument unless [offset, offset + length) lies within chunk_size.
inline storage_status check_range(uint64_t chunk_id, uint64_t offset, uint64_t length,
                                  uint64_t chunk_size) {
  if (offset > chunk_size || length > chunk_size - offset)
    return storage_error(storage_errc::invalid_argument, chunk_id,
                         chunk_name(chunk_id) + ": range " + std::to_string(offset) + "+" +
                             std::to_string(length) + " exceeds the chunk size " +
                             std::to_string(chunk_size));
  return {};
}

inline storage_status not_found_error(uint64_t chunk_id) {
  return storage_error(storage_errc::not_found, chunk_id, chunk_name(chunk_id) + " not found");
}

inline storage_status stale_version_error(uint64_t chunk_id, uint64_t have, uint64_t asked) {
  return storage_error(storage_errc::stale_version, chunk_id,
                       chunk_name(chunk_id) + ": version " + std::to_string(asked) +
                           " asked, replica has version " + std::to_string(have));
}

inline storage_status checksum_error(uint64_t chunk_id, uint64_t page) {
  return storage_error(storage_errc::checksum_mismatch, chunk_id,
                       chunk_name(chunk_id) + ": checksum mismatch in page " +
                           std::to_string(page) + " (offset " +
                           std::to_string(page * chunk_page_size) + ")",
                       page);
}

}  // namespace pstorage::persistence
