#include "actors/client/node_table.hpp"

namespace pstorage::client {

void node_table::unlink_name(uint64_t ino) {
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || !it->second.linked) return;
  auto k = by_name_.find({it->second.parent, it->second.name});
  if (k != by_name_.end() && k->second == ino) by_name_.erase(k);
  it->second.linked = false;
}

void node_table::learned(uint64_t parent, const std::string& name, uint64_t ino) {
  if (ino == root) return;
  auto& n = nodes_[ino];
  n.lookups++;
  if (n.linked && n.parent == parent && n.name == name && n.lookups > 1) return;
  unlink_name(ino);  // its old name, if any
  if (auto k = by_name_.find({parent, name}); k != by_name_.end() && k->second != ino) unlink_name(k->second);
  n.parent = parent;
  n.name = name;
  n.linked = true;
  by_name_[{parent, name}] = ino;
}

void node_table::forget(uint64_t ino, uint64_t lookups) {
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return;
  if (it->second.lookups > lookups) {
    it->second.lookups -= lookups;
    return;
  }
  unlink_name(ino);
  nodes_.erase(it);
}

void node_table::removed(uint64_t parent, const std::string& name) {
  auto k = by_name_.find({parent, name});
  if (k != by_name_.end()) unlink_name(k->second);
}

void node_table::renamed(uint64_t parent, const std::string& name, uint64_t new_parent,
                         const std::string& new_name) {
  auto k = by_name_.find({parent, name});
  if (k == by_name_.end()) {
    removed(new_parent, new_name);  // the target name now belongs to an inode we never saw
    return;
  }
  const uint64_t ino = k->second;
  by_name_.erase(k);
  if (auto t = by_name_.find({new_parent, new_name}); t != by_name_.end() && t->second != ino)
    unlink_name(t->second);  // replaced
  auto& n = nodes_[ino];
  n.parent = new_parent;
  n.name = new_name;
  n.linked = true;
  by_name_[{new_parent, new_name}] = ino;
}

std::optional<std::string> node_table::path(uint64_t ino) const {
  std::string out;
  for (int depth = 0; ino != root; ++depth) {
    auto it = nodes_.find(ino);
    if (it == nodes_.end() || !it->second.linked || depth > 4096) return std::nullopt;
    out = "/" + it->second.name + out;
    ino = it->second.parent;
  }
  return out.empty() ? "/" : out;
}

std::optional<std::string> node_table::child_path(uint64_t parent, const std::string& name) const {
  auto p = path(parent);
  if (!p) return std::nullopt;
  return (*p == "/" ? "" : *p) + "/" + name;
}

}  // namespace pstorage::client
