// mds_api.hpp — the typed interface of an MDS actor. Every request a client,
// CS or peer MDS may send, with its answer (protocol/*.capnp).
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/common/atoms.hpp"
#include "protocol/messages.hpp"

namespace pstorage {

using mds_api = caf::typed_actor<
    // clients (CLI, mounts)
    caf::replies_to<msg::client_to_mds_stat>::with<msg::mds_to_client_stat>,
    caf::replies_to<msg::client_to_mds_auth_salt>::with<msg::mds_to_client_auth_salt>,
    caf::replies_to<msg::client_to_mds_auth_node>::with<msg::mds_to_client_auth_node>,
    caf::replies_to<msg::client_to_mds_file_op>::with<msg::mds_to_client_file_op>,
    caf::replies_to<msg::client_to_mds_chunk_map>::with<msg::mds_to_client_chunk_map>,
    caf::replies_to<msg::client_to_mds_replica_failed>::with<msg::mds_to_client_replica_failed>,
    caf::replies_to<msg::client_to_mds_renew_lease>::with<msg::mds_to_client_renew_lease>,
    caf::replies_to<msg::client_to_mds_watch>::with<msg::mds_to_client_watch>,
    caf::replies_to<msg::client_to_mds_config>::with<msg::mds_to_client_config>,
    caf::replies_to<msg::client_to_mds_events>::with<msg::mds_to_client_events>,
    caf::replies_to<msg::client_to_mds_rm_cs>::with<msg::mds_to_client_rm_cs>,
    caf::replies_to<msg::client_to_mds_scrub>::with<msg::mds_to_client_scrub>,
    caf::replies_to<msg::client_to_mds_membership>::with<msg::mds_to_client_membership>,
    caf::replies_to<msg::client_to_mds_license>::with<msg::mds_to_client_license>,
    caf::replies_to<msg::client_to_mds_revoke_node>::with<msg::mds_to_client_revoke_node>,
    // High Availability (issue 18): `pstorage ha`, pstorage-shamand
    caf::replies_to<msg::client_to_mds_ha>::with<msg::mds_to_client_ha>,
    caf::replies_to<msg::agent_to_mds_ha_renew>::with<msg::mds_to_agent_ha_renew>,
    // chunk servers
    caf::replies_to<msg::cs_to_mds_register>::with<msg::mds_to_cs_register>,
    caf::replies_to<msg::cs_to_mds_heartbeat>::with<msg::mds_to_cs_heartbeat>,
    caf::replies_to<msg::cs_to_mds_bad_replica>::with<msg::mds_to_cs_bad_replica>,
    // peer MDS
    caf::replies_to<msg::mds_to_mds_ping>::with<msg::mds_to_mds_pong>,
    // its election actor (actors/election)
    caf::reacts_to<msg::election_to_mds_committed>,
    caf::replies_to<msg::election_to_mds_snapshot_export>::with<msg::mds_to_election_snapshot_export>,
    caf::replies_to<msg::election_to_mds_snapshot_install>::with<msg::mds_to_election_snapshot_install>,
    // itself
    caf::reacts_to<tick_atom>,
    caf::reacts_to<later_atom, uint64_t>>;

}  // namespace pstorage
