// mds_commands.hpp — MDS membership from the CLI:
//   pstorage -c NAME make-mds -a ADDR[:PORT] -r DIR [-b ADDR[:PORT]...]
//       add an MDS to a running cluster (guide "Adding MDS Servers"); make-mds
//       with -I (a new cluster) stays in commands.cpp
//   pstorage -c NAME rm-mds [--json] MDS_ID
//       remove an MDS (guide "Removing MDS Servers")
//   pstorage [-c NAME] configure-mds -r DIR -n ID@ADDR[:PORT] [-n ...]
//       rewrite the MDS addresses in a stopped MDS's repository (guide
//       "Changing Parallels Cloud Storage Cluster Network")
// The majority rule is the master's (actors/mds/mds_membership.cpp); the CLI
// prints its refusal as is.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

// make-mds without -I: the host must be authenticated (auth-node); the
// cluster is found through o.bootstrap (-b) or bs.list; the repository is
// created only after the master accepted the new MDS.
int make_mds_join(const global_options& g, const make_mds_options& o);

struct mds_commands {
  CLI::App* rm_mds = nullptr;
  CLI::App* configure_mds = nullptr;
  uint32_t rm_id = 0;
  bool json = false;
  std::string repo;
  std::vector<std::string> new_addresses;  // -n ID@ADDR[:PORT]

  // Runs the chosen subcommand; nullopt if none of these was chosen.
  std::optional<int> dispatch(const global_options& g) const;
};

// Adds rm-mds and configure-mds; the returned object must outlive parsing.
std::unique_ptr<mds_commands> add_mds_commands(CLI::App& app);

// The pid of a running pstorage-mdsd whose -r names `repo` (from /proc), or 0.
int running_mdsd_pid(const std::string& repo);

}  // namespace pstorage::cli
