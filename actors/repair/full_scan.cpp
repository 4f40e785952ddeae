#include "actors/repair/full_scan.hpp"

namespace pstorage::repair {

pass_kind choose_pass(const pass_inputs& in) {
  if (in.chunks < whole_scan_below) return pass_kind::whole_scan;
  if (!in.scan_running && in.status_known && (in.scan_due || in.marks_lost)) return pass_kind::start_scan;
  return pass_kind::queue_batch;
}

scan_cursor::covered scan_cursor::advance(const std::vector<uint64_t>& ids) {
  covered c;
  c.from = from_;
  scanned_ += ids.size();
  if (ids.size() < rows_ || ids.back() == std::numeric_limits<uint64_t>::max()) {
    c.to = std::numeric_limits<uint64_t>::max();
    c.last = true;
    running_ = false;
    return c;
  }
  c.to = ids.back();
  from_ = ids.back() + 1;
  return c;
}

}  // namespace pstorage::repair
