// ops_client.hpp — operator actions in the simulator (issue 5: "replica-count
// changes, rm-cs"), sent through the same client -> MDS messages the CLI
// uses, over a client link (so they can be lost, delayed, partitioned):
//   set-attr     `pstorage set-attr replicas=N:M PATH`: ClientToMdsFileOp
//                setRepl, one request (its answer may be lost; the final
//                invariants read the file's attributes from the MDS's store).
//   rm-cs        `pstorage rm-cs --wait CSID`: ClientToMdsRmCs{release},
//                repeated every second until the answer says the CS is
//                dropped (a restarted MDS forgets a release in progress, so
//                the operator asks again, as `--wait` would).
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "tests/sim/rng.hpp"

namespace pstorage::sim {

struct ops_env {
  std::function<void(const std::string&)> note, count;
  std::function<caf::actor(size_t client)> mds;  // link to the MDS, null if down
  std::string cluster, digest;
};

caf::actor spawn_set_repl(caf::actor_system& sys, ops_env* env, size_t client, std::string path, std::string assignment);
caf::actor spawn_rm_cs(caf::actor_system& sys, ops_env* env, size_t client, uint32_t cs_id);

}  // namespace pstorage::sim
