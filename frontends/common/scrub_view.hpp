// scrub_view.hpp — what `pstorage scrub status`, `stat` and `top` print about
// scrubbing (issue 16; guide "Configuring Data Scrubbing"): per CS its state,
// progress, rate, ETA, bad replicas found and last completed run, from the
// figures each CS reports in its heartbeat (common.capnp ScrubProgress,
// stat's cs[i].scrub). Pure: no clock; the rate and ETA come from the
// run's own elapsed time through the progress helpers rm-cs --wait and
// top's replication line use (progress_rate.hpp).
//
// Contract (unit test scrub_view_test):
//  * percent = chunks done / total (100 for a completed run of 0 chunks);
//  * rate/ETA only while running and once a chunk is done and a second has
//    passed (never a negative or infinite one): chunks/s = done / elapsed,
//    ETA = chunks left / that rate;
//  * scrub_line(): "" when no CS runs an on-demand scrub; otherwise the sum
//    over the running CSs, the slowest ETA, and it fits 80 columns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/common.capnp.h"

namespace pstorage::frontend {

// CsInfo.scrub as stat --json prints it (docs/monitoring.md "Scrubbing").
nlohmann::json scrub_to_json(proto::ScrubProgress::Reader s);

struct scrub_cs_view {
  std::string state = "idle";
  uint64_t chunks_done = 0, chunks_total = 0, bad_found = 0;
  double percent = 0;
  std::optional<double> chunks_per_s, bytes_per_s, eta_s;
  int64_t last_completed_ns = 0;
  uint64_t last_cycle_ms = 0;
};
// From one CS's "scrub" object of the stat JSON.
scrub_cs_view scrub_view_of(const nlohmann::json& scrub);

// `scrub status --json`: [{id, state, percent, chunks_done, chunks_total,
// bytes_done, bytes_total, bad_found, started_ns, elapsed_ms,
// last_completed_ns, last_cycle_ms, chunks_per_s?, bytes_per_s?, eta_s?}].
nlohmann::json scrub_status_json(const nlohmann::json& stat);
// `scrub status`: a header and one line per CS.
std::vector<std::string> scrub_status_lines(const nlohmann::json& stat);
// stat/top header: "Scrubbing: 2 running, 45% (120/260 chunks), 5.0 chunks/s, ETA 30s, 1 bad".
std::string scrub_line(const nlohmann::json& stat);

}  // namespace pstorage::frontend
