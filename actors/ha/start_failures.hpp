// start_failures.hpp — when a resource that keeps failing to start leaves
// its node, and when nodes that failed it are tried again (issue 18:
// "RESOURCE failed to start on HOST2: reason", "no node can take RESOURCE";
// docs/ha.md "Failed starts"). Pure: no CAF, no clock reads, no I/O; times
// are the master's monotonic nanoseconds. The relocator actor
// (actors/mds/mds_ha_actor.cpp) records what the agents report and hands
// given_up_all() to relocate_round (relocator_rules.hpp), which treats a
// resource on a node that gave it up like one on a disabled node (it moves,
// stopping there first) and never places it on such a node (placement.hpp
// rules 2 and 6).
//
// Rules (pinned by tests/unit/ha_start_failures_test.cpp):
//  1. Every failed start a node's agent reports for a resource assigned to
//     it counts one for (resource, node). At max_failed_starts (3) the node
//     has *given up* the resource: it moves to the next node the placement
//     rules pick (round-robin or its backup node), never to a node that gave
//     it up.
//  2. A successful start forgets the resource's record (every node may take
//     it again, the backoff starts from the first step). So do `ha remove`
//     and a planned move (`ha relocate`: the operator decides).
//  3. When no node can take the resource while some node has given it up
//     (`exhausted`), it waits: after backoff_first (30 s), doubling with
//     each exhaustion since its last successful start, at most backoff_max
//     (300 s), its counts are cleared (expire) and every node is tried
//     again. So it is retried later, never given up for good, and never
//     more often than every backoff_first.
//  4. The record lives on the serving master only (not journaled): after a
//     master change every node gets max_failed_starts attempts again.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pstorage::ha {

struct start_retry_policy {
  uint32_t max_failed_starts = 3;          // per (resource, node) before the node gives it up
  int64_t backoff_first = 30'000'000'000;  // first wait once no node can take it
  int64_t backoff_max = 300'000'000'000;   // the wait doubles up to this
};

class start_failures {
 public:
  explicit start_failures(start_retry_policy p = {}) : p_(p) {}

  // Rule 1: one failed start of `resource` on `node`.
  void failed(const std::string& resource, const std::string& node);
  // Rule 2: started somewhere, removed, or moved by the operator.
  void forget(const std::string& resource);

  // Nodes that gave `resource` up (rule 1).
  std::set<std::string> given_up(const std::string& resource) const;
  std::map<std::string, std::set<std::string>> given_up_all() const;

  // Rule 3: no node could take `resource` at `now`. Returns when its
  // given-up nodes will be tried again (unchanged if it already waits).
  int64_t exhausted(const std::string& resource, int64_t now);
  // Rule 3: clears the counts of every resource whose wait ended by `now`;
  // returns those resources.
  std::vector<std::string> expire(int64_t now);

  const start_retry_policy& policy() const { return p_; }

 private:
  struct record {
    std::map<std::string, uint32_t> failed;  // node -> failed starts
    uint32_t exhaustions = 0;                // since its last successful start
    int64_t retry_at = 0;                    // 0: not waiting
  };
  start_retry_policy p_;
  std::map<std::string, record> by_resource_;
};

}  // namespace pstorage::ha
