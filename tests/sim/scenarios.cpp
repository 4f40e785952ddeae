#include "tests/sim/scenarios.hpp"

namespace pstorage::sim {

const std::vector<scenario>& scenarios() {
  static const std::vector<scenario> list = [] {
    std::vector<scenario> v;
    {
      scenario s;
      s.name = "registration-churn";
      s.description = "CSs join over time, crash and restart; the MDS restarts now and then; mild network noise";
      s.css_initial = 2;
      s.css_max = 6;
      s.fault_weights = {{"cs-add", 4}, {"cs-crash", 3}, {"mds-restart", 1}, {"slow-disk", 1}};
      s.net = {20, 5, 5, 20};
      v.push_back(s);
    }
    {
      scenario s;
      s.name = "cs-crash";
      s.description = "CS crashes and restarts with disk faults (I/O errors, disk full, bit rot, slow disk)";
      s.css_initial = 4;
      s.css_max = 4;
      s.fault_weights = {{"cs-crash", 5}, {"disk-io-error", 2}, {"disk-full", 1}, {"bit-rot", 1}, {"slow-disk", 2}};
      s.net = {10, 0, 0, 0};
      v.push_back(s);
    }
    {
      scenario s;
      s.name = "hang";
      s.description = "CS and MDS processes hang (alive, silent) and resume; slow disks";
      s.css_initial = 3;
      s.css_max = 3;
      s.fault_weights = {{"cs-hang", 4}, {"mds-hang", 2}, {"slow-disk", 2}};
      s.net = {10, 0, 0, 0};
      v.push_back(s);
    }
    {
      scenario s;
      s.name = "partition";
      s.description = "partitions, one-way loss, clogged links, random loss/duplication/reordering, lost answers";
      s.css_initial = 4;
      s.css_max = 4;
      s.fault_weights = {{"partition", 4}, {"one-way-loss", 3}, {"clog", 2}};
      s.net = {50, 20, 20, 50};
      v.push_back(s);
    }
    {
      scenario s;
      s.name = "mds-restart";
      s.description = "the MDS crashes and restarts from its store while CSs crash, hang and join";
      s.css_initial = 3;
      s.css_max = 5;
      s.fault_weights = {{"mds-restart", 4}, {"mds-hang", 1}, {"cs-crash", 2}, {"cs-add", 1}};
      s.net = {10, 2, 2, 10};
      v.push_back(s);
    }
    {
      scenario s;
      s.name = "mds-crash";
      s.description = "the MDS and CSs crash and restart on a network that loses nothing (delays only)";
      s.css_initial = 3;
      s.css_max = 4;
      s.fault_weights = {{"mds-restart", 3}, {"cs-crash", 2}, {"cs-add", 1}};
      s.net = {10, 0, 0, 0};
      v.push_back(s);
    }
    {
      scenario s;
      s.name = "swizzle";
      s.description = "every fault kind at once on a noisy network";
      s.css_initial = 3;
      s.css_max = 6;
      s.fault_weights = {{"cs-add", 1},       {"cs-crash", 3},  {"cs-hang", 2},      {"slow-disk", 1},
                         {"mds-hang", 1},     {"mds-restart", 1}, {"partition", 2},  {"one-way-loss", 2},
                         {"clog", 1},         {"disk-io-error", 1}, {"disk-full", 1}, {"bit-rot", 1}};
      s.net = {30, 10, 10, 30};
      v.push_back(s);
    }
    // Data scenarios: 4 CSs on 3 hosts (cs1 and cs2 share one), files with
    // replicas=3:2, 2 writers (one file each) and 2 readers (data_client.hpp).
    auto data = [&](const char* name, const char* what, std::map<std::string, int> w, base_link_rules net) {
      scenario s;
      s.name = name;
      s.description = what;
      s.css_initial = 4;
      s.css_max = 4;
      s.clients = 4;
      s.fault_phase_ms = 40000;
      s.settle_ms = 20000;
      s.fault_weights = std::move(w);
      s.net = net;
      s.data_workload = true;
      v.push_back(s);
    };
    data("data-write-read", "writers and readers on files with known contents while CSs crash and restart",
         {{"cs-crash", 3}, {"slow-disk", 1}, {"disk-io-error", 1}}, {10, 2, 0, 10});
    data("data-partition", "the data workload through partitions, one-way loss, clogged links and hung CSs",
         {{"partition", 3}, {"one-way-loss", 2}, {"clog", 2}, {"cs-hang", 2}}, {30, 5, 0, 20});
    data("data-calm", "the data workload with slow disks only: no replica fails, so no drop, bump or repair",
         {{"slow-disk", 1}}, {10, 0, 0, 0});
    data("data-ioerr", "the data workload with transient disk I/O errors and slow disks on a lossless network",
         {{"disk-io-error", 2}, {"slow-disk", 2}}, {10, 0, 0, 0});
    data("data-disk", "the data workload on failing disks: bit rot, I/O errors, disk full, crashes",
         {{"bit-rot", 3}, {"disk-io-error", 3}, {"disk-full", 1}, {"cs-crash", 1}}, {10, 0, 0, 0});
    // By name only (in_rotation = false): see scenario::in_rotation.
    data("data-disk-harsh",
         "data-disk without the fault budget: disk faults and rot may strike the last sound copy of a chunk "
         "(beyond what replication can survive; for measuring, not in CI)",
         {{"bit-rot", 3}, {"disk-io-error", 3}, {"disk-full", 1}, {"cs-crash", 1}}, {10, 0, 0, 0});
    v.back().check_replicas_restored = false;
    v.back().spare_last_sound_copy = false;
    v.back().in_rotation = false;
    data("data-clock-skew",
         "the data workload with every node's clock running up to 40% fast or slow and the MDS's wall clock "
         "stepped at each start, while CSs crash and hang",
         {{"cs-crash", 3}, {"cs-hang", 2}, {"slow-disk", 1}}, {10, 2, 0, 10});
    v.back().clock_skew_max = 1.4;
    v.back().in_rotation = false;
    {
      scenario s;
      s.name = "clock-skew";
      s.description = "registration and liveness with every node's clock up to 40% fast or slow; crashes, hangs, "
                      "MDS restarts";
      s.css_initial = 3;
      s.css_max = 5;
      s.fault_weights = {{"cs-crash", 3}, {"cs-hang", 2}, {"mds-restart", 1}, {"mds-hang", 1}, {"cs-add", 1}};
      s.net = {10, 2, 2, 10};
      s.clock_skew_max = 1.4;
      s.in_rotation = false;
      v.push_back(s);
    }
    // Rebalancing (actors/repair/rebalance_planner.hpp), by name only: small
    // disks (4 MiB) and a 1 % threshold, 6 files of 2 chunks; cs5 (a host of
    // its own) joins empty when the faults stop.
    data("data-rebalance",
         "the data workload while CSs crash and hang, then an empty CS joins and rebalancing fills it; "
         "every data invariant holds during the moves",
         {{"cs-crash", 3}, {"cs-hang", 1}, {"slow-disk", 1}}, {10, 2, 0, 10});
    v.back().css_max = 5;
    v.back().data_writers = 6;  // 12 chunks: enough replicas per CS for moves of whole chunks
    v.back().cs_capacity_bytes = uint64_t{4} << 20;
    v.back().mds_params = {{"mds.alloc.free_space_margin", 0},
                           {"mds.alloc.fill_margin", 0},
                           {"mds.repl.rebalance_threshold", 1}};
    v.back().join_when_faults_stop = true;
    v.back().check_rebalanced = true;
    v.back().in_rotation = false;
    // Operator actions on the data workload (ops_client.hpp), by name only:
    // 5 CSs on 4 hosts, so one can be removed and 3 failure domains stay.
    data("data-ops",
         "the data workload while the operator changes the files' replicas between 3:2 and 2:2 and removes a CS "
         "with rm-cs, and CSs crash, hang and hit disk errors",
         {{"cs-crash", 3}, {"cs-hang", 1}, {"slow-disk", 1}, {"disk-io-error", 1}}, {10, 2, 0, 10});
    v.back().css_initial = 5;
    v.back().css_max = 5;
    v.back().repl_changes = true;
    v.back().rm_cs = true;
    v.back().in_rotation = false;
    // The MDS crashes (restarting from md.db + its journal) and hangs under
    // the data workload (issue 12), by name only.
    data("data-mds-restart",
         "the data workload while the MDS crashes and restarts from its journal, hangs, and CSs crash",
         {{"mds-restart", 3}, {"mds-hang", 1}, {"cs-crash", 2}, {"slow-disk", 1}}, {10, 2, 0, 10});
    v.back().in_rotation = false;
    // Metadata churn (meta_client.hpp), by name only: 3 clients create,
    // mkdir, rename, unlink and rmdir in their own directories while the MDS
    // restarts and hangs and the network loses answers (never duplicates a
    // request: a namespace request is not idempotent, and TCP does not).
    {
      scenario s;
      s.name = "meta-churn";
      s.description = "metadata churn (create/mkdir/rename/unlink/rmdir) by 3 clients while the MDS restarts and hangs, "
                      "on a network that loses and delays (partitions, one-way loss, clogs)";
      s.css_initial = 3;
      s.css_max = 3;
      s.clients = 1;
      s.meta_clients = 3;
      s.fault_phase_ms = 40000;
      s.settle_ms = 20000;
      s.fault_len_max_ms = 6000;
      s.fault_weights = {{"mds-restart", 4}, {"mds-hang", 2}, {"partition", 1}, {"one-way-loss", 1}, {"clog", 1},
                         {"cs-crash", 1}};
      s.net = {10, 3, 0, 10};
      s.in_rotation = false;
      v.push_back(s);
    }
    // Several MDSs (mds_cluster.hpp; issue 12), by name only. The network
    // duplicates MDS<->MDS messages (the consensus tolerates it) but never a
    // client request.
    {
      scenario s;
      s.name = "meta-churn-3mds";
      s.description = "metadata churn by 3 clients on 3 MDSs while MDSs crash, lose power, hang, get isolated from "
                      "the others and stall on their disks; lossy, reordering MDS<->MDS links";
      s.mdses = 3;
      s.css_initial = 3;
      s.css_max = 3;
      s.clients = 1;
      s.meta_clients = 3;
      s.fault_phase_ms = 30000;
      s.settle_ms = 15000;
      s.fault_len_max_ms = 6000;
      s.fault_weights = {{"mds-restart", 3}, {"mds-power-loss", 2}, {"mds-hang", 2},     {"isolate-master", 2},
                         {"mds-slow-disk", 2}, {"partition", 1},    {"one-way-loss", 1}, {"clog", 1},
                         {"cs-crash", 1}};
      s.net = {10, 3, 0, 10, 20};
      s.in_rotation = false;
      v.push_back(s);
    }
    {
      scenario s = v.back();
      s.name = "meta-churn-5mds";
      s.description = "metadata churn on 5 MDSs: two may be down at once (changes go on), three (changes stop until "
                      "one returns); crashes, power loss, hangs, isolated master, slow MDS disks";
      s.mdses = 5;
      s.fault_gap_min_ms = 300;
      s.fault_gap_max_ms = 3000;
      s.fault_weights = {{"mds-restart", 4}, {"mds-power-loss", 2}, {"mds-hang", 2}, {"isolate-master", 1},
                         {"mds-slow-disk", 1}, {"partition", 1},    {"clog", 1}};
      v.push_back(s);
    }
    data("data-3mds",
         "the data workload on 3 MDSs while the master is killed, loses power, hangs or is isolated, MDS disks "
         "stall, and CSs crash",
         {{"mds-restart", 2}, {"mds-power-loss", 1}, {"isolate-master", 1}, {"mds-hang", 1}, {"mds-slow-disk", 1},
          {"cs-crash", 2}, {"slow-disk", 1}},
         {10, 2, 0, 10, 20});
    v.back().mdses = 3;
    v.back().in_rotation = false;
    // HA agents (ha_agents.hpp; issue 18), by name only. ha-failover: one
    // agent at a time killed or cut off, the MDS and the other agents
    // healthy, faults far enough apart that each is one failure: every
    // resource runs again within the 10 s target (docs/ha.md: about 8.3 s
    // with the defaults). ha-chaos: 3 MDSs failing, partitions of anything,
    // agents killed, every clock drifting up to 2%: never two nodes, and all
    // running once settled. ha-slow-clock: agents whose clocks run 20% slow
    // fence too late: ha-never-two-nodes must catch it (expected violation);
    // ha-tight-bound: a bound below the lease must be caught as well.
    {
      scenario s;
      s.name = "ha-failover";
      s.description = "HA: 3 agents, 4 resources (one with a backup node); one agent at a time killed or partitioned "
                      "from everything; resources run elsewhere within 10 s, never on two nodes";
      s.clients = 0;
      s.ha_agents = 3;
      s.ha_resources = 4;
      s.ha_bound_ms = 10000;
      s.fault_phase_ms = 120000;
      s.settle_ms = 30000;
      s.fault_gap_min_ms = 22000;
      s.fault_gap_max_ms = 30000;
      s.fault_len_min_ms = 1000;
      s.fault_len_max_ms = 11000;
      s.fault_weights = {{"ha-agent-crash", 1}, {"ha-agent-partition", 1}};
      s.net = {20, 0, 0, 0};
      s.in_rotation = false;
      v.push_back(s);
      s.name = "ha-slow-clock";
      s.description = "ha-failover with every agent's clock 40% slow (beyond the 5% the drift margin covers): "
                      "expected to violate ha-never-two-nodes";
      s.ha_agent_rate = 0.6;
      s.fault_weights = {{"ha-agent-partition", 1}};
      v.push_back(s);
      s.name = "ha-tight-bound";
      s.description = "ha-failover judged with a 5 s bound, shorter than the lease and margin (6.3 s): expected to "
                      "violate ha-relocated-within-bound";
      s.ha_agent_rate = 0;
      s.ha_bound_ms = 5000;
      s.fault_weights = {{"ha-agent-crash", 1}};
      s.fault_len_min_ms = 9000;
      v.push_back(s);
    }
    {
      scenario s;
      s.name = "ha-chaos";
      s.description = "HA: 3 agents, 4 resources on 3 MDSs while the master is killed, hangs or is isolated, "
                      "partitions split anything, agents are killed, clocks drift up to 2%, the network loses; "
                      "the operator relocates resources (planned moves) now and then";
      s.mdses = 3;
      s.clients = 0;
      s.ha_agents = 3;
      s.ha_resources = 4;
      s.ha_relocations = true;
      s.clock_skew_max = 1.02;
      s.fault_phase_ms = 90000;
      s.settle_ms = 40000;
      s.fault_weights = {{"mds-restart", 2}, {"mds-hang", 1}, {"isolate-master", 1}, {"partition", 2},
                         {"one-way-loss", 1}, {"clog", 1},    {"ha-agent-crash", 2}};
      s.net = {20, 10, 0, 20};
      s.in_rotation = false;
      v.push_back(s);
    }
    return v;
  }();
  return list;
}

const scenario* find_scenario(const std::string& name) {
  for (auto& s : scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace pstorage::sim
