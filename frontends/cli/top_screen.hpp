// top_screen.hpp — the screen of `pstorage top` (guide: "Monitoring Parallels
// Cloud Storage Clusters" and its subsections) as a pure function: from the
// stat answer (stat_to_json), the latest events (mds_client::events) and the
// view state (the keys pressed so far) to the lines of a width x height
// screen. No terminal, no network: top_command.cpp draws the lines with
// ncurses once a second, or prints them once when stdout is not a terminal.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "frontends/common/progress_rate.hpp"
#include "frontends/common/stat_view.hpp"

namespace pstorage::cli {

struct top_view {
  enum class screen { main, help, events, topology, disks };
  screen shown = screen::main;
  bool verbose = false;                                     // `v`
  bool data_space = false;                                  // `V`: space occupied by data chunks
  frontend::cs_columns columns = frontend::cs_columns::io;  // `i` cycles
};

// What one refresh fetched; `error` set when the stat request failed.
struct top_input {
  nlohmann::json stat;                                    // stat_to_json, or null
  nlohmann::json events = nlohmann::json::array();        // oldest first
  std::string error;
};

// The `w` screen: the CSs by location (room.row.rack) and host, each line
// with its CS ids, space and free space of the active ones, and a total per
// location (guide: "To view the current services topology and disk space
// available per location, run the pstorage top command and press w").
std::vector<std::string> topology_lines(const nlohmann::json& stat);

// The `d` screen (guide "Monitoring Physical Disks"): one line per CS with
// the disk under its repository from cs[].disk (cli/mds_figures.hpp
// add_cs_disks): CSID DISK SMART TEMP CAPACITY SERIAL MODEL HOST; SMART is
// "unknown" where smartctl is missing, "-" where the CS did not answer.
std::vector<std::string> disk_lines(const nlohmann::json& stat);
// The main screen's "SMART warning" line, "" when every known disk is OK.
std::string smart_warning_line(const nlohmann::json& stat);

// COMMITS of the MDS table: for each MDS in `now` also in `before` (stat
// answers `seconds` apart), the journal entries it took per second
// (match_index growth) as mds[].commits_per_s. Nothing when seconds <= 0.
void add_commit_rates(nlohmann::json& now, const nlohmann::json& before, double seconds);

// The progress of long work across refreshes (guide: replication and
// rebalancing as `top` shows them): the repair chunks left (queued +
// running), the bytes copied and the chunks moved, each over its last 20 s.
struct top_progress {
  frontend::progress_rate repair_left;
  frontend::counter_rate copied_bytes, moved_chunks;
};
// Feeds `p` with the answer taken at `t_s` and writes the rates into it:
// replication.{bytes_per_s, chunks_per_s, eta_s, rate_known} (rate_known once
// two answers a second apart were seen; eta_s only while chunks finish) and
// rebalance.chunks_per_s, for stat_header_lines to print.
void add_progress_rates(nlohmann::json& stat, top_progress& p, double t_s);

// Applies a key to the view; false when the key quits (`q`). Keys the guide
// names: h / ? help, v verbose, V space occupied by data chunks, i CS column sets, e events, w topology and
// space per location (guide "Failure Domain Topology"), d disks, q quit; any other
// key (and Esc) returns to the main screen.
bool apply_top_key(top_view& view, int key);

// At most `height` lines, none longer than `width` bytes; the last line is
// the key hint. Sections that do not fit are cut with "... N more".
std::vector<std::string> render_top(const top_input& in, const top_view& view, size_t width, size_t height);

}  // namespace pstorage::cli
