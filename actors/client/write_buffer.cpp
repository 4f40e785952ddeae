#include "actors/client/write_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace pstorage::client {

after_write after_buffered_write(size_t buffered, size_t limit, bool background_sender) {
  if (buffered < limit) return after_write::keep;
  if (buffered >= 4 * limit || !background_sender) return after_write::send_here;
  return buffered >= 2 * limit ? after_write::wait_wake : after_write::wake;
}

void write_buffer::add(uint64_t offset, const char* data, size_t length) {
  if (length == 0) return;
  const uint64_t new_end = offset + length;
  if (!extents_.empty()) {
    auto& last = extents_.back();
    if (offset <= last.end() && new_end >= last.offset) {  // overlaps or touches
      const uint64_t lo = std::min(offset, last.offset), hi = std::max(new_end, last.end());
      bytes_ -= last.data.size();
      if (lo == last.offset) {
        last.data.resize(hi - lo);  // appends grow in place (amortized)
      } else {
        std::vector<char> merged(hi - lo);
        std::memcpy(merged.data() + (last.offset - lo), last.data.data(), last.data.size());
        last.data = std::move(merged);
        last.offset = lo;
      }
      bytes_ += last.data.size();
      std::memcpy(last.data.data() + (offset - lo), data, length);
      return;
    }
  }
  extents_.push_back({offset, std::vector<char>(data, data + length)});
  bytes_ += length;
}

uint64_t write_buffer::end() const {
  uint64_t e = 0;
  for (auto& x : extents_) e = std::max(e, x.end());
  return e;
}

std::vector<write_extent> write_buffer::take() {
  bytes_ = 0;
  return std::exchange(extents_, {});
}

void write_buffer::restore(std::vector<write_extent> older) {
  for (auto& e : older) bytes_ += e.data.size();
  older.insert(older.end(), std::make_move_iterator(extents_.begin()), std::make_move_iterator(extents_.end()));
  extents_ = std::move(older);
}

}  // namespace pstorage::client
