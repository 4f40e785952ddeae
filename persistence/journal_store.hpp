// journal_store.hpp — the replicated MDS journal on disk (DIR/journal.db):
// the log of the consensus core (actors/election/raft_core.hpp), its hard
// state (term, vote, commit) and the metadata of the last snapshot the log
// was compacted to. Written only by the election actor (docs/election.md);
// the metadata state the entries build lives in md.db (md_store).
//
// Contract:
//   save(batch)   ONE SQLite transaction: drop entries after
//                 batch.truncate_after (uncommitted ones only), append
//                 batch.entries (contiguous, following the log), replace the
//                 hard state. durable=true fsyncs (synchronous=FULL): the
//                 batch survives power loss once save returns — one fsync for
//                 every entry and vote in the batch (group commit).
//                 durable=false: written (survives kill -9), fsynced by the
//                 next durable save or sync().
//   install(s)    a snapshot replaced the state: the log restarts after
//                 s.index (every entry dropped), hard state kept.
//   compact(s)    entries <= s.index dropped, snapshot metadata recorded.
//   load()        everything above, as it was at the last save.
//   incoming_*    a snapshot being received from the master (the MDS state,
//                 md.db, as of incoming.index): chunks are stored in order
//                 as they come (not fsynced); install() of the same index
//                 fsyncs them with the snapshot metadata, so after a crash
//                 between install() and the MDS replacing md.db the state
//                 is still here (docs/election.md "Snapshots and compaction").
//                 incoming_begin() of another transfer drops the old one.
// Records are plain structs (no dependency on actors/): the election actor
// converts them to the core's types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

struct journal_record {
  uint64_t index = 0;
  uint64_t term = 0;
  uint8_t kind = 0;  // election::entry_kind
  std::vector<uint8_t> data;
  bool operator==(const journal_record&) const = default;
};

struct journal_hard_state {
  uint64_t term = 0;
  uint32_t vote = 0;
  uint64_t commit = 0;
  bool operator==(const journal_hard_state&) const = default;
};

struct journal_snapshot {
  uint64_t index = 0;
  uint64_t term = 0;
  std::vector<uint8_t> config;  // encoded membership at index
  bool operator==(const journal_snapshot&) const = default;
};

struct journal_incoming {
  uint64_t index = 0;     // the snapshot's last included entry
  uint64_t term = 0;      // its term
  uint64_t total = 0;     // bytes of the whole state
  uint64_t received = 0;  // bytes stored, in order from 0
  bool complete() const { return total > 0 && received == total; }
  bool operator==(const journal_incoming&) const = default;
};

struct journal_batch {
  std::optional<uint64_t> truncate_after;
  std::vector<journal_record> entries;
  std::optional<journal_hard_state> hard_state;
  bool empty() const { return !truncate_after && entries.empty() && !hard_state; }
};

struct journal_contents {
  journal_hard_state hard_state;
  journal_snapshot snapshot;
  std::vector<journal_record> entries;  // after snapshot.index, contiguous
};

class journal_store {
 public:
  static constexpr const char* file_name = "journal.db";
  explicit journal_store(const std::string& path);  // ":memory:" for the simulator

  void save(const journal_batch& batch, bool durable = true);
  void sync();
  // Wall time this process has spent in save() and sync() (writing and
  // fsyncing the journal), over every journal_store of the process (an MDS
  // has one): the guide's %CTIME, "total time the MDS server spent writing
  // to the local journal" (docs/monitoring.md).
  static uint64_t write_ns_total();
  bool unsynced() const { return unsynced_; }  // a save(durable=false) is not fsynced yet
  void install(const journal_snapshot& s);
  void compact(const journal_snapshot& s);

  journal_contents load() const;
  uint64_t first_index() const;  // snapshot.index + 1
  uint64_t last_index() const;   // snapshot.index when the log is empty
  journal_hard_state hard_state() const;
  journal_snapshot snapshot() const;
  std::vector<journal_record> entries(uint64_t from, uint64_t to) const;  // [from, to]
  const std::string& path() const { return db_.path(); }

  // ---- a snapshot being received (see the contract above) ----
  void incoming_begin(uint64_t index, uint64_t term, uint64_t total);
  // Appends bytes at `offset` == incoming().received; others are refused
  // (store_error): the caller (snapshot_receiver) orders them.
  void incoming_chunk(uint64_t offset, const uint8_t* data, size_t size);
  std::optional<journal_incoming> incoming() const;  // nullopt: none
  std::vector<uint8_t> incoming_data() const;         // the bytes stored, in order
  void clear_incoming();

 private:
  void set_synchronous(bool full);
  bool synchronous_full_ = true;
  bool unsynced_ = false;
  mutable sqlite_db db_;
};

}  // namespace pstorage::persistence
