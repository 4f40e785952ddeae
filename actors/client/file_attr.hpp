// file_attr.hpp — a file's or directory's attributes as the MDS answers
// them (FileAttr of protocol/client_mds.capnp), for the session
// (session.hpp) and the mount's directory cache (dir_cache.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace pstorage::client {

struct repl_view {
  uint32_t replicas = 1, min_replicas = 1, tier = 0;
  std::string failure_domain = "host";
};

struct file_attr {
  uint64_t ino = 0;
  bool is_dir = false;
  uint64_t size = 0;
  uint32_t mode = 0;
  int64_t atime_ns = 0, mtime_ns = 0, ctime_ns = 0;
  uint32_t nlink = 1;
  repl_view repl;
};

}  // namespace pstorage::client
