// simulation.hpp — one deterministic run of a simulated cluster: N MDS (one
// for now), M CS and K client workload actors, the production actors built
// with -DPSTORAGE_SIM_BUGS, all on CAF's test coordinator with virtual time.
// Every choice (which ready job runs next, what the network does with each
// message, which fault strikes when) comes from one PRNG seeded with `seed`,
// so a seed replays exactly: same trace, same trace hash.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/sim/invariants.hpp"
#include "tests/sim/scenarios.hpp"
#include "tests/sim/trace.hpp"

namespace pstorage::sim {

struct run_options {
  uint64_t seed = 1;
  const scenario* sc = nullptr;
  bool echo_trace = false;       // print trace lines as they happen
  uint64_t max_steps = 3000000;  // a run that needs more has livelocked
};

struct run_result {
  uint64_t seed = 0;
  std::string scenario;
  std::optional<violation> failed;
  int64_t failed_at_ms = 0;
  uint64_t trace_hash = 0;
  std::vector<trace_entry> trace;
  std::map<std::string, uint64_t> coverage;
  std::set<std::string> notes;
  uint64_t steps = 0;
  int64_t end_ms = 0;
};

run_result run_simulation(const run_options& opts);

}  // namespace pstorage::sim
