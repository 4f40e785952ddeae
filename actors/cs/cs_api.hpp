// cs_api.hpp — the typed interface of a chunk-server actor: what clients,
// the previous CS of a write chain, and the MDS may ask of it
// (protocol/client_cs.capnp, protocol/mds_cs.capnp).
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

#include "actors/common/atoms.hpp"
#include "protocol/messages.hpp"

namespace pstorage {

using cs_api = caf::typed_actor<
    // clients and chain predecessors
    caf::replies_to<msg::client_to_cs_ping>::with<msg::cs_to_client_ping>,
    caf::replies_to<msg::client_to_cs_write>::with<msg::cs_to_client_write>,
    caf::replies_to<msg::client_to_cs_read>::with<msg::cs_to_client_read>,
    caf::replies_to<msg::client_to_cs_sync>::with<msg::cs_to_client_sync>,
    // the MDS
    caf::replies_to<msg::mds_to_cs_create_chunk>::with<msg::cs_to_mds_create_chunk>,
    caf::replies_to<msg::mds_to_cs_set_version>::with<msg::cs_to_mds_set_version>,
    caf::replies_to<msg::mds_to_cs_delete_chunk>::with<msg::cs_to_mds_delete_chunk>,
    caf::replies_to<msg::mds_to_cs_replicate>::with<msg::cs_to_mds_replicate>,
    caf::replies_to<msg::mds_to_cs_scrub>::with<msg::cs_to_mds_scrub>,
    // itself
    caf::reacts_to<start_atom, std::string>,  // begin: serve at ADDR:PORT, register
    caf::reacts_to<connect_atom>,             // (re)connect to the MDS and register
    caf::reacts_to<heartbeat_atom>,           // periodic heartbeat
    caf::reacts_to<scrub_atom, uint64_t>,     // scrubbing timer (arg: timer generation)
    caf::reacts_to<scrub_step_atom>,          // on-demand scrub: verify the next replica
    caf::reacts_to<copy_pace_atom, uint64_t>>;  // mds.repl.bandwidth: resume copy job N

}  // namespace pstorage
