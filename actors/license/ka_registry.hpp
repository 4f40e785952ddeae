// ka_registry.hpp — the reference key-authentication (KA) server's decision
// (guide "Updating the License": `pstorage update-license [--server HOST]`
// "connects to the ... Key Authentication (KA) server, retrieves a new
// license ... and installs it"). Pure: the registry, the request and the
// time in, the license to sign or the refusal out (frontends/ka-server/
// does the HTTPS and the signing).
//
// Protocol: GET /pstorage/v1/license?key_number=PCSS.XXXXXXXX.XXXX&hwid=HWID
// over HTTPS. The key number authenticates the request (it is registered to
// one cluster); the answer is the license file (text/plain), or an HTTP error
// with a one-line reason: 400 malformed request, 404 unknown key number,
// 403 key registered to another cluster.
//
// Registry (JSON object, by key number):
//   {"PCSS.00000001.0001": {"hwid": "XXXX....", "capacity": "500", "replicas": 5,
//     "gracecapacity": 5, "graceperiod": 3600, "days": 365,
//     "autorecovery": 1, "autorebalance": 1, "snapshots": 1}}
// A renewal starts now and ends `days` later.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "actors/license/license_doc.hpp"

namespace pstorage::license {

inline constexpr const char* ka_license_path = "/pstorage/v1/license";

struct ka_refusal {
  int http_status = 400;
  std::string reason;
};

std::variant<license_doc, ka_refusal> ka_renewal(const nlohmann::json& registry, const std::string& key_number,
                                                 const std::string& hwid, int64_t now);

}  // namespace pstorage::license
