#include "actors/license/vendor_key.hpp"

#include <cctype>
#include <cstdlib>

#include "persistence/host_config.hpp"

#ifndef PSTORAGE_LICENSE_PUBLIC_KEY
#define PSTORAGE_LICENSE_PUBLIC_KEY ""
#endif
#ifndef PSTORAGE_KA_SERVER
#define PSTORAGE_KA_SERVER ""
#endif

namespace pstorage::license {

namespace {
std::string key_file() {
  return persistence::host_config(persistence::resolve_config_dir(std::nullopt)).setting_path("license_public_key");
}
}  // namespace

vendor_key_setting configured_vendor_key() {
  if (const char* env = std::getenv("PSTORAGE_LICENSE_PUBLIC_KEY"); env && *env)
    return {env, "PSTORAGE_LICENSE_PUBLIC_KEY"};
  persistence::host_config host(persistence::resolve_config_dir(std::nullopt));
  if (auto v = host.setting("license_public_key")) return {*v, key_file()};
  if (*PSTORAGE_LICENSE_PUBLIC_KEY) return {PSTORAGE_LICENSE_PUBLIC_KEY, "the build setting PSTORAGE_LICENSE_PUBLIC_KEY"};
  return {};
}

std::optional<std::string> vendor_key_problem(const std::string& hex) {
  if (hex.size() != 64) return "it has " + std::to_string(hex.size()) + " characters, not the 64 hex digits of an Ed25519 public key";
  for (char c : hex)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::string("it has a character that is not a hex digit");
  return std::nullopt;
}

std::string no_vendor_key_message() {
  return "this MDS has no vendor key to verify licenses with: set PSTORAGE_LICENSE_PUBLIC_KEY for pstorage-mdsd, "
         "write the key (64 hex digits, 'pstorage-license-tool pubkey') to " + key_file() +
         ", or build with -DPSTORAGE_LICENSE_PUBLIC_KEY (docs/licensing.md)";
}

std::string built_in_ka_server() { return PSTORAGE_KA_SERVER; }

}  // namespace pstorage::license
