// memory_chunk_storage.hpp — chunk_storage held in memory, for the
// deterministic simulator and actor tests (DESIGN.md principle 3). Same
// contract as chunk_storage.hpp, plus fault injection. Fully deterministic:
// no clock, no randomness, ordered containers.
//
// Model: each replica is a sparse map of 4 KiB pages, split in a "synced"
// layer (what the disk durably holds) and a "dirty" layer (written since the
// replica's last sync(), like the page cache). Reads see dirty over synced;
// sync() folds dirty into synced; crash() throws every dirty layer away, so
// each replica falls back to its content (and length) at its last sync().
// create(), set_version() and remove() are durable at once, as on disk.
//
// Fault knobs (guide "Failed Chunk Servers": flag H = I/O error, flag h =
// checksum mismatch):
// - fail_next(n, code): the next n calls of create/write/read/sync/
//   set_version/remove/verify fail with `code` (io_error by default) and
//   have no effect. list() and space() are not affected.
// - set_full(true): every write that needs a new page and every create()
//   fails with no_space; set_capacity() gives space() its total and makes
//   writes fail with no_space once the allocated pages would exceed it.
// - flip_bit(chunk, offset, bit): silent bit rot of the byte the replica
//   currently holds at `offset` (its checksum is left alone), so a checksumming
//   read of that page reports checksum_mismatch; with checksums off the
//   rotten byte is returned.
#pragma once

#include <array>
#include <cstdint>
#include <map>

#include "persistence/chunk_storage.hpp"

namespace pstorage::persistence {

struct memory_storage_options {
  bool checksums = true;
  uint64_t chunk_size = default_chunk_size;  // multiple of chunk_page_size
  uint64_t capacity_bytes = uint64_t{1} << 40;
};

class memory_chunk_storage final : public chunk_storage {
 public:
  explicit memory_chunk_storage(const memory_storage_options& opts = {});

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

  // ---- fault injection ----
  void fail_next(uint32_t n, storage_errc code = storage_errc::io_error);
  void set_full(bool full) { full_ = full; }
  void set_capacity(uint64_t bytes) { capacity_ = bytes; }
  // False if the chunk is unknown or offset >= chunk_size() or bit > 7.
  bool flip_bit(uint64_t chunk_id, uint64_t offset, unsigned bit);
  // Power loss: every replica loses what was written since its last sync().
  void crash();
  // read() at whatever version the replica has, untouched by fail_next (the
  // simulator looks at a disk without spending its injected faults).
  storage_result<std::vector<char>> peek(uint64_t chunk_id, uint64_t offset, uint64_t length);

  uint64_t used_bytes() const { return used_pages_ * chunk_page_size; }

 private:
  struct page {
    std::array<char, chunk_page_size> bytes{};
    uint32_t sum = 0;  // page_checksum(bytes) when written; 0 for zeros
  };
  struct replica {
    uint64_t version = 0;
    uint64_t length = 0, synced_length = 0;
    std::map<uint64_t, page> synced, dirty;
    uint64_t live_pages = 0;  // |keys(synced) ∪ keys(dirty)|
  };

  storage_status injected(uint64_t chunk_id);
  storage_result<replica*> find(uint64_t chunk_id, uint64_t version, bool check_version);
  // The page a read sees, or nullptr for a hole (zeros).
  static const page* live_page(const replica& r, uint64_t p);
  storage_status check_page(uint64_t chunk_id, const page* pg, uint64_t p) const;
  storage_result<std::vector<char>> read_pages(uint64_t chunk_id, const replica& r, uint64_t offset,
                                               uint64_t length) const;

  bool checksums_;
  uint64_t chunk_size_;
  uint64_t capacity_;
  bool full_ = false;
  uint32_t fail_count_ = 0;
  storage_errc fail_code_ = storage_errc::io_error;
  uint64_t used_pages_ = 0;
  std::map<uint64_t, replica> chunks_;
};

}  // namespace pstorage::persistence
