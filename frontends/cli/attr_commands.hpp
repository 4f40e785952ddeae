// attr_commands.hpp — `pstorage get-attr` and `pstorage set-attr` (guide
// "Configuring Replication Parameters", "Configuring Failure Domains",
// "Using Storage Tiers"):
//   pstorage get-attr [--json] /pstorage/pcs1
//   pstorage set-attr [-R] /pstorage/pcs1 replicas=3[:2] tier=1 failure-domain=rack
//   pstorage -c pcs1 set-attr -R -p /failure-domain=rack
// PATH lies on a mounted pstorage file system: the cluster and the path
// inside it come from /proc/self/mountinfo (fuse.pstorage, pstorage://NAME).
// With -p, PATH is a path inside the cluster given by -c. The request goes to
// the MDS with this host's credentials (auth_digest.key).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

struct attr_commands {
  CLI::App* get = nullptr;
  CLI::App* set = nullptr;
  bool json = false;
  bool recursive = false;
  bool cluster_path = false;  // -p
  std::vector<std::string> get_operands, set_operands;

  // Runs the chosen subcommand; nullopt if neither was chosen.
  std::optional<int> dispatch(const global_options& g) const;
};

// Adds both subcommands to the CLI; the returned object must outlive parsing.
std::unique_ptr<attr_commands> add_attr_commands(CLI::App& app);

int get_attr(const global_options& g, const std::string& path, bool cluster_path, bool json);
int set_attr(const global_options& g, const std::vector<std::string>& operands, bool recursive, bool cluster_path);

}  // namespace pstorage::cli
