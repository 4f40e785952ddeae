#include "actors/mds/cluster_params.hpp"

#include <stdexcept>

namespace pstorage::mds {

const std::vector<param_spec>& param_specs() {
  static const std::vector<param_spec> specs = {
      {"mds.wd.offline_tout", "ms", 300000, 1000, 1000000000,
       "an inactive chunk server becomes offline (and its data is re-replicated) after this long"},
      {"mds.wd.inactive_tout", "ms", 10000, 500, 600000,
       "a chunk server silent for this long is marked inactive (a lost connection marks it at once)"},
      {"mds.wd.max_offline_cs", "count", 2, 0, 100000,
       "more offline chunk servers than this put the cluster in the failure state and stop replication; 0 "
       "disables the failure state"},
      {"mds.wd.max_offline_cs_hosts", "count", 1, 0, 100000,
       "offline chunk servers on up to this many hosts are still recovered automatically"},
      {"mds.wd.verify_chunks", "chunks/minute", 2, 0, 100000,
       "chunks each chunk server verifies per minute (scrubbing)"},
      {"mds.alloc.fill_margin", "percent", 5, 0, 50, "disk space reserved on each chunk server for its own needs"},
      {"mds.alloc.free_space_margin", "bytes", 256ll << 20, 0, 1ll << 40,
       "minimum space reserved on each chunk server, whatever fill_margin gives"},
      {"mds.alloc.strict_failure_domain", "bool", 1, 0, 1,
       "1: never place two replicas in one failure domain; 0: advisory"},
      {"mds.repl.max_jobs_per_cs", "count", 2, 1, 64, "concurrent replication jobs one chunk server takes part in"},
      {"mds.repl.max_jobs", "count", 64, 1, 4096, "concurrent replication jobs in the cluster"},
      {"mds.repl.bandwidth", "bytes/s", 0, 0, 1000000000000ll,
       "replication bandwidth limit per job, 0 = unlimited"},
      {"mds.repl.rebalance_threshold", "percent", 10, 1, 100,
       "rebalancing moves chunks from a chunk server whose fill exceeds another's of the same tier by more than "
       "this many percentage points"},
      {"mds.repl.rebalance_jobs", "count", 2, 0, 64,
       "concurrent rebalancing moves (run only while no recovery is needed), 0 disables rebalancing"},
      {"mds.license.warn_days", "days", 7, 0, 3650,
       "a warning event this many days before the license expires, 0 = none (docs/licensing.md)"},
      {"mds.ha.lease", "ms", 6000, 1000, 600000,
       "HA node lease: a node that cannot renew stops its resources, the master relocates them after lease + "
       "drift_margin (docs/ha.md)"},
      {"mds.ha.renew", "ms", 1000, 100, 60000, "how often HA agents renew their lease"},
      {"mds.ha.drift_margin", "ms", 300, 0, 600000, "HA lease margin for clock-rate error: at least 5% of mds.ha.lease"},
      {"mds.ha.stop_budget", "ms", 2000, 100, 600000,
       "time an HA agent allows its resources' stop commands before SIGKILL when it fences itself"},
  };
  return specs;
}

const param_spec* find_param(const std::string& name) {
  for (auto& s : param_specs())
    if (name == s.name) return &s;
  return nullptr;
}

std::optional<param_assignment> parse_param_assignment(const std::string& text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<param_assignment> {
    if (error) *error = why;
    return std::nullopt;
  };
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return fail("expected NAME=VALUE, got '" + text + "'");
  std::string name = text.substr(0, eq), value = text.substr(eq + 1);
  auto* spec = find_param(name);
  if (!spec) {
    std::string known;
    for (auto& s : param_specs()) known += std::string(known.empty() ? "" : ", ") + s.name;
    return fail("unknown parameter '" + name + "'; known parameters: " + known);
  }
  int64_t v = 0;
  if (std::string(spec->unit) == "bool" && (value == "true" || value == "false")) {
    v = value == "true";
  } else {
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 15)
      return fail("value '" + value + "' of " + name + " is not a non-negative integer (" + spec->unit + ")");
    v = std::stoll(value);
  }
  if (v < spec->min || v > spec->max)
    return fail("value " + value + " of " + name + " is out of range " + std::to_string(spec->min) + ".." +
                std::to_string(spec->max) + " (" + spec->unit + ")");
  return param_assignment{name, v};
}

int64_t cluster_params::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (auto* s = find_param(name)) return s->default_value;
  throw std::out_of_range("unknown parameter '" + name + "'");
}

}  // namespace pstorage::mds
