// metrics_daemons.hpp — what each daemon's GET /metrics says, built from the
// figures it already has (docs/monitoring.md lists every metric, its labels
// and the guide's term). Pure: no clock, no I/O; the daemons' HTTP handlers
// gather the inputs and call these.
//
// - CS (pstorage-csd): its own I/O measured by actors/cs/io_stats.hpp and
//   its disk space (guide: "Monitoring Chunk Servers").
// - MDS (pstorage-mdsd): the cluster as the master's stat answer shows it
//   (ClientToMdsStat, the same answer /status and `pstorage stat` use), and
//   this MDS's own role. A follower is answered "not the master" and has no
//   cluster figures: it exports only pstorage_mds_* (the master and the
//   alert rules in deploy/monitoring/ carry the cluster's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/cs/disk_health.hpp"
#include "actors/cs/io_stats.hpp"
#include "frontends/common/metrics_text.hpp"
#include "protocol/client_mds.capnp.h"

namespace pstorage::frontend {

int64_t unix_now_s();  // the system clock, seconds since the epoch

struct cs_metrics_input {
  uint32_t cs_id = 0;  // 0 until the first registration gives one
  bool registered = false;
  std::string cluster;
  uint64_t space_bytes = 0, free_bytes = 0;  // of the repository's file system
  cs::io_figures io;                          // the last 20 s
  cs::io_totals totals;                       // since start
  // The disk under the repository and its S.M.A.R.T. verdict
  // (actors/cs/disk_health.hpp, what /status shows as `disk`); nullopt: not
  // read, no disk family exported.
  std::optional<cs::disk_health> disk;
};
void add_cs_metrics(metrics_registry& r, const cs_metrics_input& in);

// `stat`: the MDS's answer to ClientToMdsStat, or nullptr when it gave none
// (timeout). `self_id`: this MDS's id. `now_unix_s`: the wall clock, for the
// license's days left (the default reads the system clock: the daemon's call).
void add_mds_metrics(metrics_registry& r, uint32_t self_id, const std::string& cluster,
                     const proto::MdsToClientStat::Reader* stat, int64_t now_unix_s = unix_now_s());

}  // namespace pstorage::frontend
