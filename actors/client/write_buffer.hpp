// write_buffer.hpp — a mount's write-behind buffer for one file: writes
// accepted (write() returned) but not yet sent down a replica chain.
//
// Why: small synchronous writes (SQLite's 4-byte journal headers, 4 KiB
// pages) each cost a full chain round trip; buffered and coalesced, an
// fsync() sends one write per chunk, flagged to sync on every replica.
//
// Contract:
//  * add() keeps write order: a write that overlaps or touches the newest
//    extent is merged into it (new bytes win); any other write starts a new
//    extent after it. Sending the extents of take() in order therefore
//    reproduces the file exactly as the writes left it.
//  * Nothing here is durable: the owner sends the extents on fsync/flush/
//    close, when bytes() reaches its limit, before reads, and periodically.
//  * Pure, not thread-safe (the caller holds its lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pstorage::client {

struct write_extent {
  uint64_t offset = 0;
  std::vector<char> data;
  uint64_t end() const { return offset + data.size(); }
};

// What a write does once its bytes are in the buffer (session::write), with
// `buffered` bytes now held and the write-behind `limit`:
//   keep        below the limit: nothing;
//   wake        at the limit: wake the background sender and return;
//   wait_wake   at twice the limit: wait for the send in flight, then wake;
//   send_here   at four times (the sender fails or falls far behind), or with
//               no background sender: send now and return its error.
enum class after_write { keep, wake, wait_wake, send_here };
after_write after_buffered_write(size_t buffered, size_t limit, bool background_sender);

class write_buffer {
 public:
  void add(uint64_t offset, const char* data, size_t length);
  bool empty() const { return extents_.empty(); }
  size_t bytes() const { return bytes_; }
  size_t extents() const { return extents_.size(); }
  // Highest byte offset + 1 written into the buffer (0 when empty).
  uint64_t end() const;
  // All extents in write order; the buffer is empty afterwards.
  std::vector<write_extent> take();
  // Puts extents that could not be sent back in front of newer ones.
  void restore(std::vector<write_extent> older);

 private:
  std::vector<write_extent> extents_;
  size_t bytes_ = 0;
};

}  // namespace pstorage::client
