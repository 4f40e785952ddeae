// revoke_node_command.hpp — `pstorage -c NAME revoke-node HOST_ID [--force]
// [--json]` (issue 14; docs/security.md "Revocation"): the master journals
// the revocation (cmd_revoke_node) and answers once it is applied; from then
// on no MDS or CS of the cluster accepts a new TLS connection whose
// certificate names HOST_ID, and the host's chunk servers are offline (their
// replicas are re-replicated). For good: there is no un-revoke.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

struct revoke_node_command {
  CLI::App* cmd = nullptr;
  std::string host_id;
  bool force = false;
  bool json = false;

  std::optional<int> dispatch(const global_options& g) const;
};

std::unique_ptr<revoke_node_command> add_revoke_node_command(CLI::App& app);

}  // namespace pstorage::cli
