// ka_client.hpp — update-license's HTTPS request to a key-authentication
// server (actors/license/ka_registry.hpp has the protocol). One translation
// unit for cpp-httplib.
#pragma once

#include <string>

namespace pstorage::cli {

// GETs a fresh license for (key_number, hwid) from https://SERVER (HOST or
// HOST:PORT, default port 443). The server's certificate is verified against
// `ca_file` (PEM), or the system's CAs when empty. Throws with the server's
// reason or the connection error; an unreachable server is named with
// `origin` (where the server setting came from: ka_server_setting.hpp).
std::string fetch_license(const std::string& server, const std::string& origin, const std::string& ca_file,
                          const std::string& key_number, const std::string& hwid);

}  // namespace pstorage::cli
