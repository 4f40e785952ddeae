// tiers.hpp — storage tiers are numbered 0..3 (guide: "Using Storage Tiers":
// "from 0 to 3"). Shared by placement and metadata validation.
#pragma once

#include <cstdint>

namespace pstorage::mds {
inline constexpr uint32_t max_tier = 3;
}
