// cluster_params.hpp — the cluster-wide parameters of `pstorage set-config
// NAME=VALUE` / `get-config [NAME]`, with the guide's names, units and
// defaults. Pure: parsing and validation only; the MDS keeps the values in its
// journaled store.
//
//   name                           unit     default  range        guide
//   -----------------------------  -------  -------  -----------  ---------------------------------------
//   mds.wd.offline_tout            ms       300000   1000..1e9    "Exploring Basic Events" (5 min)
//   mds.wd.inactive_tout           ms       10000    500..600000  (ours) heartbeat silence -> inactive
//   mds.wd.max_offline_cs          count    2        0..100000    "0 disables the failed mode"
//   mds.wd.max_offline_cs_hosts    count    1        0..100000    "Configuring Failure Domains"
//   mds.wd.verify_chunks           /minute  2        0..100000    "Configuring Data Scrubbing"
//   mds.alloc.fill_margin          percent  5        0..50        "Troubleshooting": reserve for CS needs
//   mds.alloc.free_space_margin    bytes    256 MiB  0..1 TiB     (ours) minimum reserve per CS
//   mds.alloc.strict_failure_domain bool    1        0..1         "strict (default) or advisory"
//   mds.repl.max_jobs_per_cs       count    2        1..64        (ours) concurrent repair jobs per CS
//   mds.repl.max_jobs              count    64       1..4096      (ours) concurrent repair jobs in all
//   mds.repl.bandwidth             bytes/s  0        0..1e12      (ours) per copy (repair or move), 0 = unlimited
//   mds.repl.rebalance_threshold   percent  10       1..100       (ours) fill gap that starts a move
//   mds.repl.rebalance_jobs        count    2        0..64        (ours) concurrent moves, 0 = rebalancing off
//   mds.license.warn_days          days     7        0..3650      (ours) warning event before the license expires
//   mds.ha.lease                   ms       6000     1000..600000 (ours) HA node lease (docs/ha.md)
//   mds.ha.renew                   ms       1000     100..60000   (ours) HA agents' renewal period
//   mds.ha.drift_margin            ms       300      0..600000    (ours) >= 5% of mds.ha.lease
//   mds.ha.stop_budget             ms       2000     100..600000  (ours) agent's stop time when fencing
//   (the four mds.ha.* together must pass ha::check_ha_params, actors/ha/ha_params.hpp)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pstorage::mds {

struct param_spec {
  const char* name;
  const char* unit;
  int64_t default_value;
  int64_t min;
  int64_t max;
  const char* description;
};

const std::vector<param_spec>& param_specs();
const param_spec* find_param(const std::string& name);

struct param_assignment {
  std::string name;
  int64_t value = 0;
};

// Parses "NAME=VALUE". Errors name the parameter, the valid range and unit,
// or list the known names for an unknown one. Booleans accept 0/1/true/false.
std::optional<param_assignment> parse_param_assignment(const std::string& text, std::string* error);

// The current values: defaults overlaid with what was set.
class cluster_params {
 public:
  int64_t get(const std::string& name) const;  // throws std::out_of_range for unknown names
  void set(const param_assignment& a) { values_[a.name] = a.value; }
  const std::map<std::string, int64_t>& overrides() const { return values_; }

 private:
  std::map<std::string, int64_t> values_;
};

}  // namespace pstorage::mds
