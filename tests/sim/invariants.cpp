#include "tests/sim/invariants.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace pstorage::sim {

namespace {
// How soon the MDS must notice a CS process that died (its connection
// closes): issue 4, "Failure of a process ... is noticed in well under a
// second".
constexpr int64_t crash_notice_ms = 1000;

std::string ms(int64_t v) { return std::to_string(v) + " ms"; }
}  // namespace

const std::vector<invariant_info>& invariants() {
  static const std::vector<invariant_info> list = {
      {"cs-id-unique", "event", "checked",
       "the MDS never hands one CS id to two repositories, during the whole run (also across MDS restarts)"},
      {"cs-id-stable", "event", "checked", "a CS repository keeps the id it was given across CS and MDS restarts"},
      {"cs-id-range", "event", "checked", "CS ids start at 1025 (guide)"},
      {"cs-no-fatal", "step", "checked",
       "no chunk server with valid credentials and an intact repository stops itself (auth/uuid refusals)"},
      {"cs-status-liveness", "step", "checked",
       "the MDS shows a CS active only if it answered a register/heartbeat of that CS within "
       "inactive_after + tick (crashed, hung, partitioned CS go inactive in time)"},
      {"cs-crash-noticed", "step", "checked",
       "a CS whose process died is not active in the MDS 1 s after its death (connection loss noticed fast)"},
      {"stat-consistent", "step", "checked",
       "every stat answer a client gets lists each CS id once, only ids the MDS handed out"},
      {"cs-identity", "step", "checked", "a CS reached at an address answers with the id registered for it"},
      {"cs-converges-active", "final", "checked",
       "once faults stop and the cluster settled, every live CS is registered and active, in events and in stat"},
      {"cs-record-per-repo", "final", "checked",
       "the MDS store holds one CS record per repository (registration is idempotent when its answer is lost)"},
      {"progress", "step", "checked", "a run finishes within its step budget (no livelock at one virtual instant)"},
      {"cluster-healthy", "final", "checked (scenarios with scenario::check_cluster_healthy)",
       "once faults stop and the cluster settled, the final stat's cluster status (`pstorage stat`, "
       "mds_repair_actor.cpp evaluate_health) is healthy"},
      {"acked-write-durable", "final", "checked (data-* scenarios)",
       "no acknowledged write is lost, whatever crashes"},
      {"read-latest", "step", "checked (data-* scenarios)",
       "every read returns the last acknowledged write or a newer one (per-file history)"},
      {"chunk-versions-monotone", "step", "checked (data-* scenarios, audited every virtual second)",
       "chunk versions never decrease, in the MDS's chunk map and on every CS disk (copies at v0 ignored)"},
      {"replica-domains-distinct", "step", "checked (data-* scenarios: every map a client gets + MDS audit)",
       "never two replicas of one chunk on one CS; at or below NORM never two in one failure domain, above NORM "
       "(a copy next to the replica it replaces, until the drop in the same hold) still at least NORM domains"},
      {"no-write-on-blocked-chunk", "step", "checked (data-* scenarios: the chain of every acknowledged write)",
       "writes are never accepted on a blocked chunk"},
      {"replicas-restored", "final", "checked (data-* scenarios but data-disk-harsh: the MDS's map after settling, a shortfall again "
       "every second for up to 8 s)",
       "after faults stop every chunk is back to its normal replica count"},
      {"namespace-acked-visible", "step", "checked (meta-churn: every answer, lookups, readdirs; final: the store)",
       "every namespace change the MDS acknowledged (create, mkdir, rename, unlink, rmdir) stays visible, across MDS "
       "restarts; changes whose answer was lost may go either way"},
      {"rebalanced", "final", "checked (data-rebalance: every CS's disk after settling)",
       "once faults stop and a CS joined empty, rebalancing fills it: no single-CS host is fuller than the "
       "joined CS by more than mds.repl.rebalance_threshold or two chunks, unless the joined CS already holds "
       "every chunk it has"},
      {"rm-cs-evacuated", "final", "checked (data-ops)",
       "a CS removed with rm-cs is dropped by the end and no chunk lists it (its data stays readable)"},
      {"one-master-per-epoch", "event", "checked (scenarios with several MDSs)",
       "at most one MDS becomes master in an epoch (its 'became master' event, with the epoch of the entry it "
       "applied to start serving)"},
      {"journal-prefix-agree", "step", "checked (several MDSs: every journal at the end of each virtual instant)",
       "committed journal entries (index <= the journal's commit) agree index by index on every MDS: epoch, kind and "
       "contents"},
      {"md-converges", "final", "checked (several MDSs)",
       "after healing and settling every MDS's md.db has applied the master's last entry and has the master's "
       "canonical_dump"},
      {"file-size-acked", "final", "checked (data scenarios with several MDSs)",
       "each data file's size in the master's md.db is at least the highest end whose setSize was acknowledged and "
       "at most the highest end sent (the size is max(size, end): a lost acknowledged setSize shows)"},
      {"ha-never-two-nodes", "event", "checked (ha-* scenarios: every start of a resource process by an HA agent)",
       "an HA resource never runs on two nodes at once: its processes, in real time, from the start command to the "
       "end of the stop (issue 18; docs/ha.md)"},
      {"ha-relocated-within-bound", "step", "checked (ha-failover: every 100 ms)",
       "an HA resource whose node failed (agent killed or cut off) runs elsewhere within the bound (10 s), once "
       "it ran somewhere"},
      {"ha-all-running", "final", "checked (ha-* scenarios)",
       "once faults stop and the cluster settled, every HA resource runs on exactly one node"},
      {"mds-membership-changes", "final", "pending: the simulated MDS membership is fixed (make-mds / rm-mds not driven)",
       "workload: MDSs are added and removed while clients work; every invariant above still holds"},
  };
  return list;
}

std::optional<violation> check_step(model& m, bool instant_done) {
  if (!m.raised.empty()) return violation{m.raised.front().first, m.raised.front().second};
  for (auto& c : m.css)
    if (c.fatal) return violation{"cs-no-fatal", c.name + " (CS#" + std::to_string(c.id) + ") stopped: " + c.fatal_why};
  if (!m.stat_problems.empty()) return violation{"stat-consistent", m.stat_problems.front()};
  if (!m.ping_problems.empty()) return violation{"cs-identity", m.ping_problems.front()};

  if (!instant_done) return std::nullopt;
  bool mds_judgeable = m.mds_alive && !m.mds_hung && m.now_ms - m.mds_live_since_ms > m.tick_ms;
  if (!mds_judgeable) return std::nullopt;
  // The MDS measures the silence by its own clock (clock skew: a slow MDS
  // clock waits longer in true time).
  const int64_t bound =
      static_cast<int64_t>(static_cast<double>(m.inactive_after_ms + m.tick_ms) / (m.mds_clock_rate > 0 ? m.mds_clock_rate : 1.0)) + 1 +
      m.mds_view_slack_ms;
  for (auto& [id, status] : m.mds_view) {
    if (status != "active") continue;
    auto heard = m.answered_at.count(id) ? m.answered_at[id] : never;
    auto* c = m.cs_by_id(id);
    std::string who = "CS#" + std::to_string(id) + (c ? " (" + c->name + ")" : std::string(" (no repository holds it yet)"));
    if (m.now_ms - heard > bound)
      return violation{"cs-status-liveness",
                       who + " is active in the MDS, but the MDS last answered it " +
                           (heard == never ? std::string("never") : ms(m.now_ms - heard) + " ago") +
                           " (bound (inactive_after + tick) / MDS clock rate = " + ms(bound) + ")"};
    if (!c) continue;
    if (!c->alive && !c->fatal && c->died_at_ms != never) {
      int64_t deadline = std::max(c->died_at_ms, m.mds_live_since_ms) + crash_notice_ms + m.mds_view_slack_ms;
      if (m.now_ms > deadline)
        return violation{"cs-crash-noticed", "CS#" + std::to_string(id) + " (" + c->name + ") died at " +
                                                 ms(c->died_at_ms) + " and is still active at " + ms(m.now_ms)};
    }
  }
  return std::nullopt;
}

std::optional<violation> check_final(model& m) {
  if (auto v = check_step(m, true)) return v;
  std::map<std::string, std::vector<uint32_t>> by_uuid;
  for (auto& [id, uuid] : m.store_records) by_uuid[uuid].push_back(id);
  for (auto& [uuid, ids] : by_uuid)
    if (ids.size() > 1) {
      std::string s;
      for (auto id : ids) s += " CS#" + std::to_string(id);
      return violation{"cs-record-per-repo",
                       "repository " + uuid + " has " + std::to_string(ids.size()) + " CS records in the MDS store:" + s};
    }
  if (!m.final_stat) return violation{"cs-converges-active", "the MDS did not answer the final stat request"};
  std::map<uint32_t, std::string> stat;
  for (auto& s : *m.final_stat) stat[s.id] = s.status;
  for (auto& c : m.css) {
    if (!c.exists || !c.alive) continue;
    if (c.id == 0) return violation{"cs-converges-active", c.name + " never registered"};
    auto v = m.mds_view.find(c.id);
    if (v == m.mds_view.end() || v->second != "active")
      return violation{"cs-converges-active", c.name + " (CS#" + std::to_string(c.id) + ") is live but " +
                                                  (v == m.mds_view.end() ? std::string("unknown") : v->second) +
                                                  " in the MDS's events"};
    auto s = stat.find(c.id);
    if (s == stat.end() || s->second != "active")
      return violation{"cs-converges-active", c.name + " (CS#" + std::to_string(c.id) + ") is live but " +
                                                  (s == stat.end() ? std::string("missing") : s->second) + " in stat"};
  }
  if (m.expect_healthy && m.final_cluster_status != "healthy")
    return violation{"cluster-healthy", "the final stat reports the cluster status '" + m.final_cluster_status + "'"};
  std::set<uint32_t> stored;
  for (auto& [id, uuid] : m.store_records) stored.insert(id);
  for (auto& [id, status] : stat)
    if (!stored.count(id))
      return violation{"stat-consistent", "final stat lists CS#" + std::to_string(id) + ", which the MDS store does not hold"};
  return std::nullopt;
}

}  // namespace pstorage::sim
