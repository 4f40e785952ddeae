// rebalance_planner.cpp — see rebalance_planner.hpp for the contract.
#include "actors/repair/rebalance_planner.hpp"

#include "actors/mds/placement_domains.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace pstorage::repair {

const char* to_string(move_reason r) {
  switch (r) {
    case move_reason::fill: return "fill";
    case move_reason::tier_return: return "tier-fallback-return";
  }
  return "?";
}

namespace {

using wide = unsigned __int128;

// One CS with the space and job slots projected over the moves planned so far.
struct cs_model {
  const mds::placement_cs* cs = nullptr;
  uint64_t used = 0;
  uint64_t load = 0;
};

// a's fill fraction compared with b's: <0, 0, >0 (exact; a CS without
// total space counts as full).
int compare_fill(uint64_t used_a, uint64_t total_a, uint64_t used_b, uint64_t total_b) {
  if (total_a == 0 || total_b == 0) return (total_a == 0) - (total_b == 0);
  wide l = wide(used_a) * total_b, r = wide(used_b) * total_a;
  return l < r ? -1 : l > r ? 1 : 0;
}

unsigned percent_of(uint64_t used, uint64_t total) {
  return total ? static_cast<unsigned>(wide(used) * 100 / total) : 100;
}

class planner {
 public:
  planner(const rebalance_view& v, const rebalance_config& cfg) : cfg_(cfg) {
    for (const auto& cs : v.css) {
      cs_model m;
      m.cs = &cs;
      m.used = cs.total_bytes > cs.free_bytes ? cs.total_bytes - cs.free_bytes : 0;
      m.load = cs.load;
      css_[cs.cs_id] = m;
    }
    for (const auto& c : v.chunks)
      if (movable(c)) chunks_.push_back(&c);
    std::sort(chunks_.begin(), chunks_.end(),
              [](const rebalance_chunk* a, const rebalance_chunk* b) { return a->view.id < b->view.id; });
    for (size_t i = 0; i < chunks_.size(); ++i)
      for (const auto& r : chunks_[i]->view.replicas) on_cs_[r.cs_id].push_back(i);
  }

  void plan(uint32_t budget, rebalance_plan& out) {
    budget_ = budget;
    tier_returns(out);
    fills(out);
  }

 private:
  // Rule 2.
  bool movable(const rebalance_chunk& c) const {
    const auto& v = c.view;
    if (!v.has_file || v.being_deleted) return false;
    if (v.replicas.size() != mds::effective_norm(v)) return false;
    std::set<uint32_t> seen;
    for (const auto& r : v.replicas) {
      if (!mds::is_live(r, v.version) || r.being_replicated || r.being_deleted || r.state_unknown) return false;
      auto it = css_.find(r.cs_id);
      if (it == css_.end() || !it->second.cs->active) return false;
      if (!seen.insert(r.cs_id).second) return false;
    }
    return true;
  }

  bool holds(const rebalance_chunk& c, uint32_t cs) const {
    for (const auto& r : c.view.replicas)
      if (r.cs_id == cs) return true;
    return false;
  }

  // Rule 7.
  static bool pinned(const rebalance_chunk& c, uint32_t cs) {
    return std::find(c.pinned.begin(), c.pinned.end(), cs) != c.pinned.end();
  }

  bool has_slot(const cs_model& m) const { return m.load < cfg_.max_jobs_per_cs; }

  // Placement's reserve rule on the projected free space.
  bool has_room(const cs_model& m) const {
    mds::placement_cs p = *m.cs;
    p.free_bytes = p.total_bytes > m.used ? p.total_bytes - m.used : 0;
    return mds::has_room(p, cfg_.chunk_size, cfg_.placement);
  }

  // Rule 3's failure-domain part.
  bool domains_ok(const rebalance_chunk& c, uint32_t from, uint32_t to) const {
    std::set<std::string> before, after;
    for (const auto& r : c.view.replicas) {
      const auto& cs = *css_.at(r.cs_id).cs;
      before.insert(mds::domain_key(cs, c.domain));
      if (r.cs_id != from) after.insert(mds::domain_key(cs, c.domain));
    }
    const auto target = mds::domain_key(*css_.at(to).cs, c.domain);
    // Strict: placement_domains.hpp — the source gives way (rule 1), so the
    // target's domain must hold no other replica; it may be the source's own
    // (two disks of one host). The repair actor drops the source in the
    // copy's hold (rule 3), so the pair never outlives the move.
    if (cfg_.placement.strict_failure_domain) {
      std::vector<mds::domain_replica> reps;
      for (const auto& r : c.view.replicas)
        reps.push_back({r.cs_id, mds::domain_key(*css_.at(r.cs_id).cs, c.domain), r.cs_id == from});
      return !mds::allowed_targets(reps, {{to, target, false}}, true).empty();
    }
    after.insert(target);
    return after.size() >= before.size();
  }

  // Rule 3 without the fill comparison.
  bool target_ok(const rebalance_chunk& c, uint32_t from, const cs_model& to) const {
    return to.cs->active && !holds(c, to.cs->cs_id) && has_slot(to) && has_room(to) &&
           domains_ok(c, from, to.cs->cs_id);
  }

  // Emptier first, then fewer jobs, then lower id.
  bool better_target(const cs_model& a, const cs_model& b) const {
    int f = compare_fill(a.used, a.cs->total_bytes, b.used, b.cs->total_bytes);
    if (f != 0) return f < 0;
    if (a.load != b.load) return a.load < b.load;
    return a.cs->cs_id < b.cs->cs_id;
  }

  // Rule 5's fill condition for a move of one chunk from s to t.
  bool fill_gap(const cs_model& s, const cs_model& t) const {
    const uint64_t ts = s.cs->total_bytes, tt = t.cs->total_bytes;
    if (ts == 0 || tt == 0 || s.cs->tier != t.cs->tier) return false;
    // used_s/ts - used_t/tt > threshold/100, in integers.
    wide lhs = (wide(s.used) * tt) * 100, rhs = wide(t.used) * ts * 100 + wide(cfg_.threshold_percent) * ts * tt;
    if (lhs <= rhs) return false;
    const uint64_t c = cfg_.chunk_size;
    const uint64_t s_after = s.used > c ? s.used - c : 0;
    return compare_fill(t.used + c, tt, s_after, ts) <= 0;
  }

  void apply(rebalance_plan& out, const rebalance_chunk& c, uint32_t from, uint32_t to, move_reason why,
             std::string text) {
    auto& s = css_.at(from);
    auto& t = css_.at(to);
    s.used = s.used > cfg_.chunk_size ? s.used - cfg_.chunk_size : 0;
    t.used += cfg_.chunk_size;
    ++s.load;
    ++t.load;
    moved_.insert(c.view.id);
    --budget_;
    out.moves.push_back({c.view.id, c.view.version, from, to, why, std::move(text)});
  }

  // Rule 4.
  void tier_returns(rebalance_plan& out) {
    for (const auto* c : chunks_) {
      if (budget_ == 0) return;
      std::vector<uint32_t> replicas;
      for (const auto& r : c->view.replicas) replicas.push_back(r.cs_id);
      std::sort(replicas.begin(), replicas.end());
      for (uint32_t from : replicas) {
        const auto& s = css_.at(from);
        if (s.cs->tier == c->tier || !has_slot(s) || pinned(*c, from)) continue;
        const cs_model* best = nullptr;
        for (const auto& [id, t] : css_)
          if (t.cs->tier == c->tier && target_ok(*c, from, t) && (!best || better_target(t, *best))) best = &t;
        if (!best) continue;
        apply(out, *c, from, best->cs->cs_id, move_reason::tier_return,
              "replica on tier " + std::to_string(s.cs->tier) + " (CS#" + std::to_string(from) +
                  "), wanted tier " + std::to_string(c->tier));
        break;
      }
    }
  }

  // Rule 5.
  void fills(rebalance_plan& out) {
    std::set<uint32_t> exhausted;
    while (budget_ > 0) {
      cs_model* src = nullptr;
      for (auto& [id, m] : css_) {
        if (exhausted.count(id) || !m.cs->active || m.cs->total_bytes == 0 || !has_slot(m)) continue;
        if (!src || compare_fill(m.used, m.cs->total_bytes, src->used, src->cs->total_bytes) > 0) src = &m;
      }
      if (!src) return;
      const uint32_t from = src->cs->cs_id;
      exhausted.insert(from);
      // Any CS the gap allows at all? Else nothing on this source can move.
      std::vector<const cs_model*> gaps;
      for (const auto& [id, t] : css_)
        if (id != from && t.cs->active && has_slot(t) && has_room(t) && fill_gap(*src, t)) gaps.push_back(&t);
      if (gaps.empty()) continue;
      std::sort(gaps.begin(), gaps.end(), [&](const cs_model* a, const cs_model* b) { return better_target(*a, *b); });
      auto it = on_cs_.find(from);
      if (it == on_cs_.end()) continue;
      for (size_t i : it->second) {
        const auto* c = chunks_[i];
        if (moved_.count(c->view.id) || c->tier != src->cs->tier || pinned(*c, from)) continue;
        const cs_model* to = nullptr;
        for (const auto* t : gaps)
          if (target_ok(*c, from, *t)) {
            to = t;
            break;
          }
        if (!to) continue;
        std::string text = "CS#" + std::to_string(from) + " " +
                           std::to_string(percent_of(src->used, src->cs->total_bytes)) + "% full, CS#" +
                           std::to_string(to->cs->cs_id) + " " +
                           std::to_string(percent_of(to->used, to->cs->total_bytes)) + "% (tier " +
                           std::to_string(src->cs->tier) + ", threshold " + std::to_string(cfg_.threshold_percent) +
                           "%)";
        apply(out, *c, from, to->cs->cs_id, move_reason::fill, std::move(text));
        exhausted.erase(from);  // it may give more while it stays the fullest
        break;
      }
    }
  }

  const rebalance_config& cfg_;
  std::map<uint32_t, cs_model> css_;
  std::vector<const rebalance_chunk*> chunks_;        // movable, by id
  std::map<uint32_t, std::vector<size_t>> on_cs_;     // CS -> indexes into chunks_
  std::set<uint64_t> moved_;
  uint32_t budget_ = 0;
};

}  // namespace

rebalance_plan plan_rebalance(const rebalance_view& view, const rebalance_config& cfg) {
  rebalance_plan out;
  if (cfg.max_moves == 0) {
    out.idle_reason = "rebalancing is disabled (mds.repl.rebalance_jobs=0)";
    return out;
  }
  if (view.recovery_work > 0) {
    out.idle_reason = "recovery first: " + std::to_string(view.recovery_work) + " chunks need repair";
    return out;
  }
  if (view.running_moves >= cfg.max_moves) {
    out.idle_reason = std::to_string(view.running_moves) + " moves running (mds.repl.rebalance_jobs=" +
                      std::to_string(cfg.max_moves) + ")";
    return out;
  }
  planner p(view, cfg);
  p.plan(cfg.max_moves - view.running_moves, out);
  return out;
}

}  // namespace pstorage::repair
