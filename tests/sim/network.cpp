#include "tests/sim/network.hpp"

namespace pstorage::sim {

bool network::cut(const std::string& from, const std::string& to) const {
  if (!partitioned_.empty() && (partitioned_.count(from) != partitioned_.count(to))) return true;
  return lossy_.count({from, to}) > 0;
}

verdict network::judge(const std::string& from, const std::string& to, bool is_answer) {
  verdict v;
  if (!partitioned_.empty() && (partitioned_.count(from) != partitioned_.count(to))) {
    v.drop = true;
    v.why = "partition";
    return v;
  }
  if (lossy_.count({from, to})) {
    v.drop = true;
    v.why = "one-way loss";
    return v;
  }
  // Random draws happen in a fixed order whatever the outcome, so that a
  // change of one rule does not shift every later choice more than needed.
  bool lose = rng_.chance(base_.loss_permille);
  bool dup = rng_.chance(base_.dup_permille);
  bool reorder = rng_.chance(base_.reorder_permille);
  int64_t delay = base_.max_delay_ms > 0 ? rng_.between(0, base_.max_delay_ms) : 0;
  if (lose && !calm_) {
    v.drop = true;
    v.why = is_answer ? "answer lost" : "random loss";
    return v;
  }
  v.delay_ms = delay;
  if (reorder) {
    v.delay_ms += rng_.between(0, 4 * base_.max_delay_ms + 1);
    v.why = "reordered";
  }
  if (auto it = clogged_.find({from, to}); it != clogged_.end()) {
    v.delay_ms += it->second;
    v.why = "clogged";
  }
  v.duplicate = !is_answer && dup && !calm_;
  // Drawn only on MDS<->MDS links (none exist with one MDS: its seeds keep their draws).
  if (base_.peer_dup_permille && from.rfind("mds", 0) == 0 && to.rfind("mds", 0) == 0 && rng_.chance(base_.peer_dup_permille))
    v.duplicate |= !is_answer && !calm_;
  return v;
}

}  // namespace pstorage::sim
