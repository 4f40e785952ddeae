#include "actors/mds/placement.hpp"
#include "actors/common/sim_bugs.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace pstorage::mds {

const char* to_string(domain_level l) {
  switch (l) {
    case domain_level::disk: return "disk";
    case domain_level::host: return "host";
    case domain_level::rack: return "rack";
    case domain_level::row: return "row";
    case domain_level::room: return "room";
  }
  return "unknown";
}

std::optional<domain_level> parse_domain_level(std::string_view s) {
  if (s == "disk" || s == "cs") return domain_level::disk;
  if (s == "host") return domain_level::host;
  if (s == "rack") return domain_level::rack;
  if (s == "row") return domain_level::row;
  if (s == "room") return domain_level::room;
  return std::nullopt;
}

random_source seeded_random(uint64_t seed) {
  return [state = seed]() mutable {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
}

std::vector<uint32_t> tier_fallback_order(uint32_t wanted) {
  std::vector<uint32_t> order;
  if (wanted > max_tier) return order;
  for (uint32_t t = wanted + 1; t-- > 0;) order.push_back(t);
  for (uint32_t t = wanted + 1; t <= max_tier; ++t) order.push_back(t);
  return order;
}

namespace {

// room, row, rack from "room.row.rack"; missing or empty parts read as "0".
std::vector<std::string> location_parts(const std::string& loc) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < 3) {
    size_t dot = loc.find('.', start);
    std::string p = loc.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    parts.push_back(p.empty() ? "0" : p);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  while (parts.size() < 3) parts.push_back("0");
  return parts;
}

// Levels from `level` down to host (or just disk), coarsest first: the
// relaxed pass spreads over these in this order.
std::vector<domain_level> spread_levels(domain_level level) {
  std::vector<domain_level> out;
  for (int l = static_cast<int>(level); l >= static_cast<int>(domain_level::host); --l)
    out.push_back(static_cast<domain_level>(l));
  if (out.empty()) out.push_back(domain_level::disk);
  return out;
}

uint64_t usable_bytes(const placement_cs& cs, uint64_t chunk, const placement_tunables& t) {
  uint64_t need = reserved_bytes(cs, t) + chunk;
  return cs.free_bytes > need ? cs.free_bytes - need : 0;
}

// Draw weight: emptier (more usable MiB) and less loaded is heavier; never 0.
uint64_t draw_weight(const placement_cs& cs, uint64_t chunk, const placement_tunables& t) {
  uint64_t mib = std::min<uint64_t>(usable_bytes(cs, chunk, t) >> 20, uint64_t{1} << 40);
  uint64_t w = ((mib + 1) << 8) / (1 + std::min<uint64_t>(cs.load, uint64_t{1} << 20));
  return std::max<uint64_t>(w, 1);
}

// Picks one index out of `pool` with probability proportional to weight.
size_t weighted_pick(const std::vector<const placement_cs*>& pool, uint64_t chunk, const placement_tunables& t,
                     const random_source& rnd) {
  std::vector<uint64_t> w;
  uint64_t sum = 0;
  for (auto* cs : pool) {
    w.push_back(draw_weight(*cs, chunk, t));
    sum += w.back();
  }
  uint64_t r = rnd() % sum;
  for (size_t i = 0; i < pool.size(); ++i) {
    if (r < w[i]) return i;
    r -= w[i];
  }
  return pool.size() - 1;
}

// Occupancy of failure domains: how many replicas (existing + chosen) each
// domain key holds, per spread level.
struct occupancy {
  std::vector<domain_level> levels;
  std::vector<std::map<std::string, uint32_t>> count;  // parallel to levels

  explicit occupancy(domain_level level) : levels(spread_levels(level)), count(levels.size()) {}
  void add(const placement_cs& cs) {
    for (size_t i = 0; i < levels.size(); ++i) ++count[i][domain_key(cs, levels[i])];
  }
  std::vector<uint32_t> key(const placement_cs& cs) const {
    std::vector<uint32_t> k;
    for (size_t i = 0; i < levels.size(); ++i) {
      auto it = count[i].find(domain_key(cs, levels[i]));
      k.push_back(it == count[i].end() ? 0 : it->second);
    }
    return k;
  }
};

struct context {
  const placement_request& req;
  const placement_tunables& t;
  std::vector<const placement_cs*> sorted;      // candidates by cs_id
  std::vector<const placement_cs*> existing;    // located existing replicas
  std::set<uint32_t> taken;                     // existing + excluded ids
};

std::vector<const placement_cs*> eligible_on_tier(const context& c, uint32_t tier) {
  std::vector<const placement_cs*> out;
  for (auto* cs : c.sorted)
    if (cs->active && cs->tier == tier && !c.taken.count(cs->cs_id) && has_room(*cs, c.req.chunk_size, c.t))
      out.push_back(cs);
  return out;
}

// How many replicas the tier could take: strict = distinct free domains,
// relaxed = eligible CSs.
uint32_t capacity(const context& c, const std::vector<const placement_cs*>& elig, bool relaxed) {
  if (relaxed) return static_cast<uint32_t>(elig.size());
  std::set<std::string> used, free_domains;
  for (auto* cs : c.existing) used.insert(domain_key(*cs, c.req.failure_domain));
  for (auto* cs : elig) {
    auto k = domain_key(*cs, c.req.failure_domain);
    if (!used.count(k)) free_domains.insert(k);
  }
  return static_cast<uint32_t>(free_domains.size());
}

// Draws req.replicas CSs from `elig` (capacity already checked). Strict: only
// CSs in unoccupied domains. Relaxed: CSs with the least occupancy key.
std::vector<uint32_t> draw(const context& c, std::vector<const placement_cs*> elig, bool relaxed,
                           const random_source& rnd, bool* shared) {
  occupancy occ(c.req.failure_domain);
  for (auto* cs : c.existing) occ.add(*cs);
  std::vector<uint32_t> chain;
  *shared = false;
  while (chain.size() < c.req.replicas && !elig.empty()) {
    std::vector<const placement_cs*> pool;
    std::vector<uint32_t> best;
    for (auto* cs : elig) {
      auto k = occ.key(*cs);
      if (PSTORAGE_SIM_BUG(place_same_failure_domain)) std::fill(k.begin(), k.end(), 0u);  // sim-only bug
      if (!relaxed && k.front() != 0) continue;
      if (pool.empty() || k < best) {
        pool.clear();
        best = k;
      }
      if (k == best) pool.push_back(cs);
    }
    if (pool.empty()) break;
    if (best.front() != 0) *shared = true;
    const placement_cs* pick = pool[weighted_pick(pool, c.req.chunk_size, c.t, rnd)];
    chain.push_back(pick->cs_id);
    occ.add(*pick);
    elig.erase(std::find(elig.begin(), elig.end(), pick));
  }
  return chain;
}

std::string requester_part(const placement_request& req) {
  return req.requester.empty() ? std::string() : " by request from " + req.requester;
}

}  // namespace

std::string domain_key(const placement_cs& cs, domain_level level) {
  auto p = location_parts(cs.location);
  switch (level) {
    case domain_level::room: return p[0];
    case domain_level::row: return p[0] + "." + p[1];
    case domain_level::rack: return p[0] + "." + p[1] + "." + p[2];
    case domain_level::host: return p[0] + "." + p[1] + "." + p[2] + "/" + cs.host_id;
    case domain_level::disk:
      return p[0] + "." + p[1] + "." + p[2] + "/" + cs.host_id + "/" + std::to_string(cs.cs_id);
  }
  return {};
}

uint64_t reserved_bytes(const placement_cs& cs, const placement_tunables& t) {
  // total * pct / 100 without overflow for any 64-bit total.
  uint64_t pct = std::min<uint32_t>(t.fill_margin_percent, 100);
  uint64_t by_pct = (cs.total_bytes / 100) * pct + (cs.total_bytes % 100) * pct / 100;
  return std::max(by_pct, t.free_space_margin);
}

bool has_room(const placement_cs& cs, uint64_t chunk_size, const placement_tunables& t) {
  uint64_t reserve = reserved_bytes(cs, t);
  return cs.free_bytes >= chunk_size && cs.free_bytes - chunk_size >= reserve;
}

placement_result place_replicas(const std::vector<placement_cs>& candidates, const placement_request& req,
                                const placement_tunables& tunables, const random_source& rnd) {
  placement_result res;
  res.registered = static_cast<uint32_t>(candidates.size());
  res.tier_used = req.tier;
  if (req.tier > max_tier) {
    res.error = placement_error::invalid_request;
    res.message = "Failed to allocate " + std::to_string(req.replicas) + " replicas for '" + req.path + "'" +
                  requester_part(req) + ": invalid tier " + std::to_string(req.tier);
    return res;
  }
  if (req.replicas == 0) {
    res.ok = true;
    return res;
  }

  context c{req, tunables, {}, {}, {}};
  for (auto& cs : candidates) c.sorted.push_back(&cs);
  std::sort(c.sorted.begin(), c.sorted.end(),
            [](const placement_cs* a, const placement_cs* b) { return a->cs_id < b->cs_id; });
  for (uint32_t id : req.existing) {
    c.taken.insert(id);
    for (auto* cs : c.sorted)
      if (cs->cs_id == id) c.existing.push_back(cs);
  }
  for (uint32_t id : req.exclude) c.taken.insert(id);

  // Rule 5, first half: not even enough CSs registered.
  if (candidates.size() < req.existing.size() + req.replicas) {
    res.error = placement_error::not_registered;
    res.message = "Failed to allocate " + std::to_string(req.replicas) + " replicas for '" + req.path + "'" +
                  requester_part(req) + " since only " + std::to_string(candidates.size()) +
                  " chunk servers are registered";
    res.detail = res.message;
    res.closest_tier = req.tier;
    return res;
  }

  const auto order = tier_fallback_order(req.tier);
  std::vector<bool> passes{false};
  if (!tunables.strict_failure_domain) passes.push_back(true);
  uint32_t best = 0;
  uint32_t best_tier = req.tier;
  for (bool relaxed : passes) {
    for (uint32_t tier : order) {
      auto elig = eligible_on_tier(c, tier);
      uint32_t cap = capacity(c, elig, relaxed);
      if (cap > best) {
        best = cap;
        best_tier = tier;
      }
      if (cap < req.replicas) continue;
      bool shared = false;
      res.chain = draw(c, std::move(elig), relaxed, rnd, &shared);
      res.ok = true;
      res.tier_used = tier;
      res.tier_fallback = tier != req.tier;
      res.domains_relaxed = shared;
      res.available = cap;
      res.closest_tier = tier;
      return res;
    }
  }

  res.error = placement_error::not_enough_available;
  res.available = best;
  res.closest_tier = best_tier;
  res.message = "Failed to allocate " + std::to_string(req.replicas) + " replicas for '" + req.path + "'" +
                requester_part(req) + " - " + std::to_string(best) + " out of " +
                std::to_string(candidates.size()) + " chunks servers are available";
  res.detail = "Failed to allocate " + std::to_string(req.replicas) + " replicas at tier " +
               std::to_string(best_tier) + " since only " + std::to_string(best) +
               " chunk servers are available for allocation";
  return res;
}

placement_result place_additional_replicas(const std::vector<placement_cs>& candidates,
                                           const std::vector<uint32_t>& existing, uint32_t normal_replicas,
                                           placement_request req, const placement_tunables& tunables,
                                           const random_source& rnd) {
  std::vector<uint32_t> uniq;
  for (uint32_t id : existing)
    if (std::find(uniq.begin(), uniq.end(), id) == uniq.end()) uniq.push_back(id);
  req.existing = uniq;
  req.replicas = normal_replicas > uniq.size() ? normal_replicas - static_cast<uint32_t>(uniq.size()) : 0;
  return place_replicas(candidates, req, tunables, rnd);
}

}  // namespace pstorage::mds
