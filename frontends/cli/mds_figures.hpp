// mds_figures.hpp — the MDS table's per-MDS figures that the master's stat
// answer does not carry (guide "Monitoring Metadata Servers"): each MDS
// measures its own %CPU, MEM, UPTIME and %CTIME and exports them on its
// /metrics (frontends/common/process_stats.hpp); stat, top and make-report
// read them from there, all MDSs at once, and add them to the stat JSON as
// mds[].process {cpu_percent, resident_bytes, uptime_s, ctime_percent}. An MDS that does
// not answer within 2 s gets none (its row shows "-").
#pragma once

#include <nlohmann/json.hpp>

namespace pstorage::cli {

void add_mds_process_figures(nlohmann::json& stat);

// The disks table of `top` (key d; guide "Monitoring Physical Disks"): each
// CS's /status "disk" (actors/cs/disk_health.hpp: DISK, SMART, TEMP,
// CAPACITY, SERIAL, MODEL), all CSs at once, added as cs[].disk. A CS that
// does not answer within 2 s gets none (its row says so). From the same
// answer, the JRMW column (io.unaligned_writes, its last 20 s) as cs[].jrmw.
void add_cs_disks(nlohmann::json& stat);

}  // namespace pstorage::cli
