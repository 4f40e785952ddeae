// The MDS's persistent event log (persistence/event_log.hpp).
#include <doctest/doctest.h>

#include <filesystem>

#include "persistence/event_log.hpp"

using namespace pstorage::persistence;

TEST_CASE("events are kept in order and survive reopening") {
  char tmpl[] = "/tmp/pstorage-events-XXXXXX";
  std::filesystem::path dir = mkdtemp(tmpl);
  auto path = (dir / "mds.db").string();
  {
    sqlite_db db(path);
    event_log log(db);
    log.append(1, "info", "MDS", "The cluster is healthy with 3 active CS");
    log.append(2, "warn", "MDS", "CS#1025 has not registered during the last 10 sec and is marked as inactive");
  }
  sqlite_db db(path);
  event_log log(db);
  auto all = log.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].text == "The cluster is healthy with 3 active CS");
  CHECK(all[1].severity == "warn");
  CHECK(log.list(all[0].id).size() == 1);
  CHECK(log.list(0, 1).back().time_ns == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the log is bounded") {
  sqlite_db db(":memory:");
  event_log log(db, 500);
  for (int i = 0; i < 3000; ++i) log.append(i, "info", "MDS", "e" + std::to_string(i));
  auto all = log.list(0, 100000);
  CHECK(all.size() <= 1500);
  CHECK(all.back().text == "e2999");
}
