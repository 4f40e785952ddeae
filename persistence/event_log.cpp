#include "persistence/event_log.hpp"

namespace pstorage::persistence {

event_log::event_log(sqlite_db& db, size_t capacity) : db_(db), capacity_(capacity) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, time_ns INTEGER NOT NULL,"
      " severity TEXT NOT NULL, source TEXT NOT NULL, text TEXT NOT NULL)");
}

int64_t event_log::append(int64_t time_ns, const std::string& severity, const std::string& source,
                          const std::string& text) {
  statement(db_, "INSERT INTO events(time_ns, severity, source, text) VALUES(?,?,?,?)")
      .bind(1, time_ns)
      .bind(2, severity)
      .bind(3, source)
      .bind(4, text)
      .run();
  auto id = db_.last_insert_rowid();
  if (static_cast<size_t>(id) > capacity_ && id % 1000 == 0)
    statement(db_, "DELETE FROM events WHERE id <= ?").bind(1, id - static_cast<int64_t>(capacity_)).run();
  return id;
}

std::vector<event_record> event_log::list(int64_t after_id, size_t limit) const {
  std::vector<event_record> out;
  statement st(db_,
               "SELECT id, time_ns, severity, source, text FROM (SELECT * FROM events WHERE id > ? ORDER BY id DESC"
               " LIMIT ?) ORDER BY id");
  st.bind(1, after_id).bind(2, static_cast<int64_t>(limit));
  while (st.step()) out.push_back({st.col_int(0), st.col_int(1), st.col_text(2), st.col_text(3), st.col_text(4)});
  return out;
}

}  // namespace pstorage::persistence
