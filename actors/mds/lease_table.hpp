// lease_table.hpp — write leases and open handles on the MDS. Pure decision
// logic: no CAF, no clock reads (time is a parameter, in nanoseconds of any
// monotonic clock the caller uses consistently).
//
// Contract (issue 3 "Leases: one writer per file at a time"; data-path
// contract in the shared notes):
//  * A write lease names (ino, client). acquire() grants it when no OTHER
//    client holds a live lease on the ino (a live lease: expires_at > now);
//    the same client re-acquiring just extends it. A refused acquire names the
//    holder, so the error can say who writes.
//  * renew(client, now) extends every live lease of that client to
//    now + duration. A lease that was not renewed in time is dead: it neither
//    blocks other writers nor authorises its former holder (holds() false).
//  * Open handles: the MDS only needs to know whether ANY client still has an
//    inode open (to orphan instead of delete on unlink, and to purge the
//    orphan on the last release). open() records (ino, client); close()
//    forgets it and reports whether the ino is now closed by every client.
//    close() also drops the client's write lease on that ino.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace pstorage::mds {

class lease_table {
 public:
  using ino_t = uint64_t;
  using ns = int64_t;

  explicit lease_table(ns duration = 10'000'000'000) : duration_(duration) {}
  ns duration() const { return duration_; }

  struct grant {
    bool ok = false;
    std::string holder;  // when refused: the client holding the live lease
    ns expires_at = 0;   // when granted
  };
  grant acquire(ino_t ino, const std::string& client, ns now);
  bool holds(ino_t ino, const std::string& client, ns now) const;
  // The client holding a live lease on ino, if any.
  std::optional<std::string> holder(ino_t ino, ns now) const;
  // Extends the client's live leases; returns how many were extended.
  size_t renew(const std::string& client, ns now);
  void release_lease(ino_t ino, const std::string& client);
  // Forgets dead leases (housekeeping; never changes any decision).
  void expire(ns now);
  size_t lease_count() const { return leases_.size(); }

  // ---- open handles ---------------------------------------------------------
  void open(ino_t ino, const std::string& client);
  // True when no client has ino open any more. Unknown (ino, client): no-op,
  // the answer still reflects the other clients.
  bool close(ino_t ino, const std::string& client);
  bool is_open(ino_t ino) const;
  bool is_open_by(ino_t ino, const std::string& client) const;

 private:
  struct lease {
    std::string client;
    ns expires_at = 0;
  };
  ns duration_;
  std::map<ino_t, lease> leases_;
  std::set<std::pair<ino_t, std::string>> handles_;
};

}  // namespace pstorage::mds
