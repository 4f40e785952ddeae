// Shared fixture of the HA relocator unit tests (ha_relocator_test,
// ha_start_failures_test): three alive HA nodes a, b, c that renewed a
// second ago, at now = 100 s, and resource rows.
#pragma once

#include <string>

#include "actors/ha/relocator_rules.hpp"

namespace ha_fixture {
using namespace pstorage::ha;
constexpr int64_t S = 1'000'000'000;

// A resource row: on `node`, stop pending on `from`; policy backup when a
// backup node is given.
inline ha_resource res(const std::string& name, const std::string& node, const std::string& from = "",
                       const std::string& backup = "") {
  ha_resource r;
  r.def = {name, "start", "stop", "", "", backup, "", backup.empty() ? "round-robin" : "backup"};
  r.node = node;
  r.from = from;
  return r;
}

inline relocator_input base() {
  relocator_input in;
  in.nodes = {{"a", true, false, 0}, {"b", true, false, 0}, {"c", true, false, 0}};
  in.master_since = 0;
  in.now = 100 * S;
  for (auto n : {"a", "b", "c"}) in.agents[n] = agent_report{in.now - S, in.now - S, {}};
  return in;
}
}  // namespace ha_fixture
