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

using mds_locator_api = caf::typed_actor<caf::replies_to<locate_mds_atom>::with<mds_api>,
                                         caf::reacts_to<learn_mds_atom, std::string>>;

// Finds the *master* among the MDS addresses of bs.list (ADDR:PORT, PORT =
// the MDS<->MDS port; the MDS actor is reached on PORT+1): tries them in
// order, following a follower's NOT_MASTER redirection
// (mds_locator_policy.hpp); blocking connects run in a detached actor.
// Replies within ~7 s with the master, or an error naming every MDS tried
// and why (the caller retries later). learn_mds_atom: the MDSs the master
// listed (comma-separated ADDR:PORT) are searched too, after bs.list's, so a
// CS whose bs.list names one MDS follows a failover to the others.
mds_locator_api spawn_remote_mds_locator(caf::actor_system& sys, std::vector<endpoint> mds_addresses);

// Always replies with `mds` (tests, simulator).
mds_locator_api spawn_fixed_mds_locator(caf::actor_system& sys, mds_api mds);

}  // namespace pstorage
