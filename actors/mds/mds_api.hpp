// mds_api.hpp — the typed interface of an MDS actor. Every request a client,
// CS or peer MDS may send, with its answer (protocol/*.capnp).
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/common/atoms.hpp"
#include "protocol/messages.hpp"

namespace pstorage {

using mds_api = caf::typed_actor<
    caf::replies_to<msg::client_to_mds_stat>::with<msg::mds_to_client_stat>,
    caf::replies_to<msg::client_to_mds_auth_salt>::with<msg::mds_to_client_auth_salt>,
    caf::replies_to<msg::client_to_mds_auth_node>::with<msg::mds_to_client_auth_node>,
    caf::replies_to<msg::cs_to_mds_register>::with<msg::mds_to_cs_register>,
    caf::replies_to<msg::cs_to_mds_heartbeat>::with<msg::mds_to_cs_heartbeat>,
    caf::replies_to<msg::mds_to_mds_ping>::with<msg::mds_to_mds_pong>,
    caf::reacts_to<tick_atom>>;

}  // namespace pstorage
