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
//  * maybe_trim_heap(now_ns): at most once per p.min_interval_ns (the
//    caller's monotonic clock; process-wide, the heap is) reads the figures
//    (mallinfo2, /proc/self/statm) and, when trim_due, calls malloc_trim(0),
//    which returns every whole free page of every arena. Returns whether it
//    trimmed. Without glibc it does nothing.
#pragma once

#include <algorithm>
#include <atomic>
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
};

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
  static std::atomic<int64_t> last_check{INT64_MIN};
  int64_t last = last_check.load(std::memory_order_relaxed);
  if (last != INT64_MIN && now_ns - last < p.min_interval_ns) return false;
  // One caller per interval (several MDS actors share a process in the simulator).
  if (!last_check.compare_exchange_strong(last, now_ns, std::memory_order_relaxed)) return false;
  if (!trim_due(heap_now(), p)) return false;
  release_free_heap();
  return true;
}

}  // namespace pstorage::mds
