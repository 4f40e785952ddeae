// event_query.hpp — the pure part of `pstorage get-event [--since TIME]
// [--follow] [--json]` (guide "Monitoring Event Logs"; docs/monitoring.md
// "Events"): what --since means, and which events of each answer are
// printed. No I/O: frontends/cli/event_commands.cpp asks the MDS and prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pstorage::cli {

// --since TIME, as nanoseconds since the epoch. Accepted forms (local time
// unless an epoch):
//   30s 10m 2h 1d            that long before `now_ns`
//   2026-12-06               midnight of that day
//   2026-12-06 23:40[:05]    also with 'T' between date and time
//   06-12-26 23:40:05        the TIME column get-event prints (DD-MM-YY)
//   @1796600000              seconds since the epoch
// Anything else: nullopt and `error` says which forms are accepted.
std::optional<int64_t> parse_since(const std::string& text, int64_t now_ns, std::string* error);

// Walks the event log answer by answer: remembers the newest id seen (the
// next request's afterId) and drops events older than --since. Events are
// kept by id (the replicated history: the same ids on every MDS, so the
// walk goes on unchanged after a master change). Times are not monotonic
// across masters (their clocks differ), hence the filter on every event.
class event_cursor {
 public:
  explicit event_cursor(std::optional<int64_t> since_ns = std::nullopt) : since_ns_(since_ns) {}
  // One answer (events with id > after_id(), oldest first): the events to
  // print, in order. An event at or below after_id() (a repeated answer) is
  // never returned twice.
  std::vector<nlohmann::json> take(const nlohmann::json& answer);
  int64_t after_id() const { return after_id_; }

 private:
  std::optional<int64_t> since_ns_;
  int64_t after_id_ = 0;
};

// The request size of one answer; an answer this long means more may follow.
inline constexpr uint32_t events_page = 1000;

}  // namespace pstorage::cli
