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
  usable_until_ = 0;
  ++generation_;
}

void dir_cache::invalidated(uint64_t dir) {
  dirs_.erase(dir);
  ++generation_;
}

std::optional<uint64_t> dir_cache::begin(ns now) const {
  if (!usable(now)) return std::nullopt;
  return generation_;
}

bool dir_cache::listed(uint64_t dir, const std::vector<std::string>& names, uint64_t token, ns now) {
  if (token != generation_ || !usable(now)) return false;
  if (names.size() > max_names_) return false;
  if (!dirs_.count(dir) && dirs_.size() >= max_dirs_) return false;
  dirs_[dir] = std::set<std::string>(names.begin(), names.end());
  return true;
}

void dir_cache::added(uint64_t dir, const std::string& name) {
  auto it = dirs_.find(dir);
  if (it == dirs_.end()) return;
  if (it->second.size() >= max_names_) {
    dirs_.erase(it);
    return;
  }
  it->second.insert(name);
}

void dir_cache::removed(uint64_t dir, const std::string& name) {
  auto it = dirs_.find(dir);
  if (it != dirs_.end()) it->second.erase(name);
}

void dir_cache::forget(uint64_t dir) { dirs_.erase(dir); }

dir_cache::known dir_cache::answer(uint64_t dir, const std::string& name, ns now) const {
  if (!usable(now)) return known::unknown;
  auto it = dirs_.find(dir);
  if (it == dirs_.end() || it->second.count(name)) return known::unknown;
  return known::absent;
}

}  // namespace pstorage::client
