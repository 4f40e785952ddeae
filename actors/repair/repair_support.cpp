#include "actors/repair/repair_support.hpp"

#include "actors/mds/md_validate.hpp"

#include <algorithm>

namespace pstorage::repair {

namespace {
bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
bool contains(const std::string& s, const char* p) { return s.find(p) != std::string::npos; }
}  // namespace

namespace {
// The guide's journal events ("Exploring Basic Events": SYS JRN).
bool journal_event_text(const std::string& text) {
  return starts_with(text, "MDS#") && (contains(text, "became master") || contains(text, "lags behind") ||
                                       contains(text, "didn't accept commits") || contains(text, "full resync"));
}
// A mount's own report (client_event_text below): "CL#N (ID) reported ..."
// for a mount in the clients table, "Client ID reported ..." otherwise.
bool client_event_text(const std::string& text) {
  return (starts_with(text, "CL#") || starts_with(text, "Client ")) && contains(text, " reported ");
}
}  // namespace

std::string client_event_text(uint32_t clid, const std::string& client_id, const std::string& what) {
  return (clid ? "CL#" + std::to_string(clid) + " (" + client_id + ")" : "Client " + client_id) + " reported " + what;
}

std::string event_severity(const std::string& text) {
  if (journal_event_text(text)) return contains(text, "became master") ? "info" : "err";
  if (starts_with(text, "The cluster failed")) return "err";
  if (starts_with(text, "The cluster is degraded")) return "warn";
  if (starts_with(text, "The cluster is filled up to ")) {
    int pct = std::atoi(text.c_str() + std::string("The cluster is filled up to ").size());
    return pct >= 80 ? "warn" : "info";
  }
  if (contains(text, "has reported hard error")) return "warn";
  if (contains(text, "has not registered during the last")) return "warn";
  if (starts_with(text, "Failed to allocate")) return "warn";
  // Licenses (docs/licensing.md "Events"; the guide lists no license event,
  // so its scale is applied): a license that stops new data is an error, one
  // in its grace or about to expire a warning, an allocation it refuses a
  // warning like the guide's "Failed to allocate".
  if (starts_with(text, "License ")) {
    if (contains(text, " is EXPIRED") || contains(text, " is INVALID")) return "err";
    if (contains(text, " is GRACED") || contains(text, " expires on ")) return "warn";
  }
  if (starts_with(text, "no space for new data: ")) return "warn";
  if (client_event_text(text)) return "warn";
  return "info";
}

std::string event_source(const std::string& text, uint32_t mds_id) {
  if (journal_event_text(text)) return "JRN";
  // "CS#N has reported hard error on 'PATH'": the CS's own report.
  if (starts_with(text, "CS#") && contains(text, " has reported hard error")) return text.substr(0, text.find(' '));
  // A mount's report: "CL#N" (its CLID), or "client" when it has none.
  if (client_event_text(text)) return starts_with(text, "CL#") ? text.substr(0, text.find(' ')) : "client";
  return mds_id ? "MDS#" + std::to_string(mds_id) : std::string("MDS");
}

live_config make_live_config(const mds::cluster_params& p) {
  live_config c;
  c.liveness.inactive_after = std::chrono::milliseconds(p.get("mds.wd.inactive_tout"));
  c.liveness.offline_after = std::chrono::milliseconds(p.get("mds.wd.offline_tout"));
  c.placement.fill_margin_percent = static_cast<uint32_t>(p.get("mds.alloc.fill_margin"));
  c.placement.free_space_margin = static_cast<uint64_t>(p.get("mds.alloc.free_space_margin"));
  c.placement.strict_failure_domain = p.get("mds.alloc.strict_failure_domain") != 0;
  c.planner.max_jobs_per_cs = static_cast<uint32_t>(p.get("mds.repl.max_jobs_per_cs"));
  c.planner.max_total_jobs = static_cast<uint32_t>(p.get("mds.repl.max_jobs"));
  c.planner.health.max_offline_cs = static_cast<uint32_t>(p.get("mds.wd.max_offline_cs"));
  c.planner.health.max_offline_cs_hosts = static_cast<uint32_t>(p.get("mds.wd.max_offline_cs_hosts"));
  c.verify_chunks = static_cast<uint32_t>(p.get("mds.wd.verify_chunks"));
  c.bandwidth = static_cast<uint64_t>(p.get("mds.repl.bandwidth"));
  c.rebalance.threshold_percent = static_cast<uint32_t>(p.get("mds.repl.rebalance_threshold"));
  c.rebalance.max_moves = static_cast<uint32_t>(p.get("mds.repl.rebalance_jobs"));
  c.rebalance.max_jobs_per_cs = c.planner.max_jobs_per_cs;
  c.rebalance.placement = c.placement;
  return c;
}

std::vector<mds::chunk_view> build_chunk_views(const std::vector<persistence::chunk_with_attrs>& chunks,
                                               const std::map<uint32_t, mds::cs_entry>& css,
                                               const work_in_progress& wip,
                                               const std::map<uint64_t, uint64_t>* hold_floor) {
  std::vector<mds::chunk_view> out;
  out.reserve(chunks.size());
  auto status_of = [&](uint32_t cs) {
    auto it = css.find(cs);
    return it == css.end() ? mds::cs_status::offline : it->second.status;
  };
  for (auto& c : chunks) {
    mds::chunk_view v;
    v.id = c.chunk.id;
    v.norm = c.attrs.replicas_norm;
    v.min = c.attrs.replicas_min;
    v.version = c.chunk.version;
    v.has_file = true;
    const std::vector<uint32_t>* del = nullptr;
    if (auto it = wip.deleting.find(v.id); it != wip.deleting.end()) del = &it->second;
    std::optional<uint64_t> floor;
    if (hold_floor)
      if (auto it = hold_floor->find(v.id); it != hold_floor->end()) floor = it->second;
    for (auto& r : c.chunk.replicas) {
      mds::replica_view rv;
      rv.cs_id = r.cs;
      rv.version = r.version;
      if (floor && r.version >= *floor) rv.version = std::max<uint64_t>(r.version, v.version);
      rv.cs = status_of(r.cs);
      rv.checksum_bad = wip.bad_replicas.count({v.id, r.cs}) > 0;
      rv.holds_acked = mds::holds_acked_writes(c.chunk, r);
      rv.being_deleted = wip.releasing.count(r.cs) > 0 ||
                         (del && std::find(del->begin(), del->end(), r.cs) != del->end());
      v.replicas.push_back(rv);
    }
    if (auto it = wip.copying.find(v.id); it != wip.copying.end())
      for (auto cs : it->second) {
        mds::replica_view rv;
        rv.cs_id = cs;
        rv.version = v.version;
        rv.cs = status_of(cs);
        rv.being_replicated = true;
        v.replicas.push_back(rv);
      }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<mds::cs_brief> cs_briefs(const std::map<uint32_t, mds::cs_entry>& css) {
  std::vector<mds::cs_brief> out;
  for (auto& [id, e] : css) out.push_back({id, e.status, e.rec.host_id});
  return out;
}

std::optional<std::string> replication_tracker::update(uint64_t queued, uint64_t running) {
  if (!active_ && queued + running > 0) {
    active_ = true;
    return "Replication started, " + std::to_string(queued) + " chunks are queued";
  }
  if (active_ && queued == 0 && running == 0) {
    active_ = false;
    return std::string("Replication completed");
  }
  return std::nullopt;
}

std::optional<std::string> rebalance_tracker::update(uint64_t planned, uint64_t running, uint64_t moved,
                                                     time_point now) {
  if (planned + running > 0) {
    idle_since_.reset();
    if (active_) return std::nullopt;
    active_ = true;
    moved_at_start_ = moved;
    return std::string("Rebalancing started");
  }
  if (!active_) return std::nullopt;
  if (!idle_since_) idle_since_ = now;
  if (now - *idle_since_ < quiet_) return std::nullopt;
  active_ = false;
  idle_since_.reset();
  return "Rebalancing completed, " + std::to_string(moved - moved_at_start_) + " chunks moved";
}

std::optional<std::string> fill_tracker::update(uint64_t total_bytes, uint64_t free_bytes) {
  if (total_bytes == 0) return std::nullopt;
  uint64_t used = total_bytes > free_bytes ? total_bytes - free_bytes : 0;
  int pct = static_cast<int>(used * 100 / total_bytes);
  int decade = pct >= 50 ? pct / 10 : -1;
  if (decade == last_decade_) return std::nullopt;
  bool rising = decade > last_decade_;
  last_decade_ = decade;
  if (decade < 0 || !rising) return std::nullopt;
  return "The cluster is filled up to " + std::to_string(pct) + "%";
}

}  // namespace pstorage::repair
