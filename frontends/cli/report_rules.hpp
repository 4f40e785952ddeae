// report_rules.hpp — the pure part of `pstorage -c NAME make-report [-f
// FILE.tgz]` (guide "Submitting Problem Reports to Technical Support";
// docs/operations.md "make-report"): the archive's default name, which
// nodes are asked for their status, and the redaction every text passes
// before it is written. No I/O here: frontends/cli/report_command.cpp
// gathers and writes.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pstorage::cli {

// "pstorage-report-20121023-090630.tgz" (local time; the guide's example).
std::string default_report_name(std::time_t now);

// A daemon whose HTTP /status and /metrics the report fetches.
struct report_node {
  std::string name;  // "mds-1", "cs-1025": its directory in the archive
  std::string host;  // from its cluster address
  uint16_t http_port = 0;
};
// Every MDS and every CS the stat answer (stat_to_json) lists with an HTTP
// port, MDSs first; dropped CSs are skipped.
std::vector<report_node> report_nodes(const nlohmann::json& stat);

// Which configuration files may go in: frontends/common/log_share.hpp
// (config_file_allowed), the one whitelist for this host's files and for
// every daemon's answer.

// The forms in which this host's credentials could appear in a text: the
// digest and salt in hex (both cases) and the whole auth_digest.key line.
// `auth_key_file`: that file's contents ("" when none).
std::vector<std::string> secret_forms(const std::string& auth_key_file);

// `text` with every occurrence of a secret form replaced by "[REDACTED]",
// any PEM private key block ("-----BEGIN ... PRIVATE KEY-----" to its END
// line) replaced by "[REDACTED KEY]", and any "password" value in a
// "password=..." / "password: ..." pair blanked. Applied to every file the
// report writes (a safety net: nothing the report asks for carries them).
std::string redact(const std::string& text, const std::vector<std::string>& secrets);

}  // namespace pstorage::cli
