// metrics_mount.hpp — what pstorage-mount's GET /status and GET /metrics say
// (issue 16; docs/monitoring.md "A mount's /status and /metrics"): the same
// figures the mount reports to the master with every Watch for the clients
// table (actors/client/client_io.hpp: op rates, latency, fsyncs, bytes
// read/written, open files = LEASES over the last 20 s), plus which cluster,
// mount point and master MDS it serves. Pure: the mount's HTTP handler
// gathers the inputs.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/client/client_io.hpp"
#include "frontends/common/metrics_text.hpp"

namespace pstorage::frontend {

struct mount_metrics_input {
  std::string cluster, client_id, mount_point;
  uint32_t master_id = 0;  // MDS#N it talks to, 0: none known now
  client::client_io_figures io;
};

// {"role":"mount", cluster, client_id, mount_point, master_mds_id, io:{...}}
// (units as in stat's clients table, docs/monitoring.md).
nlohmann::json mount_status_json(const mount_metrics_input& in);
// pstorage_mount_* families.
void add_mount_metrics(metrics_registry& r, const mount_metrics_input& in);

}  // namespace pstorage::frontend
