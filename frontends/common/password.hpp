// password.hpp — how the cluster password reaches make-mds and auth-node
// (guide: "Password-based Authentication"): from --password-file FILE if
// given, else from the terminal without echo, else (stdin not a terminal)
// the first line of stdin. Never logged.
#pragma once

#include <optional>
#include <string>

namespace pstorage::frontend {

// Throws std::runtime_error with an operator-ready message on failure
// (empty password, unreadable file, end of input).
std::string read_password(const std::string& prompt, const std::optional<std::string>& password_file,
                          bool confirm);

}  // namespace pstorage::frontend
