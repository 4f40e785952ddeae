// Failed starts (actors/ha/start_failures.hpp, placement.hpp rules 2 and 6,
// relocator_rules.hpp rule 5): after max_failed_starts (3) failed starts on
// a node the resource moves to the next node (round-robin or its backup
// node), never back to a node that gave it up; with every node given up it
// is taken off its node ("no node can take RESOURCE") and every node is
// tried again after a bounded, doubling backoff. Before this, a resource that
// failed to start stayed on its node for ever (the agent retried every 5 s).
#include <doctest/doctest.h>

#include "actors/ha/relocator_rules.hpp"
#include "tests/unit/ha_relocator_fixture.hpp"
#include "actors/ha/start_failures.hpp"

using namespace pstorage::ha;
using namespace ha_fixture;
using pstorage::mds::cmd_ha_assign;

namespace {
void fail(start_failures& book, const std::string& r, const std::string& node, int times) {
  for (int i = 0; i < times; ++i) book.failed(r, node);
}
}  // namespace

TEST_CASE("a node gives a resource up at the third failed start, not before") {
  start_failures book;
  CHECK(book.policy().max_failed_starts == 3);
  fail(book, "web", "a", 2);
  CHECK(book.given_up("web").empty());
  fail(book, "web", "b", 2);
  CHECK(book.given_up("web").empty());  // counted per node
  book.failed("web", "a");
  CHECK(book.given_up("web") == std::set<std::string>{"a"});
  CHECK(book.given_up_all() == std::map<std::string, std::set<std::string>>{{"web", {"a"}}});
  book.forget("web");  // started somewhere, removed, or relocated by the operator
  CHECK(book.given_up_all().empty());
}

TEST_CASE("the relocator moves a resource off the node that failed it 3 times, stopping there first") {
  start_failures book;
  auto in = base();
  in.resources = {res("web", "a")};
  fail(book, "web", "a", 2);
  in.given_up = book.given_up_all();
  CHECK(relocate_round(in).assigns.empty());  // two failures: it stays and is retried there
  book.failed("web", "a");
  in.given_up = book.given_up_all();
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0] == cmd_ha_assign{"web", "b", "a", "b"});
  CHECK(r.moves[0].event() == "Relocating web from a to b");
  CHECK(r.moves[0].why == cause::start_failed);
  CHECK(r.exhausted.empty());

  // On b, failing there too: c next, never back to a.
  in.resources = {res("web", "b")};
  fail(book, "web", "b", 3);
  in.given_up = book.given_up_all();
  in.cursor = "b";
  r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0] == cmd_ha_assign{"web", "c", "b", "c"});
}

TEST_CASE("a node that gave a resource up is no target for others' moves either") {
  auto in = base();
  in.resources = {res("web", "a")};
  in.agents.erase("a");
  in.master_since = 0;
  for (auto n : {"b", "c"}) in.agents[n].granted_at = in.now;
  in.given_up = {{"web", {"b"}}};
  auto r = relocate_round(in);  // a failed: round-robin would pick b first
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0] == cmd_ha_assign{"web", "c", "", "c"});
}

TEST_CASE("policy backup: the backup node next, round-robin when the backup node gave it up too") {
  auto in = base();
  in.resources = {res("db", "a", "", "c")};
  in.given_up = {{"db", {"a"}}};
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0].node == "c");
  in.resources = {res("db", "c", "", "c")};
  in.given_up = {{"db", {"a", "c"}}};
  r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0].node == "b");
}

TEST_CASE("every node failed it: taken off its node, 'no node can take', then retried after a bounded backoff") {
  start_failures book;
  auto in = base();
  in.resources = {res("web", "c")};
  for (auto n : {"a", "b", "c"}) fail(book, "web", n, 3);
  in.given_up = book.given_up_all();
  auto r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);
  CHECK(r.assigns[0] == cmd_ha_assign{"web", "", "c", ""});  // c stops it; nobody is granted it
  CHECK(r.moves[0].event() == "no node can take web");
  CHECK(r.exhausted == std::vector<std::string>{"web"});
  CHECK(grant_for({res("web", "", "c")}, "c").empty());

  // Journaled and its stop confirmed: unassigned, still nowhere to go.
  in.resources = {res("web", "")};
  r = relocate_round(in);
  CHECK(r.assigns.empty());
  REQUIRE(r.refused.size() == 1);
  CHECK(r.refused[0].event() == "no node can take web");
  CHECK(r.exhausted == std::vector<std::string>{"web"});

  // Backoff: 30 s, counted from the first exhaustion; asking again does not move it.
  const int64_t t0 = in.now;
  CHECK(book.exhausted("web", t0) == t0 + 30 * S);
  CHECK(book.exhausted("web", t0 + 5 * S) == t0 + 30 * S);
  CHECK(book.expire(t0 + 30 * S - 1).empty());
  CHECK(book.expire(t0 + 30 * S) == std::vector<std::string>{"web"});
  in.given_up = book.given_up_all();
  CHECK(in.given_up.empty());
  r = relocate_round(in);
  REQUIRE(r.assigns.size() == 1);  // every node is tried again
  CHECK(r.moves[0].event() == "Placing web on a");
  CHECK(r.exhausted.empty());
}

TEST_CASE("the backoff doubles per exhaustion up to 300 s and starts over after a successful start") {
  start_failures book;
  int64_t now = 0;
  std::vector<int64_t> waits;
  for (int i = 0; i < 6; ++i) {
    fail(book, "web", "a", 3);
    const int64_t at = book.exhausted("web", now);
    waits.push_back((at - now) / S);
    now = at;
    CHECK(book.expire(now) == std::vector<std::string>{"web"});
    CHECK(book.given_up("web").empty());
  }
  CHECK(waits == std::vector<int64_t>{30, 60, 120, 240, 300, 300});
  book.forget("web");
  CHECK((book.exhausted("web", now) - now) / S == 30);
}
