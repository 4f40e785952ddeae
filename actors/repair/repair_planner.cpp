// repair_planner.cpp — see repair_planner.hpp for the contract.
#include "actors/repair/repair_planner.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace pstorage::repair {

using mds::chunk_state;

const char* to_string(job_kind k) {
  switch (k) {
    case job_kind::replicate: return "replicate";
    case job_kind::delete_overcommitted: return "delete-overcommitted";
    case job_kind::delete_stale: return "delete-stale";
  }
  return "?";
}

const char* to_string(job_priority p) {
  switch (p) {
    case job_priority::pending: return "pending";
    case job_priority::blocked: return "blocked";
    case job_priority::urgent: return "urgent";
    case job_priority::degraded: return "degraded";
    case job_priority::other: return "other";
  }
  return "?";
}

namespace {

// Work wanted for one chunk, before limits are applied.
struct candidate {
  const mds::chunk_view* chunk = nullptr;
  job_kind kind = job_kind::replicate;
  job_priority priority = job_priority::other;
  chunk_state state = chunk_state::healthy;
  uint32_t live = 0;
  uint32_t wanted = 0;               // copies or deletions wanted
  std::vector<uint32_t> pool;        // replicate: live CSs; delete: victims in preference order
  std::string why;                   // reason prefix
};

job_priority priority_of(chunk_state danger) {
  switch (danger) {
    case chunk_state::pending: return job_priority::pending;
    case chunk_state::blocked: return job_priority::blocked;
    case chunk_state::urgent: return job_priority::urgent;
    case chunk_state::degraded: return job_priority::degraded;
    default: return job_priority::other;
  }
}

std::vector<uint32_t> live_css(const mds::chunk_view& c) {
  std::vector<uint32_t> out;
  for (const auto& r : c.replicas)
    if (mds::is_live(r, c.version)) out.push_back(r.cs_id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Replicas that would be live but are leaving (rm-cs release, or a trim
// deletion): still sound and readable, so a copy source of last resort.
std::vector<uint32_t> leaving_css(const mds::chunk_view& c) {
  std::vector<uint32_t> out;
  for (auto r : c.replicas) {
    if (!r.being_deleted) continue;
    r.being_deleted = false;
    if (mds::is_live(r, c.version)) out.push_back(r.cs_id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Replicas that would be live but have bad pages: when no replica is sound,
// the copy source of last resort. The copy asks every holder for a page its
// source has bad and carries a page no holder has good over marked bad
// (docs/chunk-versions.md, "A bad page in a copy"), so it is as good as the
// chunk can be; without it a chunk whose every replica had one bad page
// stayed on them for ever (pstorage-sim --seed 1199 --scenario data-disk).
// Not while a replica sits on an inactive CS: it may come back with those
// pages good, and is asked then.
std::vector<uint32_t> bad_only_css(const mds::chunk_view& c) {
  std::vector<uint32_t> out;
  for (const auto& r : c.replicas)
    if (r.cs == mds::cs_status::inactive) return out;
  for (auto r : c.replicas) {
    if (!r.checksum_bad) continue;
    r.checksum_bad = false;
    if (mds::is_live(r, c.version)) out.push_back(r.cs_id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// CSs that must not receive a new copy: every one holding a replica at the
// chunk's version (sound, bad or leaving) or a copy in progress. A CS whose
// replica is stale (an older version) may: the copy replaces it (the CS
// removes leftovers first) — else a stale replica could block the only CS
// left in a free failure domain (the simulator's replicas-restored,
// `--seed 7 --scenario data-write-read`).
// Nor one whose lagging replica holds every acknowledged write (at or above
// the write floor): the CS removes it before copying, and a copy that then
// failed (disk full) destroyed what may be the chunk's last good copy of a
// page (pstorage-sim --seed 1090 --scenario data-disk).
std::vector<uint32_t> all_css(const mds::chunk_view& c) {
  std::vector<uint32_t> out;
  for (const auto& r : c.replicas)
    if (r.version == c.version || r.being_replicated || r.holds_acked) out.push_back(r.cs_id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string counts_text(const mds::chunk_view& c, uint32_t live) {
  return std::to_string(live) + " of " + std::to_string(mds::effective_norm(c)) + " replicas live (min " +
         std::to_string(mds::effective_min(c)) + ")";
}

}  // namespace

repair_plan plan_repairs(const cluster_view& view, const planner_config& cfg) {
  repair_plan plan;
  plan.health = mds::evaluate_cluster(view.css, cfg.health, view.just_elected);

  std::map<uint32_t, std::string> host_of;
  for (const auto& cs : view.css) host_of[cs.cs_id] = cs.host_id;

  // Slots already in use and work already under way, per chunk.
  std::map<uint64_t, uint32_t> running_copies;
  std::set<uint64_t> running_delete;
  for (const auto& j : view.running) {
    for (uint32_t cs : j.busy_cs) ++plan.cs_load[cs];
    if (j.kind == job_kind::replicate)
      running_copies[j.chunk_id] += j.copies;
    else
      running_delete.insert(j.chunk_id);
  }
  auto load = [&](uint32_t cs) {
    auto it = plan.cs_load.find(cs);
    return it == plan.cs_load.end() ? 0u : it->second;
  };

  // 1. Collect the work each chunk wants.
  std::vector<candidate> cands;
  for (const auto& c : view.chunks) {
    if (c.being_deleted || !c.has_file) continue;
    const mds::replica_tally t = mds::tally(c);
    const chunk_state danger = mds::danger_state(c, cfg.policy);
    const chunk_state state = mds::classify(c, cfg.policy);
    const uint32_t norm = mds::effective_norm(c);
    const uint32_t in_flight = std::max(t.in_progress, running_copies[c.id]);

    if (danger == chunk_state::offline) {
      // Every up-to-date replica is leaving (rm-cs: a release began, then the
      // other replicas failed): copy from them, else the chunk can never
      // leave the CS and the release never ends (pstorage-sim --seed 130
      // --scenario data-ops).
      auto leaving = leaving_css(c);
      const bool from_bad = leaving.empty();
      if (from_bad) leaving = bad_only_css(c);
      if (leaving.empty()) {
        ++plan.unrecoverable;
        continue;
      }
      if (in_flight < norm) {
        auto kept = c;
        for (auto& r : kept.replicas) {
          r.being_deleted = false;
          if (from_bad) r.checksum_bad = false;
        }
        candidate k;
        k.chunk = &c;
        k.kind = job_kind::replicate;
        k.priority = priority_of(mds::danger_state(kept, cfg.policy));
        if (k.priority == job_priority::other) k.priority = job_priority::degraded;
        k.state = state;
        k.live = 0;
        k.wanted = norm - in_flight;
        k.pool = std::move(leaving);
        k.why = std::string(from_bad ? "every up-to-date replica has bad pages (" : "every up-to-date replica is leaving (") +
                std::to_string(k.pool.size()) + ")";
        if (in_flight) k.why += ", " + std::to_string(in_flight) + " in flight";
        cands.push_back(std::move(k));
        ++plan.queued;
      }
      continue;
    }
    uint32_t have = t.live + in_flight;
    if (danger == chunk_state::degraded) have += t.standby;
    if (priority_of(danger) != job_priority::other && have < norm) {
      candidate k;
      k.chunk = &c;
      k.kind = job_kind::replicate;
      k.priority = priority_of(danger);
      k.state = state;
      k.live = t.live;
      k.wanted = norm - have;
      k.pool = live_css(c);
      k.why = std::string(mds::to_string(danger)) + ": " + counts_text(c, t.live);
      if (in_flight) k.why += ", " + std::to_string(in_flight) + " in flight";
      if (danger == chunk_state::degraded && t.standby)
        k.why += ", " + std::to_string(t.standby) + " standby";
      cands.push_back(std::move(k));
      ++plan.queued;
    }

    if (danger == chunk_state::overcommitted && in_flight == 0 && !running_delete.count(c.id)) {
      candidate k;
      k.chunk = &c;
      k.kind = job_kind::delete_overcommitted;
      k.state = state;
      k.live = t.live;
      k.wanted = t.live - norm;
      // Preference: host shared with another live replica, then busiest CS,
      // then highest id. Sorting key built once (loads are pre-planning).
      std::vector<uint32_t> live = live_css(c);
      std::map<std::string, uint32_t> per_host;
      for (uint32_t cs : live)
        if (host_of.count(cs)) ++per_host[host_of[cs]];
      auto shared = [&](uint32_t cs) { return host_of.count(cs) && per_host[host_of[cs]] > 1; };
      std::sort(live.begin(), live.end(), [&](uint32_t a, uint32_t b) {
        return std::make_tuple(!shared(a), -static_cast<int64_t>(load(a)), -static_cast<int64_t>(a)) <
               std::make_tuple(!shared(b), -static_cast<int64_t>(load(b)), -static_cast<int64_t>(b));
      });
      k.pool = std::move(live);
      k.why = "overcommitted: " + std::to_string(t.live) + " live replicas, norm " + std::to_string(norm);
      cands.push_back(std::move(k));
    }

    if ((danger == chunk_state::healthy || danger == chunk_state::overcommitted) && !running_delete.count(c.id)) {
      candidate k;
      k.chunk = &c;
      k.kind = job_kind::delete_stale;
      k.state = state;
      k.live = t.live;
      uint32_t stale = 0, bad = 0;
      for (const auto& r : c.replicas) {
        if (r.cs != mds::cs_status::active || r.being_deleted) continue;
        if (r.version != c.version || r.checksum_bad) {
          k.pool.push_back(r.cs_id);
          if (r.checksum_bad) ++bad; else ++stale;
        }
      }
      std::sort(k.pool.begin(), k.pool.end());
      k.pool.erase(std::unique(k.pool.begin(), k.pool.end()), k.pool.end());
      k.wanted = static_cast<uint32_t>(k.pool.size());
      k.why = "stale or corrupt replicas: " + std::to_string(stale) + " old version, " + std::to_string(bad) +
              " checksum error";
      if (k.wanted) cands.push_back(std::move(k));
    }
  }

  // 2. Order: priority, fewer live replicas first, chunk id, kind.
  std::stable_sort(cands.begin(), cands.end(), [](const candidate& a, const candidate& b) {
    return std::make_tuple(a.priority, a.live, a.chunk->id, a.kind) <
           std::make_tuple(b.priority, b.live, b.chunk->id, b.kind);
  });

  // 3. Halt?
  if (plan.health.status == mds::cluster_status::unknown) {
    plan.halted = true;
    plan.halted_reason =
        "cluster status unknown: the master MDS was just elected and does not know the cluster state yet; "
        "no repair is scheduled until chunk servers report";
  } else if (plan.health.status == mds::cluster_status::failure) {
    plan.halted = true;
    plan.halted_reason = plan.health.text + ": " + std::to_string(plan.health.offline) + " offline CS on " +
                         std::to_string(plan.health.offline_hosts) + " host(s) exceed mds.wd.max_offline_cs=" +
                         std::to_string(cfg.health.max_offline_cs) + " and mds.wd.max_offline_cs_hosts=" +
                         std::to_string(cfg.health.max_offline_cs_hosts) +
                         "; automatic replication is disabled: repair the failed chunk servers or raise "
                         "mds.wd.max_offline_cs";
  }
  if (plan.halted) {
    plan.deferred = static_cast<uint32_t>(cands.size());
    return plan;
  }

  // 4. Grant within limits.
  const uint32_t running_total = static_cast<uint32_t>(view.running.size());
  uint32_t budget = cfg.max_total_jobs > running_total ? cfg.max_total_jobs - running_total : 0;
  auto has_slot = [&](uint32_t cs) { return load(cs) < cfg.max_jobs_per_cs; };

  for (const auto& k : cands) {
    if (budget == 0) {
      ++plan.deferred;
      continue;
    }
    const auto& c = *k.chunk;
    repair_job job;
    job.chunk_id = c.id;
    job.version = c.version;
    job.kind = k.kind;
    job.priority = k.priority;
    job.state = k.state;
    job.holders = live_css(c);
    job.avoid_cs = all_css(c);  // current holders; stale ones may be overwritten

    if (k.kind == job_kind::replicate) {
      std::map<uint32_t, uint32_t> used;  // picks per source within this job
      for (uint32_t i = 0; i < k.wanted; ++i) {
        const uint32_t* best = nullptr;
        for (const uint32_t& cs : k.pool) {
          if (!has_slot(cs)) continue;
          if (!best || std::make_tuple(used[cs], load(cs), cs) < std::make_tuple(used[*best], load(*best), *best))
            best = &cs;
        }
        if (!best) break;
        job.sources.push_back(*best);
        ++used[*best];
        ++plan.cs_load[*best];
      }
      job.copies = static_cast<uint32_t>(job.sources.size());
      if (job.copies == 0) {
        ++plan.deferred;
        continue;
      }
      job.reason = k.why + "; " + std::to_string(job.copies) + " new cop" + (job.copies == 1 ? "y" : "ies");
      if (job.copies < k.wanted)
        job.reason += " (" + std::to_string(k.wanted - job.copies) + " more wait for source slots)";
    } else {
      for (uint32_t cs : k.pool) {
        if (job.delete_from.size() == k.wanted) break;
        if (!has_slot(cs)) continue;
        job.delete_from.push_back(cs);
        ++plan.cs_load[cs];
      }
      job.copies = static_cast<uint32_t>(job.delete_from.size());
      if (job.copies == 0) {
        ++plan.deferred;
        continue;
      }
      job.reason = k.why + "; deleting " + std::to_string(job.copies);
      if (job.copies < k.wanted)
        job.reason += " (" + std::to_string(k.wanted - job.copies) + " more wait for slots)";
    }
    if (job.copies < k.wanted) ++plan.deferred;
    --budget;
    plan.jobs.push_back(std::move(job));
  }
  return plan;
}

}  // namespace pstorage::repair
