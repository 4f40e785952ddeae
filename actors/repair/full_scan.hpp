// full_scan.hpp — which pass the master's repair runs, and the full scan of
// md_chunks as a cursor (issue 15; docs/scale.md). Pure: no CAF, no SQLite.
//
// A full scan classifies and plans every chunk (the safety net for a change
// no mark caught, and rebalancing, which needs every chunk's placement).
// Below `whole_scan_below` chunks every pass is one whole scan in one MDS
// message, exactly as before the repair queue (the simulator's clusters;
// a small cluster gains nothing). Above it a scan runs when due — once the
// cluster status is known after becoming master, then never sooner than
// scan_interval(chunks scanned) after the previous one ended, or at once
// when applied-command marks were lost — and reads md_chunks by id in
// slices of at most `slice_rows` rows, one slice per MDS message (the next
// one queued behind whatever clients sent meanwhile), so no message holds
// the actor or the whole chunk list: at 10 M chunks a scan in one message
// took 71.6 s of CPU and 7 GB. Between slices the queue's batches go on.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

namespace pstorage::repair {

inline constexpr uint64_t whole_scan_below = 100000;
inline constexpr size_t scan_slice_rows = 8192;

// ~2 us of CPU per chunk scanned (docs/scale.md); 20x that: the pause
// before the next scan. A count, not a measured time: deterministic.
inline std::chrono::nanoseconds scan_interval(uint64_t chunks_scanned) {
  return std::chrono::microseconds(40) * chunks_scanned;
}

enum class pass_kind {
  whole_scan,   // every chunk, in this message
  start_scan,   // the first slice of a sliced scan, in this message
  queue_batch,  // the front of the repair queue
};

struct pass_inputs {
  uint64_t chunks = 0;         // chunks in the store now (md_store::chunk_count)
  bool scan_running = false;   // a sliced scan has slices left
  bool status_known = false;   // the cluster status is no longer "unknown"
  bool scan_due = false;       // now >= the end of the last scan + scan_interval
  bool marks_lost = false;     // the applied-command marks overflowed
};
pass_kind choose_pass(const pass_inputs& in);

// The cursor: slices of ids in increasing order, no id skipped.
class scan_cursor {
 public:
  explicit scan_cursor(size_t slice_rows = scan_slice_rows) : rows_(slice_rows) {}
  bool running() const { return running_; }
  void start() {
    running_ = true;
    from_ = 0;
    scanned_ = 0;
  }
  void stop() { running_ = false; }
  // The next slice: chunks with id >= from(), at most rows().
  uint64_t from() const { return from_; }
  size_t rows() const { return rows_; }
  // What a slice covered: every chunk with an id in [from, to] was in it.
  struct covered {
    uint64_t from = 0, to = 0;
    bool last = false;  // the scan ended with this slice
  };
  // After reading the slice: `ids` are its chunk ids, ascending. Fewer than
  // rows() means the table's end: the slice covers up to the largest id.
  covered advance(const std::vector<uint64_t>& ids);
  uint64_t scanned() const { return scanned_; }  // chunks read by this scan so far

 private:
  size_t rows_;
  bool running_ = false;
  uint64_t from_ = 0;
  uint64_t scanned_ = 0;
};

}  // namespace pstorage::repair
