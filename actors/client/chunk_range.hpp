// chunk_range.hpp — splitting a file byte range into per-chunk pieces
// (guide: files are stored as fixed-size chunks; /tmp contract "Chunk").
// Pure: no I/O. A piece never crosses a chunk boundary; pieces are in file
// order and cover the range exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace pstorage::client {

struct chunk_piece {
  uint64_t index = 0;     // chunk index: file bytes [index*chunk_size, (index+1)*chunk_size)
  uint64_t offset = 0;    // offset inside the chunk
  uint64_t length = 0;    // bytes in this piece (> 0)
  uint64_t buf_offset = 0;  // offset of the piece inside the caller's buffer
  bool operator==(const chunk_piece&) const = default;
};

// Pieces of [offset, offset+length). Empty when length == 0 or chunk_size == 0.
// max_piece > 0 also splits at every file offset that is a multiple of
// max_piece, so no piece is longer (writes send large extents as several
// pieces that travel down a replica chain pipelined, not store-and-forward).
std::vector<chunk_piece> split_range(uint64_t offset, uint64_t length, uint64_t chunk_size,
                                     uint64_t max_piece = 0);

// Number of chunks a file of `size` bytes spans (0 for an empty file).
uint64_t chunk_count(uint64_t size, uint64_t chunk_size);

}  // namespace pstorage::client
