// mountinfo.hpp — finding the pstorage mount a path lies on (guide
// "Configuring Replication Parameters": `pstorage get-attr /pstorage/pcs1`
// works on a mounted path). Mounts made by pstorage-mount show in
// /proc/self/mountinfo with file-system type "fuse.pstorage" and source
// "pstorage://NAME". Pure: the caller reads the file and normalizes the path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pstorage::client {

struct pstorage_mount {
  std::string mount_point;  // absolute, unescaped
  std::string cluster;
  bool operator==(const pstorage_mount&) const = default;
};

// Every fuse.pstorage mount listed in mountinfo text, in file order.
std::vector<pstorage_mount> parse_mountinfo(std::string_view text);

struct located_path {
  pstorage_mount mount;
  std::string cluster_path;  // absolute path inside the cluster, "/" for the root
};

// The mount holding `abs_path` (absolute, normalized, no trailing '/'): the
// longest mount point that is the path or a parent of it. Later entries in
// mountinfo win over earlier ones for the same mount point (over-mounts).
std::optional<located_path> locate_path(const std::vector<pstorage_mount>& mounts, const std::string& abs_path);

// Undoes mountinfo's octal escapes ("\040" for a space).
std::string unescape_mountinfo(std::string_view s);

}  // namespace pstorage::client
