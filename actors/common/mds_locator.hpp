// mds_locator.hpp — the peer seam: how an actor finds the MDS. Production
// reads bs.list and connects through CAF's middleman; the simulator and unit
// tests hand over a local actor handle. Same typed interface either way.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <vector>

#include "actors/common/atoms.hpp"
#include "actors/mds/mds_api.hpp"
#include "protocol/endpoint.hpp"

namespace caf {
class actor_system;
}

namespace pstorage {

using mds_locator_api = caf::typed_actor<caf::replies_to<locate_mds_atom>::with<mds_api>>;

// Tries each address in order (blocking connects run in a detached actor);
// replies with the first MDS that answers, or an error naming all tried.
mds_locator_api spawn_remote_mds_locator(caf::actor_system& sys, std::vector<endpoint> mds_addresses);

// Always replies with `mds` (tests, simulator).
mds_locator_api spawn_fixed_mds_locator(caf::actor_system& sys, mds_api mds);

}  // namespace pstorage
