// heap_trim.hpp — gives heap memory the MDS freed back to the system
// (issue 15, docs/soak.md "MDS memory").
//
// Why: below repair::whole_scan_below chunks the master's repair pass reads
// and plans every chunk in one message every tick (full_scan.hpp), a few
// hundred bytes per chunk, all freed when the message ends. glibc keeps
// freed memory in the arena of the thread that allocated it, and the MDS
// actor runs on whichever CAF worker is free: each worker's arena kept its
// own high-water copy of that working set, fragmented by long-lived
// allocations (journal entries, SQLite pages) made in between. Measured
// with heaptrack and malloc_info (tests/bench/mds_memory_per_file.sh, 4 000
// live files): 7.4 MB in use, 10.6 MB free but resident in 4 arenas of
// ~3.7 MB each; RSS grew ~3.7 KiB per live file, the heap in use ~1 KiB.
//
// Contract:
//  * trim_due(h, p): the resident memory the heap holds free — the smaller
//    of the arenas' free bytes and (anonymous resident - in use) — exceeds
//    max(p.min_free, in_use / p.in_use_divisor). Pure.
//  * maybe_trim_heap(now_ns): reads the figures (mallinfo2, /proc/self/statm)
//    and, when trim_due, calls malloc_trim(0), which returns every whole
//    free page of every arena. Returns whether it trimmed. Process-wide (the
//    heap is): the next look is not before next_look(now, took, p) — at least
//    p.min_interval_ns later, and p.cost_ratio times the trim's own duration
//    later, so trimming takes at most 1/cost_ratio of the caller's time (it
//    runs in the MDS actor; releasing and re-faulting pages is not free:
//    strace at 8 000 files, trimming every second, 12 MB/s, 30 ms per
//    second in madvise). Without glibc it does nothing.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#include <unistd.h>
#endif

namespace pstorage::mds {

struct heap_figures {
  size_t in_use = 0;         // bytes allocated and not freed (arenas + mmapped blocks)
  size_t free_held = 0;      // bytes free in the arenas (resident or not)
  size_t anon_resident = 0;  // the process's anonymous resident memory
};

struct heap_trim_policy {
  size_t min_free = size_t{4} << 20;  // never trim for less than 4 MiB
  size_t in_use_divisor = 4;          // nor for less than a quarter of what is in use
  int64_t min_interval_ns = 1'000'000'000;
  int64_t cost_ratio = 50;  // at most 2 % of the time trimming
};

// When to look again after a look at `now` whose trim took `took_ns` (0: none).
inline int64_t next_look(int64_t now, int64_t took_ns, const heap_trim_policy& p = {}) {
  return now + std::max(p.min_interval_ns, took_ns * p.cost_ratio);
}

inline bool trim_due(const heap_figures& h, const heap_trim_policy& p = {}) {
  const size_t resident_free = h.anon_resident > h.in_use ? h.anon_resident - h.in_use : 0;
  const size_t held = std::min(h.free_held, resident_free);
  const size_t limit = std::max(p.min_free, p.in_use_divisor ? h.in_use / p.in_use_divisor : 0);
  return held > limit;
}

// The figures now (zeros without glibc).
inline heap_figures heap_now() {
  heap_figures h;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = mallinfo2();
  h.in_use = mi.uordblks + mi.hblkhd;
  h.free_held = mi.fordblks;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long size = 0, resident = 0, shared = 0;
    if (std::fscanf(f, "%lu %lu %lu", &size, &resident, &shared) == 3 && resident >= shared)
      h.anon_resident = (resident - shared) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
#endif
  return h;
}

inline void release_free_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

inline bool maybe_trim_heap(int64_t now_ns, const heap_trim_policy& p = {}) {
  static std::atomic<int64_t> next{INT64_MIN};
  int64_t due_at = next.load(std::memory_order_relaxed);
  if (now_ns < due_at) return false;
  // One caller per interval (several MDS actors share a process in the simulator).
  if (!next.compare_exchange_strong(due_at, next_look(now_ns, 0, p), std::memory_order_relaxed)) return false;
  if (!trim_due(heap_now(), p)) return false;
  const auto t0 = std::chrono::steady_clock::now();
  release_free_heap();
  const int64_t took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  next.store(next_look(now_ns, took, p), std::memory_order_relaxed);
  return true;
}

}  // namespace pstorage::mds
