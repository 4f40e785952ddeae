// election_api.hpp — the typed interface of an MDS's election actor: the
// one writer of the replicated journal (DIR/journal.db), running the pure
// consensus core (raft_core.hpp) in the order persist -> send -> apply
// (docs/election.md). Its MDS actor proposes commands and receives the
// committed entries to apply; peer election actors exchange MdsToMdsRaft.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>

#include "actors/common/atoms.hpp"
#include "actors/election/raft_core.hpp"
#include "actors/election/snapshot_transfer.hpp"
#include "actors/mds/mds_api.hpp"
#include "protocol/messages.hpp"

namespace caf {
class actor_system;
}
namespace pstorage::persistence {
class journal_store;
}

namespace pstorage {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using peer_atom = caf::atom_constant<caf::atom("peer")>;

using election_api = caf::typed_actor<
    // its MDS actor
    caf::replies_to<msg::mds_to_election_propose>::with<msg::election_to_mds_propose>,
    caf::replies_to<msg::mds_to_election_sync>::with<msg::election_to_mds_sync>,
    caf::replies_to<msg::mds_to_election_status>::with<msg::election_to_mds_status>,
    caf::replies_to<msg::mds_to_election_config>::with<msg::election_to_mds_config>,
    // peer election actors
    caf::reacts_to<msg::mds_to_mds_raft>,
    // the handle of peer election actor `id` (from the connector), or an
    // invalid one when it could not be reached
    caf::reacts_to<peer_atom, uint32_t, caf::actor>,
    // itself
    caf::reacts_to<tick_atom>,
    caf::reacts_to<flush_atom>>;

// How an election actor reaches the election actor of peer `id` at `address`
// (network seam: production connects through the middleman in a detached
// actor, the simulator hands over local handles). The answer comes back as
// (peer_atom, id, handle) to `self`, an invalid handle when the peer cannot
// be reached now (the election actor asks again later).
using peer_connector = std::function<void(election_api self, uint32_t id, const std::string& address)>;

struct election_deps {
  std::shared_ptr<persistence::journal_store> journal;
  election::config core;                     // id, ticks, seed
  std::chrono::milliseconds tick_interval{100};
  // The MDS state (md.db) is applied up to here: committed entries above it
  // are handed to the MDS again after a restart.
  uint64_t applied = 0;
  // A brand-new journal starts as this cluster (make-mds -I); without it a
  // brand-new journal stays empty until a master sends entries (joining).
  std::optional<election::membership> bootstrap;
  // Where to reach MDS ids, overriding the journal's membership addresses
  // (pstorage configure-mds rewrote them while the cluster was stopped).
  std::map<uint32_t, std::string> address_overrides;
  // Receives ElectionToMdsCommitted.
  mds_api sink;
  // This MDS's address as peers should reach its election actor.
  std::string self_address;
  std::string cluster;
  peer_connector connect;  // empty: peers are never contacted (one MDS)
  // Journal compaction (snapshot_transfer.hpp compaction_point): entries
  // md.db holds are dropped once `compact_every` of them are beyond the last
  // snapshot, keeping the newest `compact_keep` for followers that are
  // briefly behind; one further behind gets the whole md.db (full resync).
  uint64_t compact_keep = 20000;
  uint64_t compact_every = 20000;
  election::transfer_options transfer;
};

election_api spawn_election(caf::actor_system& sys, election_deps deps);

}  // namespace pstorage
