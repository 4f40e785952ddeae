// stat_view.hpp — the cluster overview of `pstorage stat` and every daemon's
// GET /status, built from the MDS's stat answer. One JSON shape for
// `stat --json` and HTTP; the text form follows the guide's `pstorage top`
// excerpts (guide: "Monitoring General Cluster Parameters", "Monitoring
// Metadata Servers", "Monitoring Chunk Servers"). The JSON keys are
// documented in docs/operations.md ("stat --json and /status"); add keys,
// never rename or drop them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "protocol/client_mds.capnp.h"

namespace pstorage::frontend {

nlohmann::json stat_to_json(proto::MdsToClientStat::Reader stat);
std::string stat_to_text(const nlohmann::json& stat);
// The license object of stat --json (and of mds_client::license).
nlohmann::json license_to_json(proto::LicenseState::Reader l);
// The guide's header line ("Monitoring General Cluster Parameters"):
// "License: PCSS.02444715.0000 is ACTIVE, 6399TB capacity"; without a
// license "License: none (evaluation mode), 100GB capacity".
std::string license_line(const nlohmann::json& license);
std::string human_bytes(uint64_t bytes);
// "42s", "3m  5s", "2h  7m", "17d  6h" (the guide's UPTIME style).
std::string human_duration_ms(uint64_t ms);

}  // namespace pstorage::frontend
