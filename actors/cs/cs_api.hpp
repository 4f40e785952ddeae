// cs_api.hpp — the typed interface of a chunk-server actor.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

#include "actors/common/atoms.hpp"
#include "protocol/messages.hpp"

namespace pstorage {

using cs_api = caf::typed_actor<
    caf::replies_to<msg::client_to_cs_ping>::with<msg::cs_to_client_ping>,
    caf::reacts_to<start_atom, std::string>,  // begin: serve at ADDR:PORT, register
    caf::reacts_to<connect_atom>,     // (re)connect to the MDS and register
    caf::reacts_to<heartbeat_atom>>;  // periodic heartbeat

}  // namespace pstorage
