#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

sqlite_db::sqlite_db(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw store_error("cannot open database '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  if (path != ":memory:") exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
}

sqlite_db::~sqlite_db() {
  for (auto& [sql, pool] : cached_)
    for (auto* st : pool) sqlite3_finalize(st);
  if (db_) sqlite3_close_v2(db_);
}

sqlite3_stmt* sqlite_db::take_statement(const std::string& sql) {
  if (auto it = cached_.find(sql); it != cached_.end() && !it->second.empty()) {
    auto* st = it->second.back();
    it->second.pop_back();
    return st;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail("cannot prepare [" + sql + "]");
  return st;
}

void sqlite_db::give_back(const std::string& sql, sqlite3_stmt* st) {
  // Reset: a statement left mid-step would keep its read transaction open.
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  auto& pool = cached_[sql];
  if (pool.size() < 4) pool.push_back(st);
  else sqlite3_finalize(st);
}

void sqlite_db::fail(const std::string& what) const {
  throw store_error(what + " in '" + path_ + "': " + sqlite3_errmsg(db_));
}

void sqlite_db::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw store_error("SQL failed in '" + path_ + "': " + msg + " [" + sql + "]");
  }
}

void sqlite_db::transaction(const std::function<void()>& fn) {
  exec("BEGIN IMMEDIATE");
  try {
    fn();
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  exec("COMMIT");
}

int64_t sqlite_db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

statement::statement(sqlite_db& db, const std::string& sql) : db_(db), sql_(sql), stmt_(db.take_statement(sql)) {}
statement::~statement() { db_.give_back(sql_, stmt_); }

statement& statement::bind(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) db_.fail("bind");
  return *this;
}
statement& statement::bind(int i, const std::string& v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    db_.fail("bind");
  return *this;
}
statement& statement::bind_blob(int i, const void* data, size_t n) {
  static const char empty = 0;  // a null pointer would bind NULL, not an empty blob
  if (sqlite3_bind_blob(stmt_, i, data ? data : &empty, static_cast<int>(n), SQLITE_TRANSIENT) != SQLITE_OK)
    db_.fail("bind");
  return *this;
}
statement& statement::bind_null(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) db_.fail("bind");
  return *this;
}
bool statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("step");
}
void statement::run() {
  while (step()) {
  }
}
void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
int64_t statement::col_int(int i) const { return sqlite3_column_int64(stmt_, i); }
std::string statement::col_text(int i) const {
  auto p = sqlite3_column_text(stmt_, i);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, i)) : std::string();
}
std::vector<uint8_t> statement::col_blob(int i) const {
  auto p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, i));
  return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, i)) : std::vector<uint8_t>();
}
bool statement::col_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

void meta_init(sqlite_db& db) {
  db.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
}
std::optional<std::string> meta_get(sqlite_db& db, const std::string& key) {
  statement st(db, "SELECT value FROM meta WHERE key = ?");
  st.bind(1, key);
  if (st.step()) return st.col_text(0);
  return std::nullopt;
}
void meta_set(sqlite_db& db, const std::string& key, const std::string& value) {
  statement st(db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key).bind(2, value).run();
}

}  // namespace pstorage::persistence
