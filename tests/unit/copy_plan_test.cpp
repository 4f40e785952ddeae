// Tests of actors/cs/copy_plan.hpp: a replication copy whose source has a
// bad page (docs/chunk-versions.md, "A bad page in a copy"; issue 15,
// pstorage-sim --seed 1199 --scenario data-disk).
#include "actors/cs/copy_plan.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace pstorage::cs;

namespace {

constexpr uint64_t ps = 4096, piece = 4 * ps;

// Replicas as sets of bad pages; drives the plan as the CS actor does.
struct run_result {
  bool ok = false;
  std::vector<uint64_t> carried_bad;
  std::vector<std::string> steps;  // "S0+16384", "A1 p3", "M p3"
  std::vector<int> page_from;      // per page: -1 source, k alternate k, -2 marked bad
};

run_result run(uint64_t limit, const std::set<uint64_t>& source_bad, const std::vector<std::set<uint64_t>>& alternates_bad,
               bool source_fails = false) {
  run_result out;
  out.page_from.assign((limit + ps - 1) / ps, -9);
  copy_progress p;
  p.limit = limit;
  for (int guard = 0; guard < 1000; ++guard) {
    auto n = next_copy_step(p, piece, ps, alternates_bad.size());
    read_outcome o = read_outcome::ok;
    switch (n.move) {
      case copy_move::finish:
        out.ok = true;
        out.carried_bad = p.carried_bad;
        return out;
      case copy_move::give_up: return out;
      case copy_move::read_source: {
        out.steps.push_back("S" + std::to_string(n.offset) + "+" + std::to_string(n.length));
        if (source_fails) o = read_outcome::failed;
        for (uint64_t pg = n.offset / ps; pg * ps < n.offset + n.length; ++pg)
          if (source_bad.count(pg)) o = read_outcome::checksum_mismatch;
        if (o == read_outcome::ok)
          for (uint64_t pg = n.offset / ps; pg * ps < n.offset + n.length; ++pg) out.page_from[pg] = -1;
        break;
      }
      case copy_move::read_alternate:
        out.steps.push_back("A" + std::to_string(n.alternate) + " p" + std::to_string(n.page));
        if (alternates_bad[n.alternate].count(n.page)) o = read_outcome::checksum_mismatch;
        else out.page_from[n.page] = static_cast<int>(n.alternate);
        break;
      case copy_move::mark_bad:
        out.steps.push_back("M p" + std::to_string(n.page));
        out.page_from[n.page] = -2;
        break;
    }
    if (!apply_copy_outcome(p, n, o, ps)) return out;
  }
  FAIL("the copy did not end");
  return out;
}

}  // namespace

TEST_CASE("a clean source is copied in pieces") {
  auto r = run(10 * ps, {}, {});
  CHECK(r.ok);
  CHECK(r.carried_bad.empty());
  CHECK(r.steps == std::vector<std::string>{"S0+16384", "S16384+16384", "S32768+8192"});
}

TEST_CASE("a bad page with no other holder is carried over marked bad; the rest is copied") {
  // The pattern of --seed 1199 --scenario data-disk: the lone replica rotted in page 0.
  auto r = run(8 * ps, {0}, {});
  REQUIRE(r.ok);  // before: the copy failed whole on that page
  CHECK(r.carried_bad == std::vector<uint64_t>{0});
  CHECK(r.page_from == std::vector<int>{-2, -1, -1, -1, -1, -1, -1, -1});
}

TEST_CASE("a bad page is taken from the first alternate that has it good") {
  auto r = run(8 * ps, {6}, {{6}, {2}});
  REQUIRE(r.ok);
  CHECK(r.carried_bad.empty());
  CHECK(r.page_from == std::vector<int>{-1, -1, -1, -1, -1, -1, 1, -1});
  // the piece with the bad page is read again page by page, only up to it
  CHECK(r.steps == std::vector<std::string>{"S0+16384", "S16384+16384", "S16384+4096", "S20480+4096",
                                            "S24576+4096", "A0 p6", "A1 p6", "S28672+4096"});
}

TEST_CASE("bad pages everywhere: each carried over marked bad, never taken as good") {
  auto r = run(8 * ps, {1, 2}, {{1, 2}});
  REQUIRE(r.ok);
  CHECK(r.carried_bad == std::vector<uint64_t>{1, 2});
  CHECK(r.page_from[1] == -2);
  CHECK(r.page_from[2] == -2);
}

TEST_CASE("the last page may be short") {
  auto r = run(3 * ps + 100, {3}, {});
  REQUIRE(r.ok);
  CHECK(r.carried_bad == std::vector<uint64_t>{3});
  CHECK(r.steps.back() == "M p3");
}

TEST_CASE("too many bad pages, or a source that fails otherwise: the copy fails whole") {
  std::set<uint64_t> bad;
  for (uint64_t p = 0; p <= max_carried_bad; ++p) bad.insert(p);
  CHECK_FALSE(run(16 * ps, bad, {}).ok);
  bad.erase(max_carried_bad);
  CHECK(run(16 * ps, bad, {}).ok);  // exactly the limit
  CHECK_FALSE(run(8 * ps, {}, {}, true).ok);
}

TEST_CASE("marking a page that fails fails the copy") {
  copy_progress p;
  p.limit = 2 * ps;
  p.bad = 0;
  auto n = next_copy_step(p, piece, ps, 0);
  REQUIRE(n.move == copy_move::mark_bad);
  CHECK_FALSE(apply_copy_outcome(p, n, read_outcome::failed, ps));
}
