// Client sessions and the orphan sweep (actors/mds/client_sessions.hpp), and
// lease_table::drop_client: pure decisions, time as plain numbers (ns).
#include <doctest/doctest.h>

#include "actors/mds/client_sessions.hpp"
#include "actors/mds/lease_table.hpp"

using namespace pstorage::mds;

namespace {
constexpr int64_t s = 1'000'000'000;
}

TEST_CASE("a session expires one timeout after the client was last heard from, not before") {
  client_sessions t(60 * s);
  t.seen("A", 0);
  t.seen("B", 0);
  t.seen("B", 50 * s);
  CHECK(t.expire(59 * s).empty());
  CHECK(t.expire(60 * s) == std::vector<std::string>{"A"});
  CHECK_FALSE(t.known("A"));
  CHECK(t.known("B"));
  CHECK(t.expire(109 * s).empty());
  CHECK(t.expire(110 * s) == std::vector<std::string>{"B"});
  CHECK(t.size() == 0);
}

TEST_CASE("seen never moves a session back in time") {
  client_sessions t(10 * s);
  t.seen("A", 8 * s);
  t.seen("A", 2 * s);  // a late message stamped earlier
  CHECK(t.expire(12 * s).empty());
  CHECK(t.expire(18 * s) == std::vector<std::string>{"A"});
}

TEST_CASE("a new master gives every client with handles one full timeout, forgets the rest") {
  client_sessions t(60 * s);
  t.seen("old", 0);
  t.master_started(100 * s, {"A", "B"});
  CHECK_FALSE(t.known("old"));
  t.seen("B", 150 * s);
  CHECK(t.expire(159 * s).empty());
  CHECK(t.expire(160 * s) == std::vector<std::string>{"A"});
  CHECK(t.expire(210 * s) == std::vector<std::string>{"B"});
}

TEST_CASE("orphan sweep: one timeout after start, at once after an expiry, then every timeout") {
  orphan_sweep w(60 * s);
  CHECK_FALSE(w.due(0));  // not serving yet
  w.master_started(100 * s);
  CHECK_FALSE(w.due(159 * s));
  CHECK(w.due(160 * s));
  w.swept(160 * s, false);
  CHECK_FALSE(w.due(219 * s));
  w.session_expired(170 * s);
  CHECK(w.due(170 * s));
  w.swept(170 * s, true);  // more left: again at the next tick
  CHECK(w.due(170 * s));
  w.swept(171 * s, false);
  CHECK_FALSE(w.due(230 * s));
  CHECK(w.due(231 * s));
}

TEST_CASE("orphan sweep: an expiry before the master served one timeout waits for that timeout") {
  orphan_sweep w(60 * s);
  w.master_started(0);
  w.session_expired(10 * s);  // a client known to an earlier epoch of this master
  CHECK_FALSE(w.due(59 * s));
  CHECK(w.due(60 * s));
}

TEST_CASE("orphans to purge: not open, not being purged, at most the limit") {
  std::vector<uint64_t> orphans{5, 7, 9, 11, 13};
  auto open = [](uint64_t ino) { return ino == 7; };
  CHECK(orphans_to_purge(orphans, open, {9}, 10) == std::vector<uint64_t>{5, 11, 13});
  CHECK(orphans_to_purge(orphans, open, {}, 2) == std::vector<uint64_t>{5, 9});
  CHECK(orphans_to_purge({}, open, {}, 10).empty());
}

TEST_CASE("drop_client forgets the client's handles and leases, and only its") {
  lease_table t(10 * s);
  t.open(1, "A");
  t.open(1, "B");
  t.open(2, "A");
  REQUIRE(t.acquire(2, "A", 0).ok);
  REQUIRE(t.acquire(3, "B", 0).ok);
  CHECK(t.clients() == std::set<std::string>{"A", "B"});
  CHECK(t.drop_client("A") == std::vector<lease_table::ino_t>{1, 2});
  CHECK(t.is_open(1));  // B still has it
  CHECK_FALSE(t.is_open(2));
  CHECK_FALSE(t.holder(2, 1).has_value());
  CHECK(t.acquire(2, "B", 1).ok);  // A's lease no longer blocks
  CHECK(t.holds(3, "B", 1));
  CHECK(t.clients() == std::set<std::string>{"B"});
  CHECK(t.drop_client("nobody").empty());
}
