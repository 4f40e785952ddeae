// ha_commands.hpp — High Availability from the CLI (issue 18; guide
// "Configuring High Availability"; docs/ha.md):
//   pstorage -c NAME ha add RESOURCE --start CMD --stop CMD [--check CMD]
//                              [--node HOST] [--backup-node HOST] [--ip ADDR/PREFIX]
//   pstorage -c NAME ha list [--json]
//   pstorage -c NAME ha remove RESOURCE
//   pstorage -c NAME ha relocate RESOURCE --to HOST
//   pstorage -c NAME ha enable-node [--node HOST] [--limit N]
//   pstorage -c NAME ha disable-node [--node HOST]
// Every request goes to the master with this host's credentials; the master
// journals the change (md_ha_commands.hpp) and its relocator acts on it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

struct ha_commands {
  CLI::App* ha = nullptr;
  CLI::App* add = nullptr;
  CLI::App* list = nullptr;
  CLI::App* remove = nullptr;
  CLI::App* relocate = nullptr;
  CLI::App* enable = nullptr;
  CLI::App* disable = nullptr;
  std::string resource, start, stop, check, node, backup_node, ip, to;
  uint32_t limit = 0;
  bool json = false;

  std::optional<int> dispatch(const global_options& g) const;
};

std::unique_ptr<ha_commands> add_ha_commands(CLI::App& app);

// The `ha list` tables for an answer in ha_to_json's form.
std::string ha_list_text(const nlohmann::json& j);

}  // namespace pstorage::cli
