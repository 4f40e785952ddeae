// dir_cache.hpp — the names of directories a mount holds under the master's
// directory watch, so that a LOOKUP of a name that is absent (every create
// starts with one) is answered without an MDS round trip
// (docs/consistency.md "Directory listings held by a mount", issue 13).
// Pure: no CAF, no clock reads (time is a parameter, ns of the caller's
// monotonic clock), not thread-safe (the session holds its lock).
//
// Contract (the master's side is invalidations.hpp, watch_dir/dir_changed):
//  * A listing is adopted (listed()) only if it was asked for while the
//    cache was usable (begin() returned a token) and nothing was invalidated
//    or reset since: an invalidation processed between the request and its
//    answer may be about a change the listing does not show.
//  * The master registers the mount on a directory when it answers the
//    mount's readdir or mkdir; from then on another client's create, mkdir,
//    unlink, rmdir or rename in that directory is answered only after this
//    mount acknowledged the invalidation of the directory (invalidated()), or
//    after the master's bound (invalidation_table ack_timeout, 1 s).
//  * So a listing may be used only while every change the master may have
//    answered without our acknowledgement is still within that bound of the
//    Watch we last heard from: answers are usable until
//    (send time of the last Watch whose answer was processed) + `validity`
//    (< ack_timeout). The master holds a Watch less than that, so a live
//    mount stays usable without a gap; a Watch answered after its window
//    closed (a stopped or partitioned mount, a lost connection) means the
//    master may have forgotten this mount or given up on it: every listing
//    is dropped (reset). reset() also on any failed or refused Watch and on
//    a change of master.
//  * The mount's own namespace changes update its listings (added/removed);
//    a failed one drops the directory's listing (forget()).
//  * answer(): absent only when the directory's listing is held, usable now,
//    and lacks the name; otherwise unknown (ask the MDS).
//  * Present names (session 17): a held listing may also keep the
//    attributes of a file (never of a directory: a directory's attributes
//    change with its own entries, which the master reports to the holders
//    of that directory, not of its parent) as a LOOKUP or CREATE answered
//    them (attr_adopt(), same token rule as listed()). The master sends a
//    file's inode to every mount registered on its parent directory before
//    it acknowledges another client's change of the file's size, data or
//    attributes (invalidations.hpp file_changed); invalidated(ino) drops
//    them. The mount's own changes of a file (size report, setattr) drop
//    them too (attr_drop(): the master does not invalidate the writer).
//    present() answers them only while usable, like absent names.
//  * At most `max_dirs` listings and `max_names` names per listing; beyond,
//    nothing is adopted or the listing is dropped (the master's registration
//    stays and only costs an invalidation message).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/client/file_attr.hpp"

namespace pstorage::client {

class dir_cache {
 public:
  using ns = int64_t;

  explicit dir_cache(ns validity = 900'000'000, size_t max_dirs = 4096, size_t max_names = 100'000)
      : validity_(validity), max_dirs_(max_dirs), max_names_(max_names) {}

  // ---- the watch ----
  // A Watch sent at `sent_at` was answered OK at `now` (its invalidations
  // already applied by invalidated()).
  void watch_answered(ns sent_at, ns now);
  // A Watch failed, was refused, or went to another master: nothing is usable.
  void reset();
  // The master invalidated directory `dir` (another client changed it).
  void invalidated(uint64_t dir);

  // ---- listings ----
  // Before asking the MDS for a listing (readdir, mkdir): a token, or nullopt
  // when the cache is not usable now (the answer must not be adopted).
  std::optional<uint64_t> begin(ns now) const;
  // The listing of `dir` as the MDS answered the request begun with `token`.
  // True if adopted.
  bool listed(uint64_t dir, const std::vector<std::string>& names, uint64_t token, ns now);
  // This mount's own successful changes.
  void added(uint64_t dir, const std::string& name);
  void removed(uint64_t dir, const std::string& name);
  // Drop one listing (a failed change whose effect is unknown).
  void forget(uint64_t dir);

  enum class known { unknown, absent };
  known answer(uint64_t dir, const std::string& name, ns now) const;

  // ---- attributes of present files ----
  // The attributes of `name` in `dir` as the MDS answered the request begun
  // with `token` (a LOOKUP, or this mount's CREATE after added()). True if
  // kept: the listing is held and names it, a file, nothing invalidated.
  bool attr_adopt(uint64_t dir, const std::string& name, const file_attr& a, uint64_t token, ns now);
  // This mount changed the file: its attributes are no longer known.
  void attr_drop(uint64_t ino);
  // The kept attributes of `name` in `dir`, while usable.
  std::optional<file_attr> present(uint64_t dir, const std::string& name, ns now) const;
  size_t attrs_held() const { return by_ino_.size(); }

  bool usable(ns now) const { return now < usable_until_; }
  size_t listings() const { return dirs_.size(); }

 private:
  ns validity_;
  size_t max_dirs_, max_names_;
  ns usable_until_ = 0;      // answers and adoptions only before this
  uint64_t generation_ = 1;  // bumped by every invalidation and reset
  using listing = std::map<std::string, std::optional<file_attr>>;  // name -> attributes if kept
  std::map<uint64_t, listing> dirs_;
  std::map<uint64_t, std::pair<uint64_t, std::string>> by_ino_;  // file with kept attributes -> (dir, name)
  void drop_listing(uint64_t dir);
};

}  // namespace pstorage::client
