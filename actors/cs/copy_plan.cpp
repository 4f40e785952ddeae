// copy_plan.cpp — see copy_plan.hpp for the contract.
#include "actors/cs/copy_plan.hpp"

#include <algorithm>

namespace pstorage::cs {

copy_next next_copy_step(const copy_progress& p, uint64_t piece, uint64_t page_size, size_t alternates) {
  copy_next n;
  if (p.bad) {
    n.page = *p.bad;
    n.offset = *p.bad * page_size;
    n.length = std::min(page_size, p.limit - n.offset);
    if (p.tried < alternates) {
      n.move = copy_move::read_alternate;
      n.alternate = p.tried;
    } else {
      n.move = p.carried_bad.size() < max_carried_bad ? copy_move::mark_bad : copy_move::give_up;
    }
    return n;
  }
  if (p.offset >= p.limit) return n;  // finish
  n.move = copy_move::read_source;
  n.offset = p.offset;
  const uint64_t step = p.narrow_end > p.offset ? page_size : piece;
  n.length = std::min(step, p.limit - p.offset);
  n.page = p.offset / page_size;
  return n;
}

bool apply_copy_outcome(copy_progress& p, const copy_next& step, read_outcome outcome, uint64_t page_size) {
  switch (step.move) {
    case copy_move::read_source:
      if (outcome == read_outcome::ok) {
        p.offset = step.offset + step.length;
        return true;
      }
      if (outcome == read_outcome::failed) return false;
      if (step.length > page_size) {  // somewhere in this piece: read it page by page
        p.narrow_end = step.offset + step.length;
        return true;
      }
      p.bad = step.offset / page_size;
      p.tried = 0;
      return true;
    case copy_move::read_alternate:
      if (outcome != read_outcome::ok) {
        ++p.tried;
        return true;
      }
      p.offset = step.offset + step.length;
      p.bad.reset();
      p.tried = 0;
      return true;
    case copy_move::mark_bad:
      if (outcome != read_outcome::ok) return false;
      p.carried_bad.push_back(step.page);
      p.offset = step.offset + step.length;
      p.bad.reset();
      p.tried = 0;
      return true;
    case copy_move::finish:
    case copy_move::give_up: return false;
  }
  return false;
}

}  // namespace pstorage::cs
