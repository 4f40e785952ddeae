// model.hpp — what the harness knows about the simulated cluster, as plain
// data (no CAF): the truth (which node processes live, which hang, which ids
// the MDS handed out) next to what the cluster says about itself (the MDS's
// CS statuses from its events and stat answers). Invariants (invariants.hpp)
// are pure functions of this model.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pstorage::sim {

inline constexpr int64_t never = std::numeric_limits<int64_t>::min() / 4;

struct cs_model {
  std::string name;     // "cs3"
  std::string address;  // "10.0.0.3:4000"
  std::string uuid;     // repository uuid (survives restarts)
  bool exists = false;  // spawned at least once (churn adds CSs over time)
  bool alive = false;   // process running (false after crash / fatal stop)
  bool hung = false;
  bool fatal = false;   // stopped itself (on_fatal)
  std::string fatal_why;
  int incarnation = 0;
  int64_t died_at_ms = never;
  uint32_t id = 0;                 // last id it registered under
  int64_t last_answered_ms = never;  // MDS last answered its register/heartbeat OK
};

struct stat_cs {
  uint32_t id;
  std::string status;  // active / inactive / offline / dropped
  std::string address;
};

struct model {
  // -- parameters of the run
  int64_t inactive_after_ms = 0;
  int64_t tick_ms = 0;
  int64_t heartbeat_ms = 0;
  int64_t max_delay_ms = 0;  // network: longest delay a message may get
  double mds_clock_rate = 1.0;  // the MDS incarnation's clock rate (clock skew): its periods last 1/rate

  // -- time
  int64_t now_ms = 0;
  bool faults_over = false;  // all faults healed; settling

  // -- truth
  std::vector<cs_model> css;
  bool mds_alive = false;
  bool mds_hung = false;
  int64_t mds_live_since_ms = 0;  // last start or resume of the MDS
  // Several MDSs: how long a master that stopped serving may still be judged
  // (its CS view freezes when it steps down; mds_cluster.cpp evidence window).
  int64_t mds_view_slack_ms = 0;
  std::map<uint32_t, std::string> id_owner;  // id -> repository uuid, whole run
  std::map<std::string, uint32_t> id_of_uuid;
  // When the MDS last answered OK a register (the id in the answer) or a
  // heartbeat (the id the CS heartbeats as) of a live CS: what the MDS's
  // liveness may rely on.
  std::map<uint32_t, int64_t> answered_at;

  // -- what the cluster says
  std::map<uint32_t, std::string> mds_view;  // from the MDS's events
  std::optional<std::vector<stat_cs>> final_stat;
  std::string final_cluster_status;  // the final stat's clusterStatus (`pstorage stat`)
  bool expect_healthy = true;        // cluster-healthy is judged (scenario::check_cluster_healthy)
  // (id, repository uuid) of every CS record in the MDS's store, at the end.
  std::vector<std::pair<uint32_t, std::string>> store_records;
  std::vector<std::string> stat_problems;    // found in client stat answers
  std::vector<std::string> ping_problems;    // found in client pings

  // -- checks raised at event time (e.g. an id handed out twice)
  std::vector<std::pair<std::string, std::string>> raised;  // invariant, detail

  // -- facts about feature availability (shown with the result)
  std::set<std::string> notes;

  cs_model* cs_by_id(uint32_t id) {
    for (auto& c : css)
      if (c.exists && c.id == id) return &c;
    return nullptr;
  }
};

}  // namespace pstorage::sim
