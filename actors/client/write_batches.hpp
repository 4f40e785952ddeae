// write_batches.hpp — grouping a window of buffered write pieces into chain
// messages (protocol/client_cs.capnp ClientToCsWrite.extents).
//
// Why: random small writes cost one chain round trip per message in every
// CS's actor; a window's pieces of one chunk travel as one message instead.
//
// Contract (pure, no I/O):
//  * Every piece is in exactly one batch; a batch holds pieces of one chunk,
//    in their window order, and no more than max_bytes of them (a piece
//    larger than max_bytes is a batch of its own).
//  * The batches of one chunk come in window order, so sending them in the
//    returned order and applying each batch's pieces in order leaves every
//    chunk as sending the pieces one by one would. Pieces of different
//    chunks never overlap, so their relative order does not matter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pstorage::client {

struct piece_extent {
  uint64_t chunk_index = 0;
  uint64_t length = 0;
};

// One message: indexes into the caller's window.
struct write_batch {
  uint64_t chunk_index = 0;
  uint64_t bytes = 0;
  std::vector<size_t> pieces;
};

std::vector<write_batch> batch_pieces(const std::vector<piece_extent>& window, uint64_t max_bytes);

}  // namespace pstorage::client
