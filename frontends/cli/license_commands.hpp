// license_commands.hpp — licensing from the CLI (issue 17; guide "Managing
// Parallels Cloud Storage Licenses"; docs/licensing.md):
//   pstorage -c NAME stat --license-hwid          ("Obtaining the Hardware Node ID")
//   pstorage -c NAME load-license -p KEY          ("Installing the License"; from any
//   pstorage -c NAME load-license -f FILE           MDS, CS or client host)
//   pstorage -c NAME view-license                 ("Viewing the License Contents")
//   pstorage -c NAME update-license [--server HOST[:PORT]] [--ca-file FILE]
//                                                 ("Updating the License": a fresh license
//                                                  from the KA server, then installed)
// Requests go to the master with this host's credentials (auth_digest.key);
// the master checks and journals the license.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

struct license_commands {
  CLI::App* load = nullptr;
  CLI::App* view = nullptr;
  CLI::App* update = nullptr;
  std::string key, file;
  std::string server, ca_file;  // update-license
  bool json = false;

  // Runs the chosen subcommand; nullopt if none of these was chosen.
  std::optional<int> dispatch(const global_options& g) const;
};

std::unique_ptr<license_commands> add_license_commands(CLI::App& app);

// stat --license-hwid: prints the cluster's HWID.
int print_license_hwid(const global_options& g);

// view-license's text: "HWID: ..." then the guide's PCSSTOR block with the
// checker's status first (pure; the license object of mds_client::license).
std::string view_license_text(const nlohmann::json& state);

}  // namespace pstorage::cli
