// heap_trim_test.cpp — actors/mds/heap_trim.hpp: when the MDS gives freed
// heap back (issue 15, docs/soak.md "MDS memory"), and that doing so returns
// what a working set freed on several threads left resident.
#include "actors/mds/heap_trim.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace pstorage::mds;

namespace {
constexpr size_t MiB = size_t{1} << 20;
}

TEST_CASE("trim only when the free resident heap exceeds 4 MiB and a quarter of what is in use") {
  heap_trim_policy p;
  // The bench's master at 4 000 files: 7.4 MB in use, 10.6 MB free, 18 MB anonymous.
  CHECK(trim_due({7 * MiB, 10 * MiB, 18 * MiB}, p));
  // Free bytes the arenas hold but already returned (anonymous ~ in use): nothing to gain.
  CHECK_FALSE(trim_due({7 * MiB, 10 * MiB, 8 * MiB}, p));
  // A small heap's slack stays.
  CHECK_FALSE(trim_due({2 * MiB, 3 * MiB, 6 * MiB}, p));
  CHECK(trim_due({2 * MiB, 5 * MiB, 7 * MiB}, p));
  // A large heap: a quarter of it is tolerated free.
  CHECK_FALSE(trim_due({400 * MiB, 90 * MiB, 500 * MiB}, p));
  CHECK(trim_due({400 * MiB, 120 * MiB, 530 * MiB}, p));
  // Anonymous memory below what is in use (mmapped blocks not yet touched).
  CHECK_FALSE(trim_due({10 * MiB, 10 * MiB, 5 * MiB}, p));
}

TEST_CASE("the next look waits at least a second, and 50 times what the last trim took") {
  CHECK(next_look(10'000'000'000, 0) == 11'000'000'000);
  CHECK(next_look(10'000'000'000, 10'000'000) == 11'000'000'000);   // 10 ms: the second wins
  CHECK(next_look(10'000'000'000, 30'000'000) == 11'500'000'000);   // 30 ms (strace, 8 000 files)
  CHECK(next_look(10'000'000'000, 300'000'000) == 25'000'000'000);  // a 300-ms trim: 15 s
}

TEST_CASE("maybe_trim_heap looks at most once per interval") {
  heap_trim_policy p;
  p.min_free = 0;
  p.in_use_divisor = 0;
  p.min_interval_ns = 1'000'000'000;
  // The first call may trim or not (depends on this process's heap); the
  // next within the interval never looks.
  const int64_t t0 = 1'000'000'000'000;
  maybe_trim_heap(t0, p);
  CHECK_FALSE(maybe_trim_heap(t0 + 500'000'000, p));
  CHECK_FALSE(maybe_trim_heap(t0 + 999'999'999, p));
}

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
// What the master did: a working set of small blocks built and freed on
// several threads (each its own arena), with a few long-lived blocks
// allocated in between that keep the arenas from shrinking at their top.
TEST_CASE("freed working sets of several threads stay resident until trimmed, then go back") {
  std::vector<std::unique_ptr<char[]>> kept;
  std::mutex kept_mutex;
  auto work = [&] {
    std::vector<std::unique_ptr<char[]>> set;
    for (int i = 0; i < 40000; ++i) {
      set.emplace_back(new char[200]);
      set.back()[0] = 1;  // touched: resident
      if (i % 1000 == 999) {
        std::lock_guard<std::mutex> g(kept_mutex);
        kept.emplace_back(new char[64]);
      }
    }
  };  // ~9 MB per thread, freed at the end
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  const auto before = heap_now();
  MESSAGE("in use ", before.in_use >> 10, " KiB, free ", before.free_held >> 10, " KiB, anonymous ",
          before.anon_resident >> 10, " KiB");
  REQUIRE(trim_due(before));
  CHECK(maybe_trim_heap(5'000'000'000'000));
  const auto after = heap_now();
  MESSAGE("after the trim: anonymous ", after.anon_resident >> 10, " KiB");
  // At least three quarters of the free resident memory went back.
  const size_t freed_resident = before.anon_resident - before.in_use;
  CHECK(after.anon_resident + freed_resident * 3 / 4 <= before.anon_resident);
  CHECK_FALSE(trim_due(after));
}
#endif
