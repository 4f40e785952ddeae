// mds_figures.hpp — the MDS table's per-MDS figures that the master's stat
// answer does not carry (guide "Monitoring Metadata Servers"): each MDS
// measures its own %CPU, MEM and UPTIME and exports them on its /metrics
// (frontends/common/process_stats.hpp); stat, top and make-report read them
// from there, all MDSs at once, and add them to the stat JSON as
// mds[].process {cpu_percent, resident_bytes, uptime_s}. An MDS that does
// not answer within 2 s gets none (its row shows "-").
#pragma once

#include <nlohmann/json.hpp>

namespace pstorage::cli {

void add_mds_process_figures(nlohmann::json& stat);

}  // namespace pstorage::cli
