// logging.hpp — spdlog set-up shared by the daemons: one log file inside the
// repository plus stderr; `-v` (repeatable) raises verbosity.
#pragma once

#include <filesystem>
#include <string>

namespace pstorage::frontend {

// verbosity: 0 = info, 1 = debug, 2+ = trace. `name` prefixes every line.
void setup_logging(const std::string& name, const std::filesystem::path& log_file, int verbosity);
// CLI tools: warnings and errors to stderr only.
void setup_cli_logging(int verbosity);

}  // namespace pstorage::frontend
