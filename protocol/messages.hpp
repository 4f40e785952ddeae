// messages.hpp — the C++ names of every message that crosses a node boundary.
// One alias per Cap'n Proto struct; PSTORAGE_WIRE_MESSAGES lists them all for
// registration with CAF (protocol/caf_registration.cpp). Adding a message:
// add the struct to its .capnp file, an alias here and a line in the list.
#pragma once

#include "protocol/client_cs.capnp.h"
#include "protocol/client_mds.capnp.h"
#include "protocol/common.capnp.h"
#include "protocol/ha_mds.capnp.h"
#include "protocol/mds_cs.capnp.h"
#include "protocol/mds_mds.capnp.h"
#include "protocol/wire.hpp"

namespace pstorage::msg {
namespace p = pstorage::proto;
template <class S> using m = wire::msg<S>;

// client <-> MDS
using client_to_mds_stat = m<p::ClientToMdsStat>;
using mds_to_client_stat = m<p::MdsToClientStat>;
using client_to_mds_auth_salt = m<p::ClientToMdsAuthSalt>;
using mds_to_client_auth_salt = m<p::MdsToClientAuthSalt>;
using client_to_mds_auth_node = m<p::ClientToMdsAuthNode>;
using mds_to_client_auth_node = m<p::MdsToClientAuthNode>;
// CS <-> MDS
using cs_to_mds_register = m<p::CsToMdsRegister>;
using mds_to_cs_register = m<p::MdsToCsRegister>;
using cs_to_mds_heartbeat = m<p::CsToMdsHeartbeat>;
using mds_to_cs_heartbeat = m<p::MdsToCsHeartbeat>;
// client <-> CS
using client_to_cs_ping = m<p::ClientToCsPing>;
using cs_to_client_ping = m<p::CsToClientPing>;
// data path: client <-> MDS
using client_to_mds_file_op = m<p::ClientToMdsFileOp>;
using mds_to_client_file_op = m<p::MdsToClientFileOp>;
using client_to_mds_chunk_map = m<p::ClientToMdsChunkMap>;
using mds_to_client_chunk_map = m<p::MdsToClientChunkMap>;
using client_to_mds_replica_failed = m<p::ClientToMdsReplicaFailed>;
using mds_to_client_replica_failed = m<p::MdsToClientReplicaFailed>;
using client_to_mds_renew_lease = m<p::ClientToMdsRenewLease>;
using mds_to_client_renew_lease = m<p::MdsToClientRenewLease>;
using client_to_mds_watch = m<p::ClientToMdsWatch>;
using mds_to_client_watch = m<p::MdsToClientWatch>;
// administration: client <-> MDS
using client_to_mds_config = m<p::ClientToMdsConfig>;
using mds_to_client_config = m<p::MdsToClientConfig>;
using client_to_mds_events = m<p::ClientToMdsEvents>;
using mds_to_client_events = m<p::MdsToClientEvents>;
using client_to_mds_rm_cs = m<p::ClientToMdsRmCs>;
using mds_to_client_rm_cs = m<p::MdsToClientRmCs>;
using client_to_mds_membership = m<p::ClientToMdsMembership>;
using mds_to_client_membership = m<p::MdsToClientMembership>;
using client_to_mds_license = m<p::ClientToMdsLicense>;
using mds_to_client_license = m<p::MdsToClientLicense>;
using client_to_mds_scrub = m<p::ClientToMdsScrub>;
using mds_to_client_scrub = m<p::MdsToClientScrub>;
using client_to_mds_revoke_node = m<p::ClientToMdsRevokeNode>;
using mds_to_client_revoke_node = m<p::MdsToClientRevokeNode>;
// data path: client <-> CS (and CS -> next CS in a chain)
using client_to_cs_write = m<p::ClientToCsWrite>;
using cs_to_client_write = m<p::CsToClientWrite>;
using client_to_cs_read = m<p::ClientToCsRead>;
using cs_to_client_read = m<p::CsToClientRead>;
using client_to_cs_sync = m<p::ClientToCsSync>;
using cs_to_client_sync = m<p::CsToClientSync>;
// data path: MDS <-> CS
using mds_to_cs_create_chunk = m<p::MdsToCsCreateChunk>;
using cs_to_mds_create_chunk = m<p::CsToMdsCreateChunk>;
using mds_to_cs_set_version = m<p::MdsToCsSetVersion>;
using cs_to_mds_set_version = m<p::CsToMdsSetVersion>;
using mds_to_cs_delete_chunk = m<p::MdsToCsDeleteChunk>;
using cs_to_mds_delete_chunk = m<p::CsToMdsDeleteChunk>;
using cs_to_mds_bad_replica = m<p::CsToMdsBadReplica>;
using mds_to_cs_bad_replica = m<p::MdsToCsBadReplica>;
using mds_to_cs_replicate = m<p::MdsToCsReplicate>;
using cs_to_mds_replicate = m<p::CsToMdsReplicate>;
using mds_to_cs_scrub = m<p::MdsToCsScrub>;
using cs_to_mds_scrub = m<p::CsToMdsScrub>;
// MDS <-> MDS
using mds_to_mds_ping = m<p::MdsToMdsPing>;
using mds_to_mds_pong = m<p::MdsToMdsPong>;
using mds_to_mds_raft = m<p::MdsToMdsRaft>;
// MDS actor <-> its election actor (same process)
using mds_to_election_propose = m<p::MdsToElectionPropose>;
using election_to_mds_propose = m<p::ElectionToMdsPropose>;
using election_to_mds_committed = m<p::ElectionToMdsCommitted>;
using mds_to_election_sync = m<p::MdsToElectionSync>;
using election_to_mds_sync = m<p::ElectionToMdsSync>;
using mds_to_election_status = m<p::MdsToElectionStatus>;
using election_to_mds_status = m<p::ElectionToMdsStatus>;
using mds_to_election_config = m<p::MdsToElectionConfig>;
using election_to_mds_config = m<p::ElectionToMdsConfig>;
using election_to_mds_snapshot_export = m<p::ElectionToMdsSnapshotExport>;
using mds_to_election_snapshot_export = m<p::MdsToElectionSnapshotExport>;
using election_to_mds_snapshot_install = m<p::ElectionToMdsSnapshotInstall>;
using mds_to_election_snapshot_install = m<p::MdsToElectionSnapshotInstall>;
// HA (issue 18): CLI / pstorage-shamand <-> master MDS
using client_to_mds_ha = m<p::ClientToMdsHa>;
using mds_to_client_ha = m<p::MdsToClientHa>;
using agent_to_mds_ha_renew = m<p::AgentToMdsHaRenew>;
using mds_to_agent_ha_renew = m<p::MdsToAgentHaRenew>;
}  // namespace pstorage::msg

// X(alias) for every message; the registered CAF name is "pstorage.<alias>".
#define PSTORAGE_WIRE_MESSAGES(X) \
  X(client_to_mds_stat)           \
  X(mds_to_client_stat)           \
  X(client_to_mds_auth_salt)      \
  X(mds_to_client_auth_salt)      \
  X(client_to_mds_auth_node)      \
  X(mds_to_client_auth_node)      \
  X(cs_to_mds_register)           \
  X(mds_to_cs_register)           \
  X(cs_to_mds_heartbeat)          \
  X(mds_to_cs_heartbeat)          \
  X(client_to_cs_ping)            \
  X(cs_to_client_ping)            \
  X(client_to_mds_file_op)        \
  X(mds_to_client_file_op)        \
  X(client_to_mds_chunk_map)      \
  X(mds_to_client_chunk_map)      \
  X(client_to_mds_replica_failed) \
  X(mds_to_client_replica_failed) \
  X(client_to_mds_renew_lease)    \
  X(mds_to_client_renew_lease)    \
  X(client_to_mds_watch)          \
  X(mds_to_client_watch)          \
  X(client_to_mds_config)         \
  X(mds_to_client_config)         \
  X(client_to_mds_events)         \
  X(mds_to_client_events)         \
  X(client_to_mds_rm_cs)          \
  X(mds_to_client_rm_cs)          \
  X(client_to_mds_membership)     \
  X(mds_to_client_membership)     \
  X(client_to_mds_license)        \
  X(mds_to_client_license)        \
  X(client_to_cs_write)           \
  X(cs_to_client_write)           \
  X(client_to_cs_read)            \
  X(cs_to_client_read)            \
  X(client_to_cs_sync)            \
  X(cs_to_client_sync)            \
  X(mds_to_cs_create_chunk)       \
  X(cs_to_mds_create_chunk)       \
  X(mds_to_cs_set_version)        \
  X(cs_to_mds_set_version)        \
  X(mds_to_cs_delete_chunk)       \
  X(cs_to_mds_delete_chunk)       \
  X(cs_to_mds_bad_replica)        \
  X(mds_to_cs_bad_replica)        \
  X(mds_to_cs_replicate)          \
  X(cs_to_mds_replicate)          \
  X(mds_to_mds_ping)              \
  X(mds_to_mds_pong)              \
  X(mds_to_mds_raft)              \
  X(mds_to_election_propose)      \
  X(election_to_mds_propose)      \
  X(election_to_mds_committed)    \
  X(mds_to_election_sync)         \
  X(election_to_mds_sync)         \
  X(mds_to_election_status)       \
  X(election_to_mds_status)       \
  X(mds_to_election_config)       \
  X(election_to_mds_config)       \
  X(election_to_mds_snapshot_export) \
  X(mds_to_election_snapshot_export) \
  X(election_to_mds_snapshot_install) \
  X(mds_to_election_snapshot_install) \
  X(client_to_mds_ha)             \
  X(mds_to_client_ha)             \
  X(agent_to_mds_ha_renew)        \
  X(mds_to_agent_ha_renew)        \
  X(client_to_mds_scrub)          \
  X(mds_to_client_scrub)          \
  X(mds_to_cs_scrub)              \
  X(cs_to_mds_scrub)              \
  X(client_to_mds_revoke_node)    \
  X(mds_to_client_revoke_node)
