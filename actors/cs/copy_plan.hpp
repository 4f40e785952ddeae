// copy_plan.hpp — the decisions of one replication copy on its target CS
// (MdsToCsReplicate), apart from the I/O the CS actor does (DESIGN.md:
// pure decisions, unit-tested in tests/unit/copy_plan_test.cpp).
//
// docs/chunk-versions.md, "A bad page in a copy": the source is read in
// pieces; a piece refused with a checksum mismatch is read again page by
// page; the bad page is asked from each alternate holder in turn, and when
// none has it good it is carried over marked bad (never re-checksummed:
// reads of it keep failing). More than `max_carried_bad` such pages, or any
// other failure of the source, and the copy fails whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace pstorage::cs {

inline constexpr uint32_t max_carried_bad = 8;  // pages per copy, then the copy fails whole

struct copy_progress {
  uint64_t offset = 0;  // next byte to copy (page-aligned)
  uint64_t limit = 0;   // bytes to copy
  uint64_t narrow_end = 0;         // > offset: read single pages up to here (a piece had a bad page)
  std::optional<uint64_t> bad;     // page being taken from the alternates
  size_t tried = 0;                // alternates tried for `bad`
  std::vector<uint64_t> carried_bad;  // pages carried over marked bad
};

enum class copy_move {
  read_source,     // read [offset, offset + length) from the source
  read_alternate,  // read page `page` ([offset, offset + length)) from alternate `alternate`
  mark_bad,        // no replica has page `page` good: carry it over marked bad
  finish,          // everything copied: sync, set the version, answer
  give_up,         // too many bad pages: fail whole
};

struct copy_next {
  copy_move move = copy_move::finish;
  uint64_t offset = 0, length = 0;
  uint64_t page = 0;
  size_t alternate = 0;
};

enum class read_outcome { ok, checksum_mismatch, failed };

// The next step of a copy. `piece`: bytes per source read (1 MiB);
// `page_size`: the checksum page (4 KiB); `alternates`: how many other
// holders may be asked for a bad page.
copy_next next_copy_step(const copy_progress& p, uint64_t piece, uint64_t page_size, size_t alternates);

// Applies the outcome of `step` (from next_copy_step) to `p`. For mark_bad
// pass ok once the page is marked. False: the copy fails whole (a source
// read failed other than on a checksum, or marking the page failed).
bool apply_copy_outcome(copy_progress& p, const copy_next& step, read_outcome outcome, uint64_t page_size);

}  // namespace pstorage::cs
