// The replicated journal's file (persistence/journal_store.hpp): batches are
// atomic (entries + hard state together), truncation keeps committed
// entries, compaction and snapshot install, and everything survives reopening.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "persistence/journal_store.hpp"

using namespace pstorage::persistence;
namespace fs = std::filesystem;

namespace {

struct scratch {
  fs::path dir;
  explicit scratch(const std::string& name)
      : dir(fs::temp_directory_path() / ("pstorage_journal_test_" + std::to_string(getpid()) + "_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  std::string db() const { return (dir / "journal.db").string(); }
};

journal_record rec(uint64_t index, uint64_t term, const std::string& text = "x") {
  return {index, term, 0, std::vector<uint8_t>(text.begin(), text.end())};
}

}  // namespace

TEST_CASE("a batch of entries and hard state is saved and loaded back after reopening") {
  scratch s("reopen");
  {
    journal_store j(s.db());
    CHECK(j.last_index() == 0);
    CHECK(j.first_index() == 1);
    journal_batch b;
    b.entries = {rec(1, 1, "a"), rec(2, 1, "b"), rec(3, 2, "c")};
    b.hard_state = journal_hard_state{2, 3, 2};
    j.save(b);
    journal_batch lazy;
    lazy.entries = {rec(4, 2, "d")};
    j.save(lazy, false);
    j.sync();
  }
  journal_store j(s.db());
  auto c = j.load();
  CHECK(c.hard_state == journal_hard_state{2, 3, 2});
  REQUIRE(c.entries.size() == 4);
  CHECK(c.entries[2] == rec(3, 2, "c"));
  CHECK(c.entries[3] == rec(4, 2, "d"));
  CHECK(j.last_index() == 4);
}

TEST_CASE("a batch that does not follow the log is refused whole") {
  journal_store j(":memory:");
  journal_batch b;
  b.entries = {rec(1, 1)};
  j.save(b);
  journal_batch gap;
  gap.entries = {rec(2, 1), rec(4, 1)};
  gap.hard_state = journal_hard_state{5, 1, 2};
  CHECK_THROWS_AS(j.save(gap), store_error);
  CHECK(j.last_index() == 1);                       // entry 2 rolled back with the rest
  CHECK(j.hard_state() == journal_hard_state{});  // hard state too
}

TEST_CASE("truncation replaces an uncommitted tail in the same transaction") {
  journal_store j(":memory:");
  journal_batch b;
  b.entries = {rec(1, 1), rec(2, 1), rec(3, 1)};
  j.save(b);
  journal_batch repl;
  repl.truncate_after = 1;
  repl.entries = {rec(2, 3, "new")};
  repl.hard_state = journal_hard_state{3, 2, 1};
  j.save(repl);
  auto c = j.load();
  REQUIRE(c.entries.size() == 2);
  CHECK(c.entries[1] == rec(2, 3, "new"));
  CHECK(c.hard_state.term == 3);
}

TEST_CASE("compaction drops the prefix and records the snapshot; install restarts the log") {
  journal_store j(":memory:");
  journal_batch b;
  for (uint64_t i = 1; i <= 5; ++i) b.entries.push_back(rec(i, 1));
  j.save(b);
  j.compact({3, 1, {9}});
  CHECK(j.first_index() == 4);
  CHECK(j.last_index() == 5);
  CHECK(j.load().entries.size() == 2);
  CHECK(j.snapshot() == journal_snapshot{3, 1, {9}});
  j.compact({2, 1, {}});  // older than the snapshot: nothing changes
  CHECK(j.snapshot().index == 3);

  journal_batch below;
  below.truncate_after = 2;
  CHECK_THROWS_AS(j.save(below), store_error);

  j.install({10, 4, {7}});
  CHECK(j.first_index() == 11);
  CHECK(j.last_index() == 10);
  CHECK(j.load().entries.empty());
  CHECK(j.hard_state().commit == 10);
  journal_batch next;
  next.entries = {rec(11, 4)};
  j.save(next);
  CHECK(j.last_index() == 11);
}

TEST_CASE("an entry with no data (a noop) is stored as an empty blob") {
  journal_store j(":memory:");
  journal_batch b;
  b.entries = {journal_record{1, 1, 1, {}}};
  j.save(b);
  REQUIRE(j.load().entries.size() == 1);
  CHECK(j.load().entries[0].data.empty());
}

TEST_CASE("a snapshot being received is stored in order, survives reopening and install, and a new one replaces it") {
  scratch s("incoming");
  const std::vector<uint8_t> a{1, 2, 3}, b{4, 5};
  {
    journal_store j(s.db());
    CHECK_FALSE(j.incoming());
    j.incoming_begin(40, 3, 5);
    j.incoming_chunk(0, a.data(), a.size());
    CHECK_THROWS_AS(j.incoming_chunk(0, a.data(), a.size()), store_error);  // not at the end: refused
    CHECK_THROWS_AS(j.incoming_chunk(4, b.data(), 1), store_error);         // a gap: refused
    CHECK_FALSE(j.incoming()->complete());
    j.incoming_chunk(3, b.data(), b.size());
    CHECK(j.incoming() == journal_incoming{40, 3, 5, 5});
    CHECK(j.incoming()->complete());
    j.install({40, 3, {}});  // durable, and the state stays for the MDS to take
  }
  journal_store j(s.db());
  CHECK(j.snapshot().index == 40);
  CHECK(j.incoming()->complete());
  CHECK(j.incoming_data() == std::vector<uint8_t>{1, 2, 3, 4, 5});
  j.incoming_begin(50, 4, 2);
  CHECK(j.incoming() == journal_incoming{50, 4, 2, 0});
  CHECK(j.incoming_data().empty());
  j.clear_incoming();
  CHECK_FALSE(j.incoming());
}

TEST_CASE("the time spent writing the journal is counted (the guide's %CTIME)") {
  journal_store j(":memory:");
  const uint64_t before = journal_store::write_ns_total();
  journal_batch b;
  for (uint64_t i = 1; i <= 50; ++i) b.entries.push_back(rec(i, 1, std::string(100, 'x')));
  j.save(b);
  const uint64_t after = journal_store::write_ns_total();
  CHECK(after > before);
  journal_batch empty;
  j.save(empty, true);  // nothing unsynced: no write, nothing counted
  CHECK(journal_store::write_ns_total() == after);
}
