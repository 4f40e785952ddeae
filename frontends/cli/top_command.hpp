// top_command.hpp — `pstorage -c NAME top` (guide: "Monitoring Parallels
// Cloud Storage Clusters"): the screen of top_screen.hpp drawn with ncurses
// and refreshed every second; one snapshot when stdout is not a terminal.
#pragma once

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

int top(const global_options& g);

}  // namespace pstorage::cli
