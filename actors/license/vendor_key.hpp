// vendor_key.hpp — the vendor's settings a build or a host supplies
// (docs/licensing.md "The vendor key", "update-license and the KA server").
//
// The Ed25519 public key licenses are verified with, first match:
//   1. the environment variable PSTORAGE_LICENSE_PUBLIC_KEY of the MDS
//   2. the host setting CONFIG/license_public_key (default
//      /etc/pstorage/license_public_key; persistence/host_config.hpp setting())
//   3. the build setting -DPSTORAGE_LICENSE_PUBLIC_KEY=<64 hex digits>
//      (CMake cache variable; empty by default)
// None: the MDS refuses every license, naming these three, and the cluster
// runs in the evaluation mode.
#pragma once

#include <optional>
#include <string>

namespace pstorage::license {

struct vendor_key_setting {
  std::string hex;     // "" none configured
  std::string origin;  // "PSTORAGE_LICENSE_PUBLIC_KEY", the file's path, "the build setting"; "" none
};

// Reads the three places above (the host setting under resolve_config_dir).
vendor_key_setting configured_vendor_key();
// nullopt when `hex` is an Ed25519 public key's 64 hex digits, else why not.
std::optional<std::string> vendor_key_problem(const std::string& hex);
// What to do when no key is configured (operator-ready, names the three places).
std::string no_vendor_key_message();
// update-license's built-in KA server (-DPSTORAGE_KA_SERVER=HOST[:PORT]; "" none).
std::string built_in_ka_server();

}  // namespace pstorage::license
