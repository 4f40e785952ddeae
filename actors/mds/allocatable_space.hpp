// allocatable_space.hpp — the guide's "allocatable" figure of the Space line
// ("Understanding allocatable disk space"): "Space: [OK] allocatable 180GB of
// 200GB, free 1.6TB of 1.7TB". Pure: no CAF, no clock.
//
// Spec (administrator's guide):
//  * "Allocatable space is the amount of disk space that is free and can be
//    used for storing user data. Once this space runs out, no data can be
//    written to the cluster." It "is calculated on the basis of the current
//    replication parameters and free disk space on chunk servers. It may
//    also be limited by license."
//  * CSs of 200 GB, 500 GB and 1 TB with 3 replicas: 200 GB; with 2: 700 GB.
//  * "Recommendations on Failure Domains": racks of 10, 20, 30, 100 and
//    100 TB with 3 replicas: "only 60 TB will be allocatable".
//
// Contract (the unit test pins it down):
//  1. Only active CSs count. Each contributes what placement may still fill
//     (placement.hpp rule 1): its bytes above reserved_bytes(), never below 0.
//  2. The CSs are grouped into failure domains at `level` (domain_key); a
//     chunk's N replicas go to N different domains of one tier (placement
//     rules 2 and 3), so the logical space of one tier is the largest x with
//     sum over domains of min(domain bytes, x) >= N * x, that is
//     min over k = 0..N-1 of (sum of all but the k largest domains) / (N - k);
//     0 with fewer than N domains. The tiers add up.
//  3. `free_bytes` is that figure over the CSs' free space, `total_bytes`
//     over their total space (what the same CSs could hold empty).
//  4. A license caps both: the free figure at the license's allocatable
//     bytes, the total at its capacity (guide "Note: Allocatable disk space
//     may also be limited by license").
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "actors/mds/placement.hpp"

namespace pstorage::mds {

struct allocatable_space {
  uint64_t free_bytes = 0;   // "allocatable 180GB"
  uint64_t total_bytes = 0;  // "of 200GB"
};

// The license's part (LicenseState.allocatableBytes / capacityBytes).
struct license_space_limit {
  uint64_t allocatable_bytes = 0;
  uint64_t capacity_bytes = 0;
};

// Rule 2 for one tier: the logical bytes `replicas` copies can fill in
// domains of the given sizes.
uint64_t logical_capacity(std::vector<uint64_t> domain_bytes, uint32_t replicas);

// Rules 1-4. `replicas` is the root directory's norm (what new files
// inherit); 0 reads as 1.
allocatable_space compute_allocatable(const std::vector<placement_cs>& css, uint32_t replicas,
                                      domain_level level, const placement_tunables& tunables,
                                      std::optional<license_space_limit> license);

}  // namespace pstorage::mds
