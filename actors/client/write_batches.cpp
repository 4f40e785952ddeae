#include "actors/client/write_batches.hpp"

#include <map>

namespace pstorage::client {

std::vector<write_batch> batch_pieces(const std::vector<piece_extent>& window, uint64_t max_bytes) {
  std::vector<write_batch> out;
  std::map<uint64_t, size_t> open;  // chunk index -> its newest batch in `out`
  for (size_t i = 0; i < window.size(); ++i) {
    const auto& p = window[i];
    auto it = open.find(p.chunk_index);
    if (it == open.end() || out[it->second].bytes + p.length > max_bytes) {
      out.push_back({p.chunk_index, 0, {}});
      open[p.chunk_index] = out.size() - 1;
      it = open.find(p.chunk_index);
    }
    auto& b = out[it->second];
    b.bytes += p.length;
    b.pieces.push_back(i);
  }
  return out;
}

}  // namespace pstorage::client
