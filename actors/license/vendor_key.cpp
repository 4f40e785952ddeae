#include "actors/license/vendor_key.hpp"

#include <cstdlib>

#ifndef PSTORAGE_LICENSE_PUBLIC_KEY
#define PSTORAGE_LICENSE_PUBLIC_KEY ""
#endif

namespace pstorage::license {

std::string configured_vendor_key() {
  if (const char* env = std::getenv("PSTORAGE_LICENSE_PUBLIC_KEY"); env && *env) return env;
  return PSTORAGE_LICENSE_PUBLIC_KEY;
}

}  // namespace pstorage::license
