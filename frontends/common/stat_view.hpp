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
#include <vector>

#include "actors/mds/allocatable_space.hpp"
#include "protocol/client_mds.capnp.h"

namespace pstorage::frontend {

nlohmann::json stat_to_json(proto::MdsToClientStat::Reader stat);
// The Space line's "allocatable A of B" (guide "Understanding allocatable
// disk space"; actors/mds/allocatable_space.hpp) from a stat answer: its
// active CSs, the root's replication norm, the license. The answer carries
// neither the root's failure domain nor mds.alloc.fill_margin /
// free_space_margin, so their defaults are used (host; 5 %, 256 MiB).
mds::allocatable_space stat_allocatable(proto::MdsToClientStat::Reader stat);
std::string stat_to_text(const nlohmann::json& stat);
// The license object of stat --json (and of mds_client::license).
nlohmann::json license_to_json(proto::LicenseState::Reader l);
// The guide's header line ("Monitoring General Cluster Parameters"):
// "License: PCSS.02444715.0000 is ACTIVE, 6399TB capacity"; without a
// license "License: none (evaluation mode), 100GB capacity".
std::string license_line(const nlohmann::json& license);
std::string human_bytes(uint64_t bytes);
// "1.5MB/s" (the guide's IO line and READ/WRITE columns).
std::string human_rate(uint64_t bytes_per_s);
// The guide's IO header line ("Monitoring General Cluster Parameters"):
// "IO:        read 1.5MB/s (  12ops/s), write 0B/s (   0ops/s)" from the
// stat JSON's "io" object (zeros when absent).
std::string io_line(const nlohmann::json& io);
// The guide's "Replication:  3 norm,  2 limit" (the root directory's
// replicas, what new files inherit); "" when not known.
std::string replication_line(const nlohmann::json& stat);
// While repair copies run or wait: "Replicating: 1 running, 4 queued, 64MB
// copied", and with the rates `pstorage top` measures between its answers
// (replication.bytes_per_s, chunks_per_s, rate_known, eta_s; cli/top_screen.hpp
// add_progress_rates) instead of the bytes copied: "Replicating: 1 running,
// 4 queued, 12.0MB/s, 2.0 chunks/s, ETA 3s" ("ETA -" while no chunk finished
// in the last 20 s). "" when idle.
std::string replication_work_line(const nlohmann::json& stat);
// While rebalancing moves run: "Rebalancing: 2 running, 14 chunks moved",
// with top's rebalance.chunks_per_s ", 1.5 chunks/s". "" when idle.
std::string rebalancing_line(const nlohmann::json& stat);
// The guide's FS line ("Viewing space occupied by data chunks"): "FS:  1.0GB
// in 51 files, 51 inodes, 38 chunks, 76 chunk replicas"; the data size is
// the logical space of data chunks, without replicas.
std::string fs_line(const nlohmann::json& stat);
// The header of `stat` and `top`: the no-master warning (if any), Cluster,
// Space, MDS nodes, CS nodes, License, Replication (and Replicating while
// repair runs), IO, Chunks (three lines), and Rebalancing while it runs. One line per element.
std::vector<std::string> stat_header_lines(const nlohmann::json& stat);

// The MDS table (guide "Monitoring Metadata Servers": "M" marks the master;
// MDSID STATUS %CTIME COMMITS %CPU MEM UPTIME HOST, `wide` adds LAG ACK).
std::string mds_table_header(bool wide = false);
std::string mds_table_row(const nlohmann::json& mds, bool have_master, bool wide = false);

// The CS table's column sets (guide "Monitoring Chunk Servers"). `stat`
// prints every column; `pstorage top` starts with `io` (the guide's table,
// FLAGS before HOST so a long host name is what an 80-column screen cuts)
// and its `i` key cycles io -> rates -> placement -> io.
enum class cs_columns { stat, io, rates, placement };
const char* to_string(cs_columns set);
cs_columns next_cs_columns(cs_columns set);  // the `i` key (never `stat`)
std::string cs_table_header(cs_columns set);
std::string cs_table_row(const nlohmann::json& cs, cs_columns set);

// The clients table (guide "Monitoring Clients"): CLID, LEASES (open files,
// time-average), READ, WRITE, RD_OPS, WR_OPS, FSYNCS, IOLAT avg/max ms, HOST
// over each mount's last 20 s, from the stat JSON's "clients" entries.
std::string client_table_header();
std::string client_table_row(const nlohmann::json& client);

// One event of get-event (mds_client::events): "TIME SYS SEV MESSAGE", the
// guide's event table ("Monitoring Event Logs"); TIME in local time.
std::string event_line(const nlohmann::json& event);
// "42s", "3m  5s", "2h  7m", "17d  6h" (the guide's UPTIME style).
std::string human_duration_ms(uint64_t ms);

}  // namespace pstorage::frontend
