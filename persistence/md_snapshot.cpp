// md_snapshot.cpp — md_store's snapshots (md_store.hpp, "snapshots"): the
// whole metadata state as one SQLite image, moved with SQLite's online
// backup API, and the trimming of the stored entry copies once the journal
// is compacted (docs/election.md "Snapshots and compaction").
#include <sqlite3.h>

#include <cstring>
#include <memory>

#include "persistence/md_store.hpp"

namespace pstorage::persistence {

namespace {

struct connection {
  sqlite3* db = nullptr;
  ~connection() {
    if (db) sqlite3_close(db);
  }
};

// Copies the whole "main" database of `from` into `to` (one write transaction
// on `to`); throws with `what` on failure.
void copy_database(sqlite3* to, sqlite3* from, const std::string& what) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (!b) throw store_error(what + ": " + sqlite3_errmsg(to));
  const int step = sqlite3_backup_step(b, -1);
  const int fin = sqlite3_backup_finish(b);
  if (step != SQLITE_DONE || fin != SQLITE_OK)
    throw store_error(what + ": " + sqlite3_errstr(step != SQLITE_DONE ? step : fin));
}

std::string meta_text(sqlite3* db, const char* key) {
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, "SELECT value FROM md_meta WHERE key = ?", -1, &st, nullptr) != SQLITE_OK) return out;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

}  // namespace

std::vector<uint8_t> md_store::export_snapshot() const {
  const std::string what = "metadata store '" + db_.path() + "': cannot take a snapshot";
  connection mem;
  if (sqlite3_open(":memory:", &mem.db) != SQLITE_OK) throw store_error(what + ": out of memory");
  copy_database(mem.db, db_.handle(), what);
  sqlite3_int64 size = 0;
  unsigned char* image = sqlite3_serialize(mem.db, "main", &size, 0);
  if (!image) throw store_error(what + ": out of memory");
  std::vector<uint8_t> out(image, image + size);
  sqlite3_free(image);
  return out;
}

void md_store::install_snapshot(std::span<const uint8_t> image) {
  const std::string what = "metadata store '" + db_.path() + "': cannot install the master's snapshot";
  if (image.size() < 100 || std::memcmp(image.data(), "SQLite format 3", 15) != 0)
    throw store_error(what + ": the data is not an SQLite database image");
  connection mem;
  if (sqlite3_open(":memory:", &mem.db) != SQLITE_OK) throw store_error(what + ": out of memory");
  auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  if (!buf) throw store_error(what + ": out of memory");
  std::memcpy(buf, image.data(), image.size());
  // An image of a WAL-mode database says so in its header (file format
  // bytes 18/19 = 2); an in-memory database cannot use a WAL: read it as a
  // rollback-journal one (the pages are the same).
  if (buf[18] == 2) buf[18] = 1;
  if (buf[19] == 2) buf[19] = 1;
  if (sqlite3_deserialize(mem.db, "main", buf, static_cast<sqlite3_int64>(image.size()),
                          static_cast<sqlite3_int64>(image.size()),
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
    throw store_error(what + ": " + sqlite3_errmsg(mem.db));
  const std::string format = meta_text(mem.db, "format"), chunk = meta_text(mem.db, "chunk_size");
  const std::string ours = meta_text(db_.handle(), "format");
  if (format.empty() || format != ours)
    throw store_error(what + ": its format is '" + format + "', this store's is '" + ours + "'");
  if (chunk != std::to_string(chunk_size_))
    throw store_error(what + ": its chunk size is " + chunk + ", this store's is " + std::to_string(chunk_size_));
  set_synchronous(true);  // the copy's commit is fsynced
  copy_database(db_.handle(), mem.db, what);
  unsynced_ = false;
  ensure_usage_counters();  // an image from a build without them
}

void md_store::forget_entries_through(uint64_t index) {
  index = std::min(index, applied_index());
  db_.transaction([&] {
    statement(db_, "DELETE FROM md_journal WHERE idx <= ?").bind(1, static_cast<int64_t>(index)).run();
  });
}

uint64_t md_store::first_stored_index() const {
  statement st(db_, "SELECT min(idx) FROM md_journal");
  st.step();
  return st.col_null(0) ? 0 : static_cast<uint64_t>(st.col_int(0));
}

}  // namespace pstorage::persistence
