// mount_options.hpp — the command line of pstorage-mount (guide "Mounting the
// Cluster"). Two forms:
//   pstorage-mount -c NAME MOUNTPOINT [-f] [--fail-on-nospace] [--config-dir DIR] [-o OPTS] [-d] [-l FILE]
//                  [--http-port N]
//   pstorage-mount pstorage://NAME MOUNTPOINT [-o OPTS] [-n] [-s] [-v]
// the second being how mount(8) runs a helper for the fstab line
//   pstorage://pcs1 /pstorage/pcs1 fuse.pstorage rw,nosuid,nodev 0 0
// (a bare NAME source is accepted too). Pure parsing: no file system access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pstorage::client {

struct mount_request {
  std::string cluster;
  std::string mount_point;
  bool foreground = false;       // -f
  bool debug = false;            // -d: FUSE debug output (implies -f)
  bool fail_on_nospace = false;  // --fail-on-nospace or -o fail-on-nospace
  std::optional<std::string> config_dir;
  std::optional<std::string> log_file;  // -l FILE: log here (default: stderr, none when daemonized)
  uint16_t http_port = 0;  // --http-port N: GET /status, /metrics on 127.0.0.1:N (0: any free port, logged)
  std::vector<std::string> fuse_options;  // mount options passed to FUSE, filtered
  std::vector<std::string> ignored;       // options understood but without effect here
  bool help = false;
};

struct mount_parse_result {
  std::optional<mount_request> request;
  std::string error;  // when !request: operator-ready message
};

mount_parse_result parse_mount_args(const std::vector<std::string>& args);

// Splits "a,b=c,d" into options and sorts them into FUSE options (kernel
// mount flags FUSE understands), pstorage options (fail-on-nospace) and
// options that only mean something to mount(8)/fstab (noauto, _netdev, ...).
// Returns an error for an option nobody knows.
std::optional<std::string> apply_mount_options(const std::string& list, mount_request& r);

std::string mount_usage();

}  // namespace pstorage::client
