// vendor_key.hpp — the Ed25519 public key licenses are verified with
// (docs/licensing.md "The vendor key"): the environment variable
// PSTORAGE_LICENSE_PUBLIC_KEY of the MDS process if set, else the build
// setting -DPSTORAGE_LICENSE_PUBLIC_KEY=<64 hex digits> (CMake cache
// variable; empty by default: such an MDS accepts no license and runs in the
// evaluation mode).
#pragma once

#include <string>

namespace pstorage::license {

std::string configured_vendor_key();

}  // namespace pstorage::license
