// event_commands.hpp — `pstorage -c NAME get-event [--since TIME] [--follow]
// [--json]` (guide "Monitoring Event Logs"; docs/monitoring.md "Events").
#pragma once

#include <optional>
#include <string>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

struct get_event_options {
  std::optional<std::string> since;  // event_query.hpp parse_since
  bool follow = false;
  bool json = false;
};

// Prints the cluster's event log (the replicated history every MDS holds),
// oldest first: as "TIME SYS SEV MESSAGE" lines, or with json a JSON array
// (with follow: one JSON object a line). With follow it then asks the
// master for newer events every second until interrupted; when the master
// cannot be reached (a master change, an election) it says so once on
// stderr, keeps asking, and goes on from the last event it printed.
int get_event(const global_options& g, const get_event_options& o);

}  // namespace pstorage::cli
