// node_table.hpp — what the kernel knows of the namespace (FUSE low-level
// API): for every inode it looked up, its parent inode, its name and the
// kernel's lookup count. The MDS's namespace operations take paths; the
// table turns (parent inode, name) into one. Every operation on an open file
// goes by inode and never needs a path, so an unlinked open file keeps
// working (read, write, fstat, ftruncate, fsync) until its last close.
//
// Contract:
//  * learned() for every entry the kernel was given (lookup, create, mkdir):
//    +1 lookup; forget() takes them back and drops the inode at 0 (the root
//    is never dropped). No hard links: one name per inode; a newer name
//    replaces an older one (renamed on another mount).
//  * removed()/renamed() mirror successful unlink/rmdir/rename: a removed
//    name stays known by inode (for I/O) but has no path any more.
//  * path() is nullopt for an unknown inode or one whose name (or an
//    ancestor's) was removed: the caller answers ESTALE/ENOENT.
//  * Pure, not thread-safe (the caller holds its lock).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace pstorage::client {

class node_table {
 public:
  static constexpr uint64_t root = 1;  // FUSE_ROOT_ID == the MDS's root inode

  void learned(uint64_t parent, const std::string& name, uint64_t ino);
  void forget(uint64_t ino, uint64_t lookups);
  void removed(uint64_t parent, const std::string& name);
  void renamed(uint64_t parent, const std::string& name, uint64_t new_parent, const std::string& new_name);

  std::optional<std::string> path(uint64_t ino) const;
  std::optional<std::string> child_path(uint64_t parent, const std::string& name) const;
  size_t size() const { return nodes_.size(); }

 private:
  struct node {
    uint64_t parent = 0;
    std::string name;
    uint64_t lookups = 0;
    bool linked = true;
  };
  void unlink_name(uint64_t ino);
  std::unordered_map<uint64_t, node> nodes_;
  std::map<std::pair<uint64_t, std::string>, uint64_t> by_name_;
};

}  // namespace pstorage::client
