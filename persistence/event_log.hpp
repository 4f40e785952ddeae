// event_log.hpp — the MDS's persistent event log (guide: "Monitoring Event
// Logs", "Exploring Basic Events"): every cluster event with its time,
// severity and the guide's text, kept in the MDS repository's SQLite file so
// `pstorage get-event` shows history across restarts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

struct event_record {
  int64_t id = 0;
  int64_t time_ns = 0;  // wall clock, Unix epoch
  std::string severity;  // info | warn | err
  std::string source;    // MDS | JRN
  std::string text;
};

class event_log {
 public:
  // Creates the table if needed; keeps at most `capacity` newest events.
  explicit event_log(sqlite_db& db, size_t capacity = 100000);
  int64_t append(int64_t time_ns, const std::string& severity, const std::string& source, const std::string& text);
  // Newest last; at most `limit` events with id > after_id.
  std::vector<event_record> list(int64_t after_id = 0, size_t limit = 1000) const;

 private:
  sqlite_db& db_;
  size_t capacity_;
};

}  // namespace pstorage::persistence
