// chunk_state.cpp — see chunk_state.hpp for the contract.
#include "actors/mds/chunk_state.hpp"

#include <algorithm>
#include <set>

namespace pstorage::mds {

const char* to_string(chunk_state s) {
  switch (s) {
    case chunk_state::healthy: return "healthy";
    case chunk_state::degraded: return "degraded";
    case chunk_state::urgent: return "urgent";
    case chunk_state::blocked: return "blocked";
    case chunk_state::offline: return "offline";
    case chunk_state::replicating: return "replicating";
    case chunk_state::overcommitted: return "overcommitted";
    case chunk_state::deleting: return "deleting";
    case chunk_state::void_: return "void";
    case chunk_state::pending: return "pending";
    case chunk_state::standby: return "standby";
  }
  return "?";
}

bool writes_allowed(chunk_state s) {
  return s != chunk_state::offline && s != chunk_state::blocked && s != chunk_state::pending;
}

bool reads_allowed(chunk_state s) { return s != chunk_state::offline; }

bool is_live(const replica_view& r, uint64_t chunk_version) {
  return r.version == chunk_version && r.cs == cs_status::active && !r.checksum_bad && !r.being_deleted &&
         !r.being_replicated && !r.state_unknown;
}

replica_tally tally(const chunk_view& c) {
  replica_tally t;
  for (const auto& r : c.replicas) {
    if (is_live(r, c.version)) ++t.live;
    if (r.being_replicated) ++t.in_progress;
    if (r.being_deleted) ++t.being_deleted;
    if (r.checksum_bad) ++t.bad;
    if (r.state_unknown) ++t.unknown;
    if (r.version != c.version) {
      ++t.stale;
      continue;
    }
    const bool sound = !r.checksum_bad && !r.being_deleted && !r.being_replicated && !r.state_unknown;
    if (!sound) continue;
    if (r.cs == cs_status::inactive) ++t.standby;
    if (r.cs == cs_status::offline || r.cs == cs_status::dropped) ++t.unreachable;
  }
  return t;
}

uint32_t effective_norm(const chunk_view& c) { return std::max<uint32_t>(c.norm, 1); }

uint32_t effective_min(const chunk_view& c) { return std::clamp<uint32_t>(c.min, 1, effective_norm(c)); }

uint32_t blocking_threshold(const chunk_view& c, const chunk_policy& p) {
  const uint32_t m = effective_min(c);
  return p.block_at_min ? m : m - 1;
}

namespace {

chunk_state by_counts(const chunk_view& c, uint32_t live, const chunk_policy& p) {
  const uint32_t norm = effective_norm(c);
  const uint32_t thr = blocking_threshold(c, p);
  if (live == 0) return chunk_state::offline;
  if (live < norm && live <= thr) return c.client_waiting ? chunk_state::pending : chunk_state::blocked;
  if (live < norm && live == thr + 1) return chunk_state::urgent;
  if (live < norm) return chunk_state::degraded;
  if (live > norm) return chunk_state::overcommitted;
  return chunk_state::healthy;
}

}  // namespace

chunk_state danger_state(const chunk_view& c, const chunk_policy& p) { return by_counts(c, tally(c).live, p); }

chunk_state classify(const chunk_view& c, const chunk_policy& p) {
  if (c.being_deleted || !c.has_file) return chunk_state::deleting;
  const replica_tally t = tally(c);
  const chunk_state d = by_counts(c, t.live, p);
  switch (d) {
    case chunk_state::offline:
    case chunk_state::pending:
    case chunk_state::blocked:
    case chunk_state::urgent: return d;
    default: break;
  }
  if (t.unknown > 0) return chunk_state::void_;
  if (t.in_progress > 0) return chunk_state::replicating;
  if (t.standby > 0) return chunk_state::standby;
  if (d == chunk_state::degraded) return d;
  if (t.being_deleted > 0) return chunk_state::deleting;
  return d;  // overcommitted or healthy
}

void chunk_counts::add(chunk_state s, uint64_t n) {
  by_state[static_cast<size_t>(s)] += n;
  total += n;
}

chunk_counts count_states(const std::vector<chunk_view>& chunks, const chunk_policy& p) {
  chunk_counts out;
  for (const auto& c : chunks) out.add(classify(c, p));
  return out;
}

unsigned percent(uint64_t n, uint64_t total) {
  if (total == 0 || n == 0) return 0;
  // n <= total in practice; guard the multiplication against overflow.
  const long double exact = static_cast<long double>(n) * 100.0L / static_cast<long double>(total);
  unsigned pct = static_cast<unsigned>(exact);
  if (n < total && pct >= 100) pct = 99;
  return pct == 0 ? 1 : pct;
}

const char* chunks_tag(const chunk_counts& c) {
  if (c[chunk_state::offline] || c[chunk_state::blocked] || c[chunk_state::pending]) return "[ERR]";
  if (c[chunk_state::urgent] || c[chunk_state::degraded] || c[chunk_state::standby] || c[chunk_state::void_])
    return "[WARN]";
  return "[OK]";
}

std::string format_chunks_line(const chunk_counts& c) {
  const std::string prefix = std::string("Chunks: ") + chunks_tag(c) + " ";
  const std::string indent(prefix.size(), ' ');
  std::vector<chunk_state> order = {chunk_state::healthy,     chunk_state::degraded,      chunk_state::urgent,
                                    chunk_state::blocked,     chunk_state::offline,       chunk_state::replicating,
                                    chunk_state::overcommitted, chunk_state::deleting,    chunk_state::void_};
  for (auto extra : {chunk_state::pending, chunk_state::standby})
    if (c[extra] > 0) order.push_back(extra);
  std::string out = prefix;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0) out += (i % 3 == 0) ? ",\n" + indent : ",  ";
    const uint64_t n = c[order[i]];
    out += std::to_string(n) + " (" + std::to_string(percent(n, c.total)) + "%) " + to_string(order[i]);
  }
  return out;
}

const char* to_string(cluster_status s) {
  switch (s) {
    case cluster_status::healthy: return "healthy";
    case cluster_status::unknown: return "unknown";
    case cluster_status::degraded: return "degraded";
    case cluster_status::failure: return "failure";
  }
  return "?";
}

cluster_health evaluate_cluster(const std::vector<cs_brief>& css, const cluster_health_config& cfg,
                                bool just_elected) {
  cluster_health h;
  std::set<std::string> offline_hosts;
  for (const auto& cs : css) {
    switch (cs.status) {
      case cs_status::active: ++h.active; break;
      case cs_status::inactive: ++h.inactive; break;
      case cs_status::offline:
        ++h.offline;
        offline_hosts.insert(cs.host_id);
        break;
      case cs_status::dropped: break;
    }
  }
  h.offline_hosts = static_cast<uint32_t>(offline_hosts.size());
  const std::string counts = std::to_string(h.active) + " active, " + std::to_string(h.inactive) + " inactive, " +
                             std::to_string(h.offline) + " offline CS";
  if (just_elected) {
    h.status = cluster_status::unknown;
  } else if (cfg.max_offline_cs > 0 && h.offline > cfg.max_offline_cs &&
             h.offline_hosts > cfg.max_offline_cs_hosts) {
    h.status = cluster_status::failure;
    h.text = "The cluster failed with " + counts + " (mds.wd.max_offline_cs=" + std::to_string(cfg.max_offline_cs) +
             ")";
  } else if (h.inactive > 0 || h.offline > 0) {
    h.status = cluster_status::degraded;
    h.text = "The cluster is degraded with " + counts;
  } else {
    h.status = cluster_status::healthy;
    h.text = "The cluster is healthy with " + std::to_string(h.active) + " active CS";
  }
  return h;
}

}  // namespace pstorage::mds
