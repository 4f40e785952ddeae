// disk_chunk_storage.hpp — chunk_storage on a local file system: what a real
// chunk server uses for its repository (guide: "Setting Up Chunk Servers",
// make-cs -r DIR). See chunk_storage.hpp for the shared contract.
//
// Layout under the repository directory DIR:
//   DIR/chunks.db                       SQLite index: chunks(id, version, length)
//                                       + meta(checksums, chunk_size)
//   DIR/chunks/XX/<16 hex id>.dat       chunk data, sparse; XX = low byte of the
//                                       id in hex, so 256 directories share the
//                                       chunks (~4 000 files each at 1 M chunks)
//   DIR/chunks/XX/<16 hex id>.crc       4 bytes (little-endian) per 4 KiB page:
//                                       page_checksum(); absent with -S
//
// Why a parallel .crc file rather than SQLite rows: a checksum update is one
// pwrite next to the data pwrite, through the same page cache, with no
// transaction or fsync per write; sync() then fdatasyncs both files. The
// checksum file is 1/1024 of the data (guide: "4 bytes of space for each 4KB
// page"), so a whole chunk's checksums are 64 KiB and stay cached.
//
// Ordering and crash safety (kill -9 or power loss):
//   write:  data pwrite, then checksum pwrite (both page cache, no fsync).
//   sync:   fdatasync(data), fdatasync(crc), fsync of the directories if the
//           files are new, then the new length into chunks.db (SQLite,
//           synchronous=FULL).
//   create: files created (truncated) first, then the index row committed, so
//           a crash leaves at worst orphan files, overwritten by a later
//           create. remove: index row deleted first, then files unlinked.
//   set_version: one committed SQLite update before returning.
// A crash between the two pwrites of a write (or a torn page on power loss)
// leaves a page whose bytes and checksum disagree: reads report
// checksum_mismatch for it, never the bytes. Untouched pages keep matching.
// After kill -9 the page cache survives, so unsynced writes are usually all
// there. On open, a replica's length is max(data file size, indexed length):
// data that reached the file is visible, and data the index promised but the
// file lost shows up as bad pages (checksum mismatch) in verify().
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <unordered_map>

#include "persistence/chunk_storage.hpp"
#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

struct disk_storage_options {
  // Used only when the repository is created; afterwards the values stored in
  // chunks.db win (the checksumming choice is fixed at make-cs time).
  bool checksums = true;
  uint64_t chunk_size = default_chunk_size;  // multiple of chunk_page_size
  size_t max_open_files = 256;               // cached descriptors (pairs)
};

class disk_chunk_storage final : public chunk_storage {
 public:
  // Opens the repository at dir, creating chunks.db and chunks/ if missing.
  static storage_result<std::unique_ptr<disk_chunk_storage>> open(
      const std::filesystem::path& dir, const disk_storage_options& opts = {});
  // Closes the files; does NOT sync (unsynced writes stay in the page cache).
  ~disk_chunk_storage() override;

  bool checksums_enabled() const override { return checksums_; }
  uint64_t chunk_size() const override { return chunk_size_; }

  storage_status create(uint64_t chunk_id, uint64_t version) override;
  storage_status write(uint64_t chunk_id, uint64_t version, uint64_t offset,
                       std::span<const char> data) override;
  storage_result<std::vector<char>> read(uint64_t chunk_id, uint64_t version, uint64_t offset,
                                         uint64_t length) override;
  storage_status sync(uint64_t chunk_id) override;
  storage_status set_version(uint64_t chunk_id, uint64_t new_version) override;
  storage_status remove(uint64_t chunk_id) override;
  storage_result<std::vector<chunk_info>> list() override;
  storage_result<chunk_info> stat(uint64_t chunk_id) override;
  storage_result<std::vector<uint64_t>> verify(uint64_t chunk_id) override;
  storage_result<storage_space> space() override;
  storage_status mark_page_bad(uint64_t chunk_id, uint64_t version, uint64_t page) override;

  // Where a chunk's files live (tools, tests that corrupt a file on purpose).
  std::filesystem::path data_path(uint64_t chunk_id) const;
  std::filesystem::path crc_path(uint64_t chunk_id) const;

 private:
  struct chunk_state {
    uint64_t version = 0;
    uint64_t length = 0;          // current (page cache) length
    uint64_t indexed_length = 0;  // length as last committed to chunks.db
    bool new_files = false;       // directory entries not yet fsynced
  };
  struct open_files {
    int data = -1;
    int crc = -1;
    uint64_t last_use = 0;
  };

  disk_chunk_storage(std::filesystem::path dir, std::unique_ptr<sqlite_db> db, bool checksums,
                     uint64_t chunk_size, size_t max_open_files);
  void load_index();

  storage_result<chunk_state*> find(uint64_t chunk_id, uint64_t version, bool check_version);
  // Cached descriptors of a chunk's files; recreates missing files (empty).
  storage_result<open_files*> files(uint64_t chunk_id, chunk_state& st, bool truncate);
  void close_files(uint64_t chunk_id);
  std::filesystem::path fanout_dir(uint64_t chunk_id) const;

  // Reads the pages [first, first + count) and their stored checksums.
  storage_status read_pages(uint64_t chunk_id, open_files& f, uint64_t first, uint64_t count,
                            char* pages, uint32_t* sums);

  std::filesystem::path dir_;
  std::unique_ptr<sqlite_db> db_;
  bool checksums_;
  uint64_t chunk_size_;
  size_t max_open_files_;
  std::map<uint64_t, chunk_state> chunks_;
  std::unordered_map<uint64_t, open_files> open_;
  uint64_t tick_ = 0;
};

}  // namespace pstorage::persistence
