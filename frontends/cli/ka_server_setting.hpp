// ka_server_setting.hpp — which key-authentication (KA) server
// `pstorage update-license` asks (guide "Updating the License": "By default,
// pstorage obtains a new license from the default KA server"; docs/licensing.md
// "update-license and the KA server"). Pure: the caller reads the
// environment and the file.
//
// First match:
//   1. --server HOST[:PORT]
//   2. $PSTORAGE_KA_SERVER
//   3. the host setting CONFIG/ka_server (default /etc/pstorage/ka_server;
//      persistence/host_config.hpp setting())
//   4. the build setting -DPSTORAGE_KA_SERVER=HOST[:PORT] (CMake cache
//      variable, actors/license/vendor_key.cpp; empty by default)
// None: nullopt; the caller says all four ways.
#pragma once

#include <optional>
#include <string>

namespace pstorage::cli {

struct ka_server_choice {
  std::string server;  // HOST[:PORT]
  std::string origin;  // where it came from, for messages: "--server", "$PSTORAGE_KA_SERVER", the file, "the build default"
};

inline std::string ka_trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") + 1 - b);
}

// `config_value`: host_config::setting("ka_server") (nullopt: none),
// `config_path` its file, named in messages.
inline std::optional<ka_server_choice> choose_ka_server(const std::string& flag, const char* env,
                                                        const std::optional<std::string>& config_value,
                                                        const std::string& config_path,
                                                        const std::string& build_default) {
  if (!ka_trim(flag).empty()) return ka_server_choice{ka_trim(flag), "--server"};
  if (env && !ka_trim(env).empty()) return ka_server_choice{ka_trim(env), "$PSTORAGE_KA_SERVER"};
  if (config_value && !ka_trim(*config_value).empty()) return ka_server_choice{ka_trim(*config_value), config_path};
  if (!ka_trim(build_default).empty()) return ka_server_choice{ka_trim(build_default), "the build default"};
  return std::nullopt;
}

// The message when no server is configured anywhere.
inline std::string no_ka_server_message(const std::string& config_path) {
  return "no KA server configured: give --server HOST[:PORT], set PSTORAGE_KA_SERVER, or write HOST[:PORT] to " +
         config_path + " (docs/licensing.md)";
}

}  // namespace pstorage::cli
