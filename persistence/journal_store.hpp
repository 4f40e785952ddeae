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

 private:
  void set_synchronous(bool full);
  bool synchronous_full_ = true;
  bool unsynced_ = false;
  mutable sqlite_db db_;
};

}  // namespace pstorage::persistence
