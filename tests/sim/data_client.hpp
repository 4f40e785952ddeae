// data_client.hpp — the simulator's data workload: writer and reader actors
// that speak the client protocol (issue 3 data path, /tmp/datapath.md) on
// the test coordinator. actors/client/session is blocking (scoped_actor) and
// cannot run here, so these event-based actors re-implement its protocol:
//   writer: create + setRepl replicas=3:2 + open(write) (lease, renewed every
//           3 s), ClientToMdsChunkMap{forWrite}, ClientToCsWrite chain with
//           sync, statusStale -> refresh the map, any other failure ->
//           ClientToMdsReplicaFailed, statusUnavailable -> back off and retry
//           (writes block, they never fail), setSize after each ack.
//   reader: fresh chunk map per read, ClientToCsRead from a random replica
//           with failover, checksum errors reported; plus the "fence probe":
//           it first asks a CS that an older map listed for the chunk but the
//           current one does not, WITH THE CURRENT VERSION — the CS must
//           refuse (its replica's version differs), so any data it serves is
//           checked like a normal read.
// Every acknowledged write goes to the data_model history; every read is
// checked against it (read-latest, replica-domains-distinct on each map).
#pragma once

#include <caf/fwd.hpp>

#include <functional>
#include <string>

#include "tests/sim/data_model.hpp"
#include "tests/sim/model.hpp"
#include "tests/sim/rng.hpp"

namespace pstorage::sim {

struct data_env {
  data_model* dm = nullptr;
  model* m = nullptr;  // violations go to m->raised
  rng* r = nullptr;
  std::function<void(const std::string&)> note, count;
  std::function<caf::actor(size_t client)> mds;                             // link to the MDS, null if down
  std::function<caf::actor(size_t client, const std::string& address)> cs;  // link to a CS, null if down
  std::function<bool()> stopping;                                           // no new operations
  std::function<std::string(uint32_t cs_id)> domain_of;                     // failure domain (host) of a CS
  std::string cluster, digest;
};

caf::actor spawn_writer(caf::actor_system& sys, data_env* env, size_t client, size_t file);
caf::actor spawn_reader(caf::actor_system& sys, data_env* env, size_t client);

}  // namespace pstorage::sim
