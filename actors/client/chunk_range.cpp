#include "actors/client/chunk_range.hpp"

namespace pstorage::client {

std::vector<chunk_piece> split_range(uint64_t offset, uint64_t length, uint64_t chunk_size, uint64_t max_piece) {
  std::vector<chunk_piece> out;
  if (length == 0 || chunk_size == 0) return out;
  uint64_t pos = offset, done = 0;
  while (done < length) {
    chunk_piece p;
    p.index = pos / chunk_size;
    p.offset = pos % chunk_size;
    uint64_t room = chunk_size - p.offset;
    if (max_piece && max_piece - pos % max_piece < room) room = max_piece - pos % max_piece;
    p.length = (length - done) < room ? (length - done) : room;
    p.buf_offset = done;
    out.push_back(p);
    pos += p.length;
    done += p.length;
  }
  return out;
}

uint64_t chunk_count(uint64_t size, uint64_t chunk_size) {
  if (chunk_size == 0) return 0;
  return size / chunk_size + (size % chunk_size ? 1 : 0);
}

}  // namespace pstorage::client
