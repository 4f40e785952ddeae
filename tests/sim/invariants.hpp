// invariants.hpp — the simulator's invariants: pure checks of the model
// (model.hpp), run after every scheduling step and at the end of a run.
// Invariants whose feature is not in the actors yet are listed with their
// state "pending" and are never reported as passed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/sim/model.hpp"

namespace pstorage::sim {

struct violation {
  std::string invariant;
  std::string detail;
};

struct invariant_info {
  const char* name;
  const char* when;   // "step", "final", "event"
  const char* state;  // "checked" or "pending: <why>"
  const char* what;
};

const std::vector<invariant_info>& invariants();

// After every step (cheap): raised event checks, id rules. With
// `instant_done` (every job of the current virtual instant has run, just
// before time advances) also the timing rules: liveness bounds, crash
// noticed — an answer produced in a step reaches its link a few steps later
// at the same instant, so these are judged once the instant's work is done.
std::optional<violation> check_step(model& m, bool instant_done);
// Once faults stopped and the cluster had time to settle.
std::optional<violation> check_final(model& m);

}  // namespace pstorage::sim
