// admin_commands.hpp — cluster administration from the CLI (issue 4):
//   pstorage -c NAME set-config NAME=VALUE...        ("Cluster Parameters Overview",
//   pstorage -c NAME get-config [NAME...] [--json]     "Configuring Data Scrubbing")
//   pstorage -c NAME get-event [--since T] [-f] [--json] ("Monitoring Event Logs")
//   pstorage -c NAME rm-cs [--wait] CSID              ("Removing Chunk Servers":
//   pstorage -c NAME rm-cs --cancel CSID                data evacuated first; --cancel
//   pstorage -c NAME rm-cs -f CSID                      stops it; -f only for a lost CS)
// Requests go to the MDS with this host's credentials (auth_digest.key).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "frontends/cli/commands.hpp"
#include "frontends/cli/event_commands.hpp"

namespace pstorage::cli {

struct admin_commands {
  CLI::App* set_config = nullptr;
  CLI::App* get_config = nullptr;
  CLI::App* get_event = nullptr;
  CLI::App* rm_cs = nullptr;
  std::vector<std::string> assignments, names;
  bool json = false;
  bool wait = false, cancel = false, force = false;
  uint32_t cs_id = 0;
  get_event_options event_opts;
  unsigned wait_timeout_s = 0;  // --timeout for --wait; 0: forever

  // Runs the chosen subcommand; nullopt if none of these was chosen.
  std::optional<int> dispatch(const global_options& g) const;
};

std::unique_ptr<admin_commands> add_admin_commands(CLI::App& app);

}  // namespace pstorage::cli
