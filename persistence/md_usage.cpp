// md_usage.cpp — md_store's usage counters (md_store.hpp usage()): the chunk
// count, the license's logical usage (data_chunk_bytes) and the replicas per
// CS, kept up to date by SQLite triggers inside the transaction that changes
// the rows, so `pstorage stat`, top, /metrics and the license check read
// them in O(CSs) instead of scanning md_chunks (10 M rows: docs/scale.md).
//
// Tables (derived from md_chunks / md_replicas / md_inodes; not in
// canonical_dump, carried by snapshots like every table):
//   md_usage     one row: chunks, short_bytes
//   md_cs_usage  cs -> replicas (any version); no row: none
// data bytes = chunks * chunk_size - short_bytes, where short_bytes sums,
// over every file whose size ends inside a chunk that exists, what that
// chunk lacks of a whole chunk (chunk_size - size % chunk_size) — the same
// figure as the scan in usage_recount() (md_license.cpp's rule: a chunk
// wholly below the size counts the chunk size, the one holding the end the
// bytes up to it, one at or past the end the chunk size).
//
// Update sites (each is needed: tests/unit/md_usage_test.cpp removes each
// trigger in turn and expects a mismatch):
//   md_usage_chunk_ins / _chunk_del   a chunk allocated / dropped
//   md_usage_size                     a file's size changed (write, truncate)
//   md_usage_inode_del                a file removed: its chunks go first, while
//                                     its size is still there (the cascade
//                                     would delete them after the inode row)
//   md_usage_replica_ins / _del       a replica recorded / dropped
// Rows changed in other columns (versions, cut_len, written, orphan) change
// no counter. A store without the tables (older build, older snapshot) gets
// them and a recount when opened or installed (ensure_usage_counters).
#include "persistence/md_store.hpp"

#include <string>

namespace pstorage::persistence {

namespace {

// What the file `ino_expr` of size `size_expr` lacks in its end chunk.
std::string shortfall(const std::string& c, const std::string& ino_expr, const std::string& size_expr) {
  return "(CASE WHEN " + size_expr + " % " + c + " != 0 AND EXISTS (SELECT 1 FROM md_chunks WHERE ino = " + ino_expr +
         " AND idx = " + size_expr + " / " + c + ") THEN " + c + " - " + size_expr + " % " + c + " ELSE 0 END)";
}

// What a chunk at `idx_expr` of file `ino_expr` lacks of a whole chunk.
std::string chunk_shortfall(const std::string& c, const std::string& ino_expr, const std::string& idx_expr) {
  return "coalesce((SELECT CASE WHEN size % " + c + " != 0 AND size / " + c + " = " + idx_expr + " THEN " + c +
         " - size % " + c + " ELSE 0 END FROM md_inodes WHERE ino = " + ino_expr + "), 0)";
}

std::string usage_schema(uint64_t chunk_size) {
  const std::string c = std::to_string(chunk_size);
  return "CREATE TABLE IF NOT EXISTS md_usage (id INTEGER PRIMARY KEY CHECK (id = 1), chunks INTEGER NOT NULL,"
         " short_bytes INTEGER NOT NULL);"
         "CREATE TABLE IF NOT EXISTS md_cs_usage (cs INTEGER PRIMARY KEY, replicas INTEGER NOT NULL);"
         "CREATE TRIGGER IF NOT EXISTS md_usage_chunk_ins AFTER INSERT ON md_chunks BEGIN"
         " UPDATE md_usage SET chunks = chunks + 1, short_bytes = short_bytes + " +
         chunk_shortfall(c, "new.ino", "new.idx") +
         " WHERE id = 1; END;"
         "CREATE TRIGGER IF NOT EXISTS md_usage_chunk_del AFTER DELETE ON md_chunks BEGIN"
         " UPDATE md_usage SET chunks = chunks - 1, short_bytes = short_bytes - " +
         chunk_shortfall(c, "old.ino", "old.idx") +
         " WHERE id = 1; END;"
         "CREATE TRIGGER IF NOT EXISTS md_usage_size AFTER UPDATE OF size ON md_inodes WHEN old.size != new.size BEGIN"
         " UPDATE md_usage SET short_bytes = short_bytes + " +
         shortfall(c, "new.ino", "new.size") + " - " + shortfall(c, "old.ino", "old.size") +
         " WHERE id = 1; END;"
         "CREATE TRIGGER IF NOT EXISTS md_usage_inode_del BEFORE DELETE ON md_inodes BEGIN"
         " DELETE FROM md_chunks WHERE ino = old.ino; END;"
         "CREATE TRIGGER IF NOT EXISTS md_usage_replica_ins AFTER INSERT ON md_replicas BEGIN"
         " INSERT INTO md_cs_usage(cs, replicas) VALUES(new.cs, 1)"
         " ON CONFLICT(cs) DO UPDATE SET replicas = replicas + 1; END;"
         "CREATE TRIGGER IF NOT EXISTS md_usage_replica_del AFTER DELETE ON md_replicas BEGIN"
         " UPDATE md_cs_usage SET replicas = replicas - 1 WHERE cs = old.cs;"
         " DELETE FROM md_cs_usage WHERE cs = old.cs AND replicas <= 0; END;";
}

}  // namespace

void md_store::ensure_usage_counters() {
  db_.transaction([&] {
    db_.exec(usage_schema(chunk_size_));
    statement has(db_, "SELECT 1 FROM md_usage WHERE id = 1");
    if (has.step()) return;
    // A store from before the counters: one scan, then the triggers keep them.
    const auto u = usage_recount();
    statement(db_, "INSERT INTO md_usage(id, chunks, short_bytes) VALUES(1, ?, ?)")
        .bind(1, static_cast<int64_t>(u.chunks))
        .bind(2, static_cast<int64_t>(u.chunks * chunk_size_ - u.data_bytes))
        .run();
    db_.exec("DELETE FROM md_cs_usage");
    statement ins(db_, "INSERT INTO md_cs_usage(cs, replicas) VALUES(?, ?)");
    for (auto& [cs, n] : u.replicas_per_cs) {
      ins.bind(1, static_cast<int64_t>(cs)).bind(2, static_cast<int64_t>(n)).run();
      ins.reset();
    }
  });
}

md_store::usage_counters md_store::usage() const {
  usage_counters u;
  {
    statement st(db_, "SELECT chunks, short_bytes FROM md_usage WHERE id = 1");
    if (st.step()) {
      u.chunks = static_cast<uint64_t>(st.col_int(0));
      u.data_bytes = u.chunks * chunk_size_ - static_cast<uint64_t>(st.col_int(1));
    }
  }
  statement st(db_, "SELECT cs, replicas FROM md_cs_usage WHERE replicas > 0 ORDER BY cs");
  while (st.step()) u.replicas_per_cs[static_cast<uint32_t>(st.col_int(0))] = static_cast<uint64_t>(st.col_int(1));
  return u;
}

md_store::usage_counters md_store::usage_recount() const {
  usage_counters u;
  {
    statement st(db_, "SELECT count(*) FROM md_chunks");
    if (st.step()) u.chunks = static_cast<uint64_t>(st.col_int(0));
  }
  {
    statement st(db_,
                 "SELECT coalesce(sum(CASE WHEN c.idx * ?1 < i.size THEN min(?1, i.size - c.idx * ?1) ELSE ?1 END), 0)"
                 " FROM md_chunks c JOIN md_inodes i ON i.ino = c.ino");
    st.bind(1, static_cast<int64_t>(chunk_size_));
    if (st.step()) u.data_bytes = static_cast<uint64_t>(st.col_int(0));
  }
  statement st(db_, "SELECT cs, count(*) FROM md_replicas GROUP BY cs ORDER BY cs");
  while (st.step()) u.replicas_per_cs[static_cast<uint32_t>(st.col_int(0))] = static_cast<uint64_t>(st.col_int(1));
  return u;
}

}  // namespace pstorage::persistence
