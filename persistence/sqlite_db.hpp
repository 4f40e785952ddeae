// sqlite_db.hpp — a minimal RAII wrapper over SQLite used by every store.
// Contract: every failure throws store_error with the SQLite message and the
// file name, so callers can tell an operator what broke. WAL mode with
// synchronous=FULL: a committed transaction survives kill -9 and power loss
// (md_store lowers it to NORMAL for namespace changes it fsyncs later).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace pstorage::persistence {

struct store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class sqlite_db;

// A prepared statement; bind with 1-based indexes, step() returns true while
// rows are available. Prepared statements are reused: on destruction the
// statement is reset and returned to its database's cache (a few per SQL
// text), so a hot query is compiled once, not per call.
class statement {
 public:
  statement(sqlite_db& db, const std::string& sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, int64_t v);
  statement& bind(int i, const std::string& v);
  statement& bind_blob(int i, const void* data, size_t n);
  statement& bind_null(int i);
  bool step();
  void run();  // step until done
  void reset();

  int64_t col_int(int i) const;
  std::string col_text(int i) const;
  std::vector<uint8_t> col_blob(int i) const;
  bool col_null(int i) const;

 private:
  sqlite_db& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

class sqlite_db {
 public:
  // path ":memory:" gives an in-memory database (deterministic simulator).
  explicit sqlite_db(const std::string& path);
  ~sqlite_db();
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  void exec(const std::string& sql);
  // Runs fn inside BEGIN IMMEDIATE/COMMIT; rolls back if fn throws.
  void transaction(const std::function<void()>& fn);
  int64_t last_insert_rowid() const;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const;

  // Statement cache (statement's constructor and destructor).
  sqlite3_stmt* take_statement(const std::string& sql);
  void give_back(const std::string& sql, sqlite3_stmt* st);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> cached_;
};

// Tiny key/value table ("meta") helpers shared by the stores.
void meta_init(sqlite_db& db);
std::optional<std::string> meta_get(sqlite_db& db, const std::string& key);
void meta_set(sqlite_db& db, const std::string& key, const std::string& value);

}  // namespace pstorage::persistence
