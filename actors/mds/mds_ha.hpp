// mds_ha.hpp — the HA relocator's runtime state in the MDS actor (issue 18;
// mds_ha_actor.cpp; docs/ha.md "The relocator"). Only what the journal does
// not hold: the grants this master sent and what agents reported. A new
// master starts with none of it (relocator_rules.hpp: it waits a whole
// lease from its own start).
#pragma once

#include <caf/all.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/ha/relocator_rules.hpp"
#include "actors/ha/start_failures.hpp"
#include "protocol/messages.hpp"

namespace pstorage::mds_impl {

struct ha_runtime {
  int64_t master_since = -1;                       // the master_since_ns these belong to
  ha::lease_timing timing;
  std::map<std::string, ha::agent_report> agents;  // by node
  std::map<std::string, int64_t> from_since;       // resource -> its pending stop applied at
  ha::start_failures starts;                       // failed starts per (resource, node), their backoff
  bool busy = false;                               // a round's commands are being journaled
  std::set<std::string> journaling;                // their resources: granted to nobody meanwhile
  bool loop_armed = false;
  struct planned_request {
    ha::planned_move move;
    caf::typed_response_promise<msg::mds_to_client_ha> rp;
  };
  std::vector<planned_request> planned;            // `ha relocate` waiting for the next round
};

}  // namespace pstorage::mds_impl
