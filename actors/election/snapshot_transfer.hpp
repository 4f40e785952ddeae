// snapshot_transfer.hpp — moving an MDS state (md.db image) from the master
// to a follower whose entries the master's journal no longer holds (Raft's
// InstallSnapshot [R §7], chunked). Pure: no CAF, no clock, no I/O; time is
// counted in the election actor's ticks. docs/election.md "Snapshots and
// compaction".
//
// Contract:
//  * A transfer is named by (term, index, total): the master's term, the
//    last entry the state includes, its size in bytes.
//  * snapshot_sender (master, one per follower): hands out chunks of at
//    most chunk_bytes, at most window_chunks unacknowledged at a time; an
//    acknowledgement says how many bytes the follower holds in order. No
//    progress for stall_ticks: everything after the acknowledged bytes is
//    sent again. No acknowledgement at all for give_up_ticks: the transfer
//    is abandoned (the core asks for a new one when it wants it).
//  * snapshot_receiver (follower): takes bytes only in order; a chunk at
//    offset 0 of another transfer starts that one (the old one is dropped);
//    a chunk of an unknown transfer at another offset, a duplicate or a
//    chunk after a gap is not stored, and the answer repeats what is held
//    (the sender then resends from there).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace pstorage::election {

struct transfer_id {
  uint64_t term = 0;
  uint64_t index = 0;
  uint64_t total = 0;
  bool operator==(const transfer_id&) const = default;
};

struct transfer_options {
  uint64_t chunk_bytes = uint64_t{1} << 20;
  uint32_t window_chunks = 4;
  uint32_t stall_ticks = 30;      // 3 s at the default 100 ms tick
  uint32_t give_up_ticks = 300;   // 30 s
};

struct chunk_range {
  uint64_t offset = 0;
  uint64_t size = 0;
  bool operator==(const chunk_range&) const = default;
};

class snapshot_sender {
 public:
  snapshot_sender(transfer_id id, transfer_options o = {}) : id_(id), o_(o) {}
  const transfer_id& id() const { return id_; }
  // The chunks to send now (the window allows them), in order.
  std::vector<chunk_range> next();
  // The follower holds `bytes` in order (from a chunk acknowledgement).
  void acked(uint64_t bytes);
  // One election tick passed; false: give up (abandon the transfer).
  bool tick();
  bool done() const { return acked_ >= id_.total; }
  uint64_t acked_bytes() const { return acked_; }

 private:
  transfer_id id_;
  transfer_options o_;
  uint64_t sent_ = 0;   // bytes handed out, from 0
  uint64_t acked_ = 0;  // bytes the follower holds
  uint32_t idle_ticks_ = 0;    // since the last progress
  uint32_t silent_ticks_ = 0;  // since the last acknowledgement of any kind
};

class snapshot_receiver {
 public:
  enum class verdict {
    start,   // offset 0 of a new transfer: drop the old one, store this chunk
    store,   // the next bytes of the current transfer: store them
    ignore,  // not stored: answer with held()
  };
  verdict on_chunk(const transfer_id& id, uint64_t offset, uint64_t size);
  // After the caller stored a chunk it was told to store.
  void stored(uint64_t size) { held_ += size; }
  // Drop the current transfer (installed, or refused).
  void reset() { current_.reset(), held_ = 0; }
  // Resume after a restart from what the journal kept.
  void resume(const transfer_id& id, uint64_t held) { current_ = id, held_ = held; }
  const std::optional<transfer_id>& current() const { return current_; }
  uint64_t held() const { return held_; }
  bool complete() const { return current_ && held_ == current_->total; }

 private:
  std::optional<transfer_id> current_;
  uint64_t held_ = 0;
};

// When to compact the journal: the index to compact to, or nullopt. Only
// entries the MDS has applied to md.db (`mds_applied`) may go, and `keep`
// of them stay so a follower that is briefly behind catches up from the log
// instead of a full resync; compaction happens once `every` entries beyond
// the last snapshot are applied (a compaction rewrites nothing, but each
// one costs a transaction).
std::optional<uint64_t> compaction_point(uint64_t snapshot_index, uint64_t mds_applied, uint64_t keep,
                                         uint64_t every);

}  // namespace pstorage::election
