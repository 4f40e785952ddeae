// The names of watched directories a mount holds (actors/client/dir_cache.hpp):
// when an absent name may be answered without the MDS.
#include <doctest/doctest.h>

#include "actors/client/dir_cache.hpp"

using pstorage::client::dir_cache;
using known = dir_cache::known;

namespace {
constexpr int64_t ms = 1'000'000;

// A cache whose watch was answered at `at` for a Watch sent at `at`.
dir_cache live(int64_t at = 0) {
  dir_cache c(900 * ms);
  c.watch_answered(at, at);
  return c;
}
}  // namespace

TEST_CASE("nothing is answered before a Watch was answered") {
  dir_cache c(900 * ms);
  CHECK_FALSE(c.begin(0));
  CHECK(c.answer(5, "x", 0) == known::unknown);
}

TEST_CASE("a listing taken under a live watch answers absent names until the window ends") {
  auto c = live();
  auto tok = c.begin(1 * ms);
  REQUIRE(tok);
  CHECK(c.listed(5, {"a", "b"}, *tok, 2 * ms));
  CHECK(c.answer(5, "x", 3 * ms) == known::absent);
  CHECK(c.answer(5, "a", 3 * ms) == known::unknown);  // present: the MDS gives fresh attributes
  CHECK(c.answer(6, "x", 3 * ms) == known::unknown);  // not held
  CHECK(c.answer(5, "x", 900 * ms) == known::unknown);  // the window of the Watch sent at 0 is over
  c.watch_answered(400 * ms, 899 * ms);  // the next Watch (sent at 400) answered in time: no gap
  CHECK(c.answer(5, "x", 1200 * ms) == known::absent);
}

TEST_CASE("own changes update the listing") {
  auto c = live();
  c.listed(5, {}, *c.begin(0), 0);
  c.added(5, "x");
  CHECK(c.answer(5, "x", 1 * ms) == known::unknown);
  c.removed(5, "x");
  CHECK(c.answer(5, "x", 1 * ms) == known::absent);
  c.forget(5);
  CHECK(c.answer(5, "y", 1 * ms) == known::unknown);
}

TEST_CASE("the master's invalidation drops the listing") {
  auto c = live();
  c.listed(5, {}, *c.begin(0), 0);
  c.invalidated(5);
  CHECK(c.answer(5, "x", 1 * ms) == known::unknown);
  c.added(5, "x");  // no listing: nothing to update
  CHECK(c.answer(5, "y", 1 * ms) == known::unknown);
}

TEST_CASE("a listing is not adopted when an invalidation or reset came while it was asked for") {
  auto c = live();
  auto tok = c.begin(0);
  c.invalidated(9);  // any directory: the answer may predate a change we were told of
  CHECK_FALSE(c.listed(5, {}, *tok, 1 * ms));
  tok = c.begin(1 * ms);
  c.reset();
  c.watch_answered(2 * ms, 2 * ms);
  CHECK_FALSE(c.listed(5, {}, *tok, 3 * ms));
  CHECK(c.answer(5, "x", 3 * ms) == known::unknown);
}

TEST_CASE("a Watch answered after its window closed (stopped, partitioned) drops every listing") {
  auto c = live();
  c.listed(5, {}, *c.begin(0), 0);
  c.watch_answered(0, 950 * ms);  // sent at 0, answered late: the master may have given up on us
  CHECK(c.answer(5, "x", 951 * ms) == known::unknown);
  CHECK(c.listings() == 0);
}

TEST_CASE("a failed Watch or a change of master drops everything") {
  auto c = live();
  c.listed(5, {}, *c.begin(0), 0);
  c.reset();
  CHECK(c.answer(5, "x", 1 * ms) == known::unknown);
  CHECK_FALSE(c.begin(1 * ms));
}

TEST_CASE("bounded: listings and names") {
  dir_cache c(900 * ms, 1, 2);
  c.watch_answered(0, 0);
  CHECK(c.listed(5, {"a"}, *c.begin(0), 0));
  CHECK_FALSE(c.listed(6, {}, *c.begin(0), 0));  // one listing at most
  CHECK_FALSE(c.listed(5, {"a", "b", "c"}, *c.begin(0), 0));
  c.added(5, "b");
  c.added(5, "c");  // over the bound: the listing goes
  CHECK(c.listings() == 0);
}

// ---- attributes of present files kept with a listing (session 17) ----

namespace {
pstorage::client::file_attr file(uint64_t ino, uint64_t size = 0) {
  pstorage::client::file_attr a;
  a.ino = ino;
  a.size = size;
  return a;
}
}  // namespace

TEST_CASE("a file's attributes are kept with a held listing that names it, and answered while usable") {
  auto c = live();
  REQUIRE(c.listed(5, {"f"}, *c.begin(0), 0));
  CHECK_FALSE(c.present(5, "f", 1 * ms));  // named, attributes not known yet
  CHECK(c.attr_adopt(5, "f", file(40, 7), *c.begin(1 * ms), 1 * ms));
  auto a = c.present(5, "f", 2 * ms);
  REQUIRE(a);
  CHECK(a->ino == 40);
  CHECK(a->size == 7);
  CHECK_FALSE(c.present(5, "f", 900 * ms));  // the window closed
  CHECK_FALSE(c.attr_adopt(5, "g", file(41), *c.begin(2 * ms), 2 * ms));  // not in the listing
  CHECK_FALSE(c.attr_adopt(6, "f", file(42), *c.begin(2 * ms), 2 * ms));  // no listing
  auto d = file(43);
  d.is_dir = true;
  c.added(5, "sub");
  CHECK_FALSE(c.attr_adopt(5, "sub", d, *c.begin(2 * ms), 2 * ms));  // never a directory's
}

TEST_CASE("the master's invalidation of the file, or of its directory, drops the attributes") {
  auto c = live();
  c.listed(5, {"f", "g"}, *c.begin(0), 0);
  c.attr_adopt(5, "f", file(40), *c.begin(0), 0);
  c.attr_adopt(5, "g", file(41), *c.begin(0), 0);
  c.invalidated(40);  // another mount's chmod of 40
  CHECK_FALSE(c.present(5, "f", 1 * ms));
  CHECK(c.present(5, "g", 1 * ms));
  CHECK(c.answer(5, "h", 1 * ms) == known::absent);  // the listing stays
  c.invalidated(5);  // another mount's create in 5
  CHECK_FALSE(c.present(5, "g", 1 * ms));
  CHECK(c.attrs_held() == 0);
}

TEST_CASE("attributes asked for across an invalidation or an own change are not kept") {
  auto c = live();
  c.listed(5, {"f"}, *c.begin(0), 0);
  auto tok = c.begin(0);
  c.invalidated(99);  // any inode: the answer may predate a change we were told of
  CHECK_FALSE(c.attr_adopt(5, "f", file(40), *tok, 1 * ms));
  c.attr_adopt(5, "f", file(40), *c.begin(1 * ms), 1 * ms);
  tok = c.begin(1 * ms);
  c.attr_drop(40);  // this mount's own size report or setattr
  CHECK_FALSE(c.present(5, "f", 2 * ms));
  CHECK_FALSE(c.attr_adopt(5, "f", file(40, 9), *tok, 2 * ms));
}

TEST_CASE("own namespace changes: unlink and rename drop the name's attributes, a new name has none") {
  auto c = live();
  c.listed(5, {"f", "g"}, *c.begin(0), 0);
  c.attr_adopt(5, "f", file(40), *c.begin(0), 0);
  c.attr_adopt(5, "g", file(41), *c.begin(0), 0);
  c.removed(5, "f");
  CHECK_FALSE(c.present(5, "f", 1 * ms));
  CHECK(c.answer(5, "f", 1 * ms) == known::absent);
  c.added(5, "g");  // renamed over: the old file's attributes go
  CHECK_FALSE(c.present(5, "g", 1 * ms));
  CHECK(c.attrs_held() == 0);
  c.attr_adopt(5, "g", file(42), *c.begin(1 * ms), 1 * ms);
  c.reset();
  CHECK_FALSE(c.present(5, "g", 2 * ms));
  CHECK(c.attrs_held() == 0);
}
