// placement_domains.hpp — the failure-domain rule of a copy that replaces a
// replica. Pure: no CAF, no SQLite. The one copy of this decision for the
// repair planner's placement (mds_repair_actor.cpp start_copy), the
// rebalance planner (actors/repair/rebalance_planner.cpp) and the copy path
// itself (fenced_copy, which checks again once the holders answered the
// fence), and for what goes in the same hold once the copy has landed.
//
// Spec (administrator's guide): "Recommendations on Failure Domains" —
// strict (default) or advisory mds.alloc.strict_failure_domain; "Removing
// Chunk Servers" — a released CS's data is moved away. Issue 15: "Strict
// failure domains must not block same-host rebalancing between disks of one
// host when that keeps the domain rule".
//
// Rules (pinned by tests/unit/placement_domains_test.cpp):
//  1. A replica that is leaving gives way: it does not occupy its failure
//     domain when the target of its own replacement is chosen. Leaving = a
//     move's source, a replica on a CS being released by rm-cs, a replica
//     with bad pages kept only until it is replaced. Every other replica
//     (at the chunk's version, answering or recorded) occupies its domain.
//     So a replica on host2 being released may be replaced by a copy on
//     another CS of host2 when the chunk's other replicas are elsewhere
//     (rm-cs whose only target is the released CS's own host; a rebalance
//     move between two disks of one host).
//  2. A target is allowed iff it holds no replica of the chunk and, under
//     the strict policy, its domain is neither occupied (rule 1) nor taken
//     by an earlier allowed target of the same copy. Advisory: only the
//     first condition (placement already preferred distinct domains).
//  3. Once copies have landed (confirmed), every leaving replica whose
//     domain now holds a staying replica (a copy, or a replica that does not
//     leave) is displaced: it is dropped in the same hold on the chunk,
//     before anyone is given the chunk again. So no chunk map outside that
//     hold shows a replacement next to the replica it replaced in one
//     domain: a pair in one domain exists only between the confirm and the
//     drop, with more replicas than NORM (the simulator's
//     replica-domains-distinct says exactly this, docs/simulator.md).
//     Displacing needs no NORM count: the staying replica in that domain is
//     what protects the domain.
//  4. A copy starts only if rule 2 leaves it a target among the replicas
//     the fence round is sure to ask (those at the newest recorded version
//     on active, connected CSs): fencing bumps the chunk's version, and a copy
//     refused after the fence bumped it for nothing, every 0.5 s for as
//     long as no target was legal (issue 15: "copy attempts that cannot
//     start still bump the chunk version"). The check after the fence stays
//     (a lagging holder may come back in the round).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace pstorage::mds {

struct domain_replica {
  uint32_t cs_id = 0;
  std::string domain;    // placement's domain_key at the file's level
  bool leaving = false;  // rule 1: gives way to its replacement
};

// Rule 1: the domains occupied by the replicas that stay.
std::set<std::string> occupied_domains(const std::vector<domain_replica>& replicas);

// Rule 1 for callers that pass CS ids (placement's `existing`): the
// replicas that stay, in the given order.
std::vector<uint32_t> staying_replicas(const std::vector<domain_replica>& replicas);

// Rule 2: the targets (in order) a copy may still be made to. `targets`'
// `leaving` is ignored.
std::vector<uint32_t> allowed_targets(const std::vector<domain_replica>& replicas,
                                      const std::vector<domain_replica>& targets, bool strict);

// Rule 4: whether a copy to `targets` may be started (fenced) at all.
bool copy_may_start(const std::vector<domain_replica>& replicas, const std::vector<domain_replica>& targets,
                    bool strict);

// Rule 3: the leaving replicas to drop in the same hold once `copies` have
// landed (`replicas`: the chunk's replicas at its version, copies excluded).
std::vector<uint32_t> displaced_replicas(const std::vector<domain_replica>& replicas,
                                         const std::vector<domain_replica>& copies);

}  // namespace pstorage::mds
