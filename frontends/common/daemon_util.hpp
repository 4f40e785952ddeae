// daemon_util.hpp — start-up and shutdown pieces shared by pstorage-mdsd and
// pstorage-csd.
#pragma once

#include <string>

#include "persistence/host_config.hpp"

namespace pstorage::frontend {

// Blocks SIGINT/SIGTERM/SIGHUP in the calling thread (call first in main, so
// every later thread inherits the mask), to be collected by wait_for_stop().
void block_stop_signals();
// Waits for one of them; returns its number.
int wait_for_stop();
// Asks the main thread to stop (from any thread), e.g. on a fatal error.
void request_stop();

// The raw digest from this host's auth_digest.key for `cluster`; throws with
// a message naming `pstorage -c CLUSTER auth-node` when it is missing/corrupt.
std::string load_auth_digest(const persistence::host_config& cfg, const std::string& cluster);

// Short host name of this machine.
std::string local_host_name();

}  // namespace pstorage::frontend
