// cs_directory.hpp — the peer seam for the data path: turns a CS address
// ("ADDR:PORT", as the MDS lists it in chunk maps) into a handle of that CS.
// Production connects through CAF's middleman (blocking connects run in a
// detached actor; handles are cached, and dropped when the peer goes down);
// the simulator and actor tests register local actors under fake addresses.
// Same typed interface either way.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <map>
#include <string>

#include "actors/common/atoms.hpp"
#include "actors/cs/cs_api.hpp"

namespace caf {
class actor_system;
}

namespace pstorage {

using cs_directory_api = caf::typed_actor<caf::replies_to<connect_atom, std::string>::with<cs_api>>;

// Connects to "ADDR:PORT" with middleman().remote_actor<cs_api>(), caching.
cs_directory_api spawn_remote_cs_directory(caf::actor_system& sys);

// Answers from a fixed table (tests, simulator); unknown addresses yield
// sec::cannot_connect_to_node.
cs_directory_api spawn_fixed_cs_directory(caf::actor_system& sys, std::map<std::string, cs_api> table);

}  // namespace pstorage
