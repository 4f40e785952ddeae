// log_share.hpp — a daemon's log tails and configuration for `pstorage
// make-report` (issue 16: "configs, logs ... gathered from every reachable node through the cluster's own
// protocol (no ssh)"; docs/operations.md "make-report").
//   POST /log {"cluster", "time", "proof"} -> {"files": [{"name", "bytes", "text"}]}
// on every daemon's HTTP status port. `proof` is hex HMAC-SHA256(digest,
// "pstorage-log\n" + cluster + "\n" + time) with the cluster's auth digest
// (auth_digest.key, held by every authenticated host): only a host that
// passed auth-node can ask; the digest itself never travels. `time` (seconds
// since the epoch) must be within max_skew_s of the daemon's clock, so a
// captured request stops working after that. The answer is plain HTTP like
// /status: the CLI redacts secrets from it before it goes into a report
// (report_rules.hpp), and a daemon's log holds no password or digest.
//
//   POST /config {"cluster", "time", "proof"} (the same body and the same
//   check) -> {"files": [{"name", "bytes", "text"}], "repository": {...}}
// is the daemon's configuration: the files of its host's configuration
// directory that may leave the host (config_file_allowed: the one whitelist,
// also used by the CLI for this host's files and to filter every answer) and
// its repository's settings as the daemon read them from its database
// (mds.db / cs.db: the repository holds no other configuration), with the
// names and sizes of the repository's top-level entries. Never a key file,
// a database or its contents.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pstorage::frontend::log_share {

inline constexpr const char* path = "/log";
inline constexpr const char* config_path = "/config";
inline constexpr int64_t max_skew_s = 300;
inline constexpr uintmax_t tail_bytes = 2u << 20;  // the last 2 MiB of each log file
inline constexpr size_t max_files = 8;

// Seconds since the epoch on this host's clock.
int64_t now_s();

// Client side: the request body for `cluster` at `now_s`.
nlohmann::json request(const std::string& digest, const std::string& cluster, int64_t now_s);

// Server side: nullopt when the request is good, else why not (answered 403).
std::optional<std::string> check(const nlohmann::json& body, const std::string& digest,
                                 const std::string& cluster, int64_t now_s);

// The last `per_file` bytes of each *.log file in `dir` (at most max_files,
// by name), as {"files": [{"name", "bytes" (the file's size), "text"}]}.
nlohmann::json tails(const std::filesystem::path& dir, uintmax_t per_file = tail_bytes);

// The whole POST handler: (HTTP status, JSON body); the text of invalid
// UTF-8 is replaced, never refused.
std::pair<int, std::string> answer(const std::string& body, const std::string& digest, const std::string& cluster,
                                   const std::filesystem::path& log_dir, int64_t now_s);

// The configuration files of a host that may go into a report, relative to
// the configuration root: host_id, location, services and
// clusters/CLUSTER/bs.list. Nothing else (auth_digest.key, node.key, the CA,
// license files, anything unknown) ever leaves the host.
std::vector<std::string> config_whitelist(const std::string& cluster);
bool config_file_allowed(const std::string& relative_path, const std::string& cluster);

inline constexpr uintmax_t config_file_bytes = 1u << 20;  // the first 1 MiB of each
// The whitelisted files present under `root` (regular files, not symlinks),
// as {"files": [{"name" (relative, '/'-separated), "bytes", "text"}]}.
nlohmann::json config_files(const std::filesystem::path& root, const std::string& cluster);

inline constexpr size_t max_repo_entries = 64;
// `settings` (what the daemon read from its repository's database, never
// its digest) with "path" and "entries": the names, kinds and sizes of the
// repository's top-level entries (by name, at most max_repo_entries), no
// contents.
nlohmann::json repository(const std::filesystem::path& repo, nlohmann::json settings);

// The whole POST /config handler: (HTTP status, JSON body).
std::pair<int, std::string> config_answer(const std::string& body, const std::string& digest,
                                          const std::string& cluster, const std::filesystem::path& config_root,
                                          const std::filesystem::path& repo, const nlohmann::json& settings,
                                          int64_t now_s);

}  // namespace pstorage::frontend::log_share
