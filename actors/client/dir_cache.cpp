#include "actors/client/dir_cache.hpp"

namespace pstorage::client {

void dir_cache::watch_answered(ns sent_at, ns now) {
  // A gap: the previous window closed before this answer came, so the
  // master may have forgotten us or answered changes we never saw.
  if (now >= usable_until_) reset();
  usable_until_ = sent_at + validity_;
}

void dir_cache::reset() {
  dirs_.clear();
  by_ino_.clear();
  usable_until_ = 0;
  ++generation_;
}

void dir_cache::drop_listing(uint64_t dir) {
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return;
  for (auto& [name, a] : it->second)
    if (a) by_ino_.erase(a->ino);
  dirs_.erase(it);
}

void dir_cache::invalidated(uint64_t ino) {
  drop_listing(ino);  // a directory's inode: its listing goes
  if (auto it = by_ino_.find(ino); it != by_ino_.end()) {  // a file's: its attributes go
    auto d = dirs_.find(it->second.first);
    if (d != dirs_.end())
      if (auto n = d->second.find(it->second.second); n != d->second.end()) n->second.reset();
    by_ino_.erase(it);
  }
  ++generation_;
}

void dir_cache::attr_drop(uint64_t ino) { invalidated(ino); }

std::optional<uint64_t> dir_cache::begin(ns now) const {
  if (!usable(now)) return std::nullopt;
  return generation_;
}

bool dir_cache::listed(uint64_t dir, const std::vector<std::string>& names, uint64_t token, ns now) {
  if (token != generation_ || !usable(now)) return false;
  if (names.size() > max_names_) return false;
  if (!dirs_.count(dir) && dirs_.size() >= max_dirs_) return false;
  drop_listing(dir);
  auto& l = dirs_[dir];
  for (auto& n : names) l.emplace(n, std::nullopt);
  return true;
}

void dir_cache::added(uint64_t dir, const std::string& name) {
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return;
  if (it->second.size() >= max_names_) {
    drop_listing(dir);
    return;
  }
  auto& slot = it->second[name];
  if (slot) by_ino_.erase(slot->ino);  // renamed over: the old file's attributes go
  slot.reset();
}

void dir_cache::removed(uint64_t dir, const std::string& name) {
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return;
  auto n = it->second.find(name);
  if (n == it->second.end()) return;
  if (n->second) by_ino_.erase(n->second->ino);
  it->second.erase(n);
}

void dir_cache::forget(uint64_t dir) { drop_listing(dir); }

dir_cache::known dir_cache::answer(uint64_t dir, const std::string& name, ns now) const {
  if (!usable(now)) return known::unknown;
  auto it = dirs_.find(dir);
  if (it == dirs_.end() || it->second.count(name)) return known::unknown;
  return known::absent;
}

bool dir_cache::attr_adopt(uint64_t dir, const std::string& name, const file_attr& a, uint64_t token, ns now) {
  if (token != generation_ || !usable(now) || a.is_dir || !a.ino) return false;
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return false;
  auto n = it->second.find(name);
  if (n == it->second.end()) return false;  // the listing does not name it: not ours to keep
  if (auto old = by_ino_.find(a.ino); old != by_ino_.end() && old->second != std::make_pair(dir, name)) {
    auto d = dirs_.find(old->second.first);
    if (d != dirs_.end())
      if (auto o = d->second.find(old->second.second); o != d->second.end()) o->second.reset();
  }
  if (n->second && n->second->ino != a.ino) by_ino_.erase(n->second->ino);
  n->second = a;
  by_ino_[a.ino] = {dir, name};
  return true;
}

std::optional<file_attr> dir_cache::present(uint64_t dir, const std::string& name, ns now) const {
  if (!usable(now)) return std::nullopt;
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return std::nullopt;
  auto n = it->second.find(name);
  if (n == it->second.end()) return std::nullopt;
  return n->second;
}

}  // namespace pstorage::client
