// report_command.hpp — `pstorage -c NAME make-report [-f FILE.tgz]` (guide
// "Submitting Problem Reports to Technical Support"; the archive's contents
// in docs/operations.md "make-report"). No ssh: the cluster's state comes
// from the master through the cluster's own protocol (stat, events,
// parameters, license state), each daemon's from its HTTP port (/status,
// /metrics, and its logs and configuration: POST /log and /config,
// frontends/common/log_share.hpp), and this host's configuration and daemon
// logs from its disk.
// No password, digest or key goes in (report_rules.hpp).
#pragma once

#include <optional>
#include <string>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

// file: the archive to write (default: pstorage-report-DATE-TIME.tgz in the
// current directory). Prints the file name; exit 0 when the archive was
// written, even if some node could not be reached (the report says which).
int make_report(const global_options& g, const std::optional<std::string>& file);

}  // namespace pstorage::cli
