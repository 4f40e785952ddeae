// scrub_commands.hpp — on-demand scrubbing from the CLI (issue 16; guide
// "Configuring Data Scrubbing"; docs/monitoring.md "Scrubbing"):
//   pstorage -c NAME scrub start [--cs ID ...] [--rate N]
//                                                the master orders those CSs
//                                                (default: every active one)
//                                                to verify every replica now
//                                                (N replicas/s each; default no limit)
//   pstorage -c NAME scrub status [--json]       per CS: state, progress,
//                                                rate, ETA, bad found, last run
// Requests go to the master with this host's credentials (auth_digest.key).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <CLI/CLI.hpp>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

struct scrub_commands {
  CLI::App* scrub = nullptr;
  CLI::App* start = nullptr;
  CLI::App* status = nullptr;
  std::vector<uint32_t> cs_ids;
  uint32_t rate = 0;
  bool json = false;

  std::optional<int> dispatch(const global_options& g) const;
};

std::unique_ptr<scrub_commands> add_scrub_commands(CLI::App& app);

}  // namespace pstorage::cli
