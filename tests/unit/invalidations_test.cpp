// Cache invalidation between mounts (actors/mds/invalidations.hpp): who is
// told, when a writer's answer may go.
#include <doctest/doctest.h>

#include "actors/mds/invalidations.hpp"

using pstorage::mds::invalidation_table;

namespace {
constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1000 * ms;
}  // namespace

TEST_CASE("no other watching opener: the writer is answered at once") {
  invalidation_table t(1 * s, 20 * s);
  CHECK_FALSE(t.changed(7, "A", {"A"}, 0).ticket);
  CHECK_FALSE(t.changed(7, "A", {"A", "B"}, 0).ticket);  // B never watched (a CLI, an old mount)
  CHECK(t.open_tickets() == 0);
}

TEST_CASE("a parked watcher gets the inode; the ticket ends when it acknowledges") {
  invalidation_table t(1 * s, 20 * s);
  CHECK_FALSE(t.watch("B", 0, 0));  // parked
  auto c = t.changed(7, "A", {"A", "B"}, 10 * ms);
  REQUIRE(c.ticket);
  REQUIRE(c.notify == std::vector<std::string>{"B"});
  auto b = t.take("B");
  REQUIRE(b);
  CHECK(b->inos == std::vector<uint64_t>{7});
  CHECK(t.finished(20 * ms).empty());
  CHECK_FALSE(t.take("B"));           // nothing more, and not parked
  CHECK_FALSE(t.watch("B", b->seq, 30 * ms));  // the ack; parked again
  CHECK(t.finished(30 * ms) == std::vector<uint64_t>{*c.ticket});
  CHECK(t.finished(40 * ms).empty());  // each ticket once
}

TEST_CASE("a watcher busy between Watches gets the change with its next Watch") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("B", 0, 0);
  t.end_hold("B");  // hold over, answered empty; B has not asked again yet
  auto c = t.changed(7, "A", {"B"}, 10 * ms);
  REQUIRE(c.ticket);
  CHECK(c.notify.empty());
  auto b = t.watch("B", 0, 20 * ms);
  REQUIRE(b);
  CHECK(b->inos == std::vector<uint64_t>{7});
  CHECK(t.finished(25 * ms).empty());
  t.watch("B", b->seq, 30 * ms);
  CHECK(t.finished(30 * ms).size() == 1);
}

TEST_CASE("a watcher that does not acknowledge holds the writer one attribute timeout, no longer") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("B", 0, 0);
  auto c = t.changed(7, "A", {"B"}, 0);
  REQUIRE(c.ticket);
  REQUIRE(t.next_deadline() == 1 * s);
  CHECK(t.finished(999 * ms).empty());
  CHECK(t.finished(1 * s) == std::vector<uint64_t>{*c.ticket});
}

TEST_CASE("an acknowledgement counts only for what was sent") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("B", 0, 0);
  auto c = t.changed(7, "A", {"B"}, 0);
  t.end_hold("B");                    // B was answered empty before take()
  auto b = t.watch("B", 99, 10 * ms);  // acks 99: nothing beyond 0 was sent
  REQUIRE(b);                          // gets the inode now
  CHECK(t.finished(20 * ms).empty());
  t.watch("B", b->seq, 30 * ms);
  CHECK(t.finished(30 * ms) == std::vector<uint64_t>{*c.ticket});
}

TEST_CASE("an unsent inode is sent once for several changes; a sent one is queued again") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("B", 0, 0);
  t.end_hold("B");
  auto c1 = t.changed(7, "A", {"B"}, 0);
  auto c2 = t.changed(7, "A", {"B"}, 1 * ms);
  auto c3 = t.changed(8, "A", {"B"}, 2 * ms);
  auto b = t.watch("B", 0, 3 * ms);
  REQUIRE(b);
  CHECK(b->inos == std::vector<uint64_t>{7, 8});
  auto c4 = t.changed(7, "A", {"B"}, 4 * ms);  // 7 was sent: B may have dropped its cache already
  auto b2 = t.watch("B", b->seq, 5 * ms);  // the ack, answered at once with 7 again
  auto done = t.finished(5 * ms);
  CHECK(done == std::vector<uint64_t>{*c1.ticket, *c2.ticket, *c3.ticket});
  REQUIRE(b2);
  CHECK(b2->inos == std::vector<uint64_t>{7});
  t.watch("B", b2->seq, 6 * ms);
  CHECK(t.finished(6 * ms) == std::vector<uint64_t>{*c4.ticket});
}

TEST_CASE("several openers: the ticket waits for all of them") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("B", 0, 0);
  t.watch("C", 0, 0);
  auto c = t.changed(7, "A", {"A", "B", "C"}, 0);
  CHECK(c.notify == std::vector<std::string>{"B", "C"});
  auto b = t.take("B");
  auto cc = t.take("C");
  t.watch("B", b->seq, 1 * ms);
  CHECK(t.finished(1 * ms).empty());
  t.watch("C", cc->seq, 2 * ms);
  CHECK(t.finished(2 * ms).size() == 1);
}

TEST_CASE("a mount silent for watch_idle is not waited for and is forgotten") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("B", 0, 0);
  t.end_hold("B");
  CHECK_FALSE(t.changed(7, "A", {"B"}, 21 * s).ticket);
  t.expire(21 * s);
  CHECK_FALSE(t.parked("B"));
  CHECK_FALSE(t.take("B"));
}

TEST_CASE("end_hold answers a parked watch once, with the last sent sequence number") {
  invalidation_table t(1 * s, 20 * s);
  CHECK_FALSE(t.end_hold("B"));
  t.watch("B", 0, 0);
  CHECK(t.parked("B"));
  auto e = t.end_hold("B");
  REQUIRE(e);
  CHECK(e->inos.empty());
  CHECK(e->seq == 0);
  CHECK_FALSE(t.end_hold("B"));
}

TEST_CASE("a mount whose connection closed is forgotten: the writer waiting for it is answered") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("B", 0, 0);
  auto c = t.changed(7, "A", {"B"}, 0);
  REQUIRE(c.ticket);
  CHECK(t.finished(1 * ms).empty());
  t.forget("B");
  CHECK(t.finished(2 * ms) == std::vector<uint64_t>{*c.ticket});
  CHECK_FALSE(t.changed(7, "A", {"B"}, 3 * ms).ticket);
}

// ---- directory watches (the mount's dir_cache.hpp holds listings under them) ----

TEST_CASE("a create in a watched directory waits for the mount that listed it, then the watch ends") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("A", 0, 0);      // A watches (parked)
  t.watch_dir("A", 5, 1 * ms);  // A read (or made) directory 5
  CHECK(t.dir_watchers(5) == 1);
  CHECK_FALSE(t.dir_changed(5, "A", 2 * ms).ticket);  // A's own create: nobody to wait for
  auto c = t.dir_changed(5, "B", 3 * ms);             // B's create in 5
  REQUIRE(c.ticket);
  CHECK(c.notify == std::vector<std::string>{"A"});
  CHECK(t.dir_watchers(5) == 0);  // one-shot: A drops its listing, registers again by a readdir
  auto b = t.take("A");
  REQUIRE(b);
  CHECK(b->inos == std::vector<uint64_t>{5});
  CHECK(t.finished(4 * ms).empty());  // B's answer waits for A
  t.watch("A", b->seq, 5 * ms);
  CHECK(t.finished(5 * ms) == std::vector<uint64_t>{*c.ticket});
  CHECK_FALSE(t.dir_changed(5, "B", 6 * ms).ticket);  // A no longer registered
}

TEST_CASE("a mount that does not answer holds a directory change at most the bound") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("A", 0, 0);
  t.watch_dir("A", 5, 0);
  auto c = t.dir_changed(5, "B", 100 * ms);
  REQUIRE(c.ticket);
  CHECK(t.finished(1099 * ms).empty());
  CHECK(t.finished(1100 * ms) == std::vector<uint64_t>{*c.ticket});
}

TEST_CASE("registrations of a mount that is not watching are ignored; they go with the mount") {
  invalidation_table t(1 * s, 20 * s);
  t.watch_dir("cli", 5, 0);  // never watched (a CLI, an old mount): no registration, never waited for
  CHECK(t.dir_watchers(5) == 0);
  t.watch("A", 0, 0);
  t.watch_dir("A", 5, 0);
  t.forget("A");  // its connection closed
  CHECK(t.dir_watchers(5) == 0);
  CHECK_FALSE(t.dir_changed(5, "B", 1 * ms).ticket);
}

TEST_CASE("too many registered directories: the oldest registration ends with an invalidation") {
  invalidation_table t(1 * s, 20 * s, 2);
  t.watch("A", 0, 0);
  t.watch_dir("A", 5, 0);
  t.watch_dir("A", 6, 0);
  t.watch_dir("A", 5, 0);  // again: now the newest
  t.watch_dir("A", 7, 0);  // 6 is the oldest: ended
  CHECK(t.dir_watchers(6) == 0);
  CHECK(t.dir_watchers(5) == 1);
  CHECK(t.dir_watchers(7) == 1);
  auto b = t.take("A");
  REQUIRE(b);
  CHECK(b->inos == std::vector<uint64_t>{6});  // the mount drops that listing
}

TEST_CASE("a rename between two watched directories waits for both watchers") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("A", 0, 0);
  t.watch("C", 0, 0);
  t.watch_dir("A", 5, 0);
  t.watch_dir("C", 6, 0);
  auto from = t.dir_changed(5, "B", 1 * ms), to = t.dir_changed(6, "B", 1 * ms);
  REQUIRE(from.ticket);
  REQUIRE(to.ticket);
  auto a = t.take("A");
  auto c = t.take("C");
  REQUIRE(a);
  REQUIRE(c);
  t.watch("A", a->seq, 2 * ms);
  auto done = t.finished(2 * ms);
  CHECK(done == std::vector<uint64_t>{*from.ticket});
  t.watch("C", c->seq, 3 * ms);
  CHECK(t.finished(3 * ms) == std::vector<uint64_t>{*to.ticket});
}

// ---- a file in a watched directory (the mount keeps its attributes with the listing) ----

TEST_CASE("a change of a file in a watched directory waits for the directory's watcher; the watch stays") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("A", 0, 0);
  t.watch("C", 0, 0);
  t.watch_dir("A", 5, 0);  // A holds directory 5 (and the attributes of file 40 in it)
  CHECK_FALSE(t.file_changed(40, 5, "A", {}, 1 * ms).ticket);  // A's own chmod: nobody to wait for
  auto c = t.file_changed(40, 5, "B", {"C"}, 2 * ms);          // B's chmod; C has 40 open
  REQUIRE(c.ticket);
  CHECK(c.notify == std::vector<std::string>{"C", "A"});
  auto a = t.take("A");
  REQUIRE(a);
  CHECK(a->inos == std::vector<uint64_t>{40});  // the file's inode: A drops its attributes
  t.watch("A", a->seq, 3 * ms);
  CHECK(t.finished(3 * ms).empty());  // C has not acknowledged yet
  auto cc = t.take("C");
  REQUIRE(cc);
  t.watch("C", cc->seq, 4 * ms);
  CHECK(t.finished(4 * ms) == std::vector<uint64_t>{*c.ticket});
  CHECK(t.dir_watchers(5) == 1);  // the listing did not change: A stays registered
  CHECK(t.file_changed(41, 5, "B", {}, 5 * ms).ticket);
  CHECK_FALSE(t.file_changed(42, 6, "B", {}, 5 * ms).ticket);  // another directory: nobody holds it
}

TEST_CASE("a watcher that also has the file open is queued once") {
  invalidation_table t(1 * s, 20 * s);
  t.watch("A", 0, 0);
  t.watch_dir("A", 5, 0);
  auto c = t.file_changed(40, 5, "B", {"A"}, 1 * ms);
  REQUIRE(c.ticket);
  CHECK(c.notify == std::vector<std::string>{"A"});
  auto a = t.take("A");
  REQUIRE(a);
  CHECK(a->inos == std::vector<uint64_t>{40});
}

TEST_CASE("a mount's first Watch finds it unknown; the answer at once is empty and ends the hold") {
  invalidation_table t(1 * s, 20 * s);
  CHECK_FALSE(t.knows("A"));
  CHECK_FALSE(t.watch("A", 0, 0));  // nothing to send: parked
  CHECK(t.knows("A"));
  auto b = t.end_hold("A");  // what the master answers at once for a first Watch
  REQUIRE(b);
  CHECK(b->inos.empty());
  CHECK_FALSE(t.parked("A"));
  t.forget("A");
  CHECK_FALSE(t.knows("A"));
}
