#include "persistence/journal_store.hpp"

#include <atomic>
#include <chrono>

namespace pstorage::persistence {
namespace {
int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t u64(int64_t v) { return static_cast<uint64_t>(v); }

std::atomic<uint64_t> write_ns{0};
// Adds the time from its construction to its destruction to write_ns.
struct write_timer {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ~write_timer() {
    write_ns += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  }
};
}  // namespace

uint64_t journal_store::write_ns_total() { return write_ns.load(); }

journal_store::journal_store(const std::string& path) : db_(path) {
  db_.transaction([&] {
    db_.exec(
        "CREATE TABLE IF NOT EXISTS j_entries (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL,"
        " kind INTEGER NOT NULL, data BLOB NOT NULL);"
        "CREATE TABLE IF NOT EXISTS j_state (id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL,"
        " vote INTEGER NOT NULL, cmt INTEGER NOT NULL, snap_idx INTEGER NOT NULL, snap_term INTEGER NOT NULL,"
        " snap_config BLOB NOT NULL);"
        "INSERT OR IGNORE INTO j_state(id, term, vote, cmt, snap_idx, snap_term, snap_config)"
        " VALUES(1, 0, 0, 0, 0, 0, x'');"
        "CREATE TABLE IF NOT EXISTS j_incoming_meta (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL,"
        " term INTEGER NOT NULL, total INTEGER NOT NULL, received INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS j_incoming (off INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  });
}

void journal_store::set_synchronous(bool full) {
  if (full == synchronous_full_) return;
  db_.exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  synchronous_full_ = full;
}

void journal_store::save(const journal_batch& batch, bool durable) {
  if (batch.empty()) {
    if (durable) sync();  // timed there
    return;
  }
  write_timer timed;
  set_synchronous(durable);
  try {
    db_.transaction([&] {
      const auto snap = snapshot();
      if (batch.truncate_after) {
        if (*batch.truncate_after < snap.index)
          throw store_error("journal '" + db_.path() + "': cannot drop entries after " +
                            std::to_string(*batch.truncate_after) + ", below the snapshot at " +
                            std::to_string(snap.index));
        statement(db_, "DELETE FROM j_entries WHERE idx > ?").bind(1, i64(*batch.truncate_after)).run();
      }
      uint64_t last = last_index();
      for (auto& e : batch.entries) {
        if (e.index != last + 1)
          throw store_error("journal '" + db_.path() + "': entry " + std::to_string(e.index) +
                            " does not follow the last entry " + std::to_string(last));
        statement(db_, "INSERT INTO j_entries(idx, term, kind, data) VALUES(?, ?, ?, ?)")
            .bind(1, i64(e.index))
            .bind(2, i64(e.term))
            .bind(3, e.kind)
            .bind_blob(4, e.data.data(), e.data.size())
            .run();
        last = e.index;
      }
      if (batch.hard_state)
        statement(db_, "UPDATE j_state SET term = ?, vote = ?, cmt = ? WHERE id = 1")
            .bind(1, i64(batch.hard_state->term))
            .bind(2, batch.hard_state->vote)
            .bind(3, i64(batch.hard_state->commit))
            .run();
    });
  } catch (...) {
    set_synchronous(true);
    throw;
  }
  set_synchronous(true);
  unsynced_ = !durable;  // a durable commit fsyncs the WAL, earlier frames included
}

void journal_store::sync() {
  if (!unsynced_) return;
  write_timer timed;
  set_synchronous(true);
  db_.transaction([&] { db_.exec("UPDATE j_state SET term = term WHERE id = 1"); });
  unsynced_ = false;
}

void journal_store::install(const journal_snapshot& s) {
  db_.transaction([&] {
    db_.exec("DELETE FROM j_entries");
    statement(db_, "UPDATE j_state SET snap_idx = ?, snap_term = ?, snap_config = ?,"
                   " cmt = max(cmt, ?) WHERE id = 1")
        .bind(1, i64(s.index))
        .bind(2, i64(s.term))
        .bind_blob(3, s.config.data(), s.config.size())
        .bind(4, i64(s.index))
        .run();
  });
  unsynced_ = false;
}

void journal_store::compact(const journal_snapshot& s) {
  db_.transaction([&] {
    if (s.index <= snapshot().index) return;
    statement(db_, "DELETE FROM j_entries WHERE idx <= ?").bind(1, i64(s.index)).run();
    statement(db_, "UPDATE j_state SET snap_idx = ?, snap_term = ?, snap_config = ? WHERE id = 1")
        .bind(1, i64(s.index))
        .bind(2, i64(s.term))
        .bind_blob(3, s.config.data(), s.config.size())
        .run();
  });
  unsynced_ = false;
}

journal_hard_state journal_store::hard_state() const {
  statement st(db_, "SELECT term, vote, cmt FROM j_state WHERE id = 1");
  if (!st.step()) db_.fail("journal state row missing");
  return {u64(st.col_int(0)), static_cast<uint32_t>(st.col_int(1)), u64(st.col_int(2))};
}

journal_snapshot journal_store::snapshot() const {
  statement st(db_, "SELECT snap_idx, snap_term, snap_config FROM j_state WHERE id = 1");
  if (!st.step()) db_.fail("journal state row missing");
  return {u64(st.col_int(0)), u64(st.col_int(1)), st.col_blob(2)};
}

uint64_t journal_store::first_index() const { return snapshot().index + 1; }

uint64_t journal_store::last_index() const {
  statement st(db_, "SELECT max(idx) FROM j_entries");
  st.step();
  return st.col_null(0) ? snapshot().index : u64(st.col_int(0));
}

std::vector<journal_record> journal_store::entries(uint64_t from, uint64_t to) const {
  std::vector<journal_record> out;
  statement st(db_, "SELECT idx, term, kind, data FROM j_entries WHERE idx >= ? AND idx <= ? ORDER BY idx");
  st.bind(1, i64(from)).bind(2, i64(to));
  while (st.step())
    out.push_back({u64(st.col_int(0)), u64(st.col_int(1)), static_cast<uint8_t>(st.col_int(2)), st.col_blob(3)});
  return out;
}

void journal_store::incoming_begin(uint64_t index, uint64_t term, uint64_t total) {
  db_.transaction([&] {
    db_.exec("DELETE FROM j_incoming; DELETE FROM j_incoming_meta");
    statement(db_, "INSERT INTO j_incoming_meta(id, idx, term, total, received) VALUES(1, ?, ?, ?, 0)")
        .bind(1, i64(index))
        .bind(2, i64(term))
        .bind(3, i64(total))
        .run();
  });
}

void journal_store::incoming_chunk(uint64_t offset, const uint8_t* data, size_t size) {
  set_synchronous(false);
  try {
    db_.transaction([&] {
      auto in = incoming();
      if (!in || offset != in->received || offset + size > in->total)
        throw store_error("journal '" + db_.path() + "': snapshot bytes at " + std::to_string(offset) +
                          " do not follow the " + std::to_string(in ? in->received : 0) + " stored");
      statement(db_, "INSERT INTO j_incoming(off, data) VALUES(?, ?)").bind(1, i64(offset)).bind_blob(2, data, size).run();
      statement(db_, "UPDATE j_incoming_meta SET received = ? WHERE id = 1").bind(1, i64(offset + size)).run();
    });
  } catch (...) {
    set_synchronous(true);
    throw;
  }
  set_synchronous(true);
  unsynced_ = true;
}

std::optional<journal_incoming> journal_store::incoming() const {
  statement st(db_, "SELECT idx, term, total, received FROM j_incoming_meta WHERE id = 1");
  if (!st.step()) return std::nullopt;
  return journal_incoming{u64(st.col_int(0)), u64(st.col_int(1)), u64(st.col_int(2)), u64(st.col_int(3))};
}

std::vector<uint8_t> journal_store::incoming_data() const {
  std::vector<uint8_t> out;
  statement st(db_, "SELECT data FROM j_incoming ORDER BY off");
  while (st.step()) {
    auto b = st.col_blob(0);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

void journal_store::clear_incoming() {
  db_.transaction([&] { db_.exec("DELETE FROM j_incoming; DELETE FROM j_incoming_meta"); });
}

journal_contents journal_store::load() const {
  journal_contents c;
  c.hard_state = hard_state();
  c.snapshot = snapshot();
  c.entries = entries(c.snapshot.index + 1, UINT64_MAX >> 1);
  return c;
}

}  // namespace pstorage::persistence
