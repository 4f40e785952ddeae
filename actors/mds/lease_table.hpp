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
//
// Leases across a master change (docs/election.md): write leases are not
// journaled, so a new master does not know which the old one granted; a
// writer of the old master may still hold one for up to one lease duration
// (it renewed just before the failover). master_started(now, files_existed)
// forgets every lease and, when files existed (else nobody could have held
// one), opens a grace period of one lease duration. During the grace a lease
// goes only to a client that re-claims it — it says it holds the lease
// already: its renewal names the ino (renew's `held`), or it asks for a
// write chunk map (origin::held) — and to the creator of a new inode
// (origin::created); the first claimant wins, a later one is refused as
// busy (the ordinary conflict). A new writer (origin::open) is refused with
// `retry_at` = the end of the grace, holder empty: "retry", not "busy"
// (mds_files_actor.cpp answers statusUnavailable/EAGAIN, the client retries
// within its patience). After the grace everything is as before.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pstorage::mds {

class lease_table {
 public:
  using ino_t = uint64_t;
  using ns = int64_t;

  explicit lease_table(ns duration = 10'000'000'000) : duration_(duration) {}
  ns duration() const { return duration_; }

  // Why a client asks for the lease (matters only during a grace).
  enum class origin {
    open,     // a new writer: open for write
    held,     // the client holds it already (writes a file it has open for write)
    created,  // the inode was just created by this master: nobody held it
  };
  struct grant {
    bool ok = false;
    std::string holder;  // when refused: the client holding the live lease
    ns expires_at = 0;   // when granted
    ns retry_at = 0;     // refused by the grace (holder empty): retry from then
  };
  grant acquire(ino_t ino, const std::string& client, ns now, origin why = origin::open);
  bool holds(ino_t ino, const std::string& client, ns now) const;
  // The client holding a live lease on ino, if any.
  std::optional<std::string> holder(ino_t ino, ns now) const;
  // Extends the client's live leases; returns how many were extended. During
  // a grace, also re-claims `held` (the inodes the client has open for write)
  // as acquire(origin::held) does; after it `held` is ignored.
  size_t renew(const std::string& client, ns now, const std::vector<ino_t>& held = {});

  // This MDS became master at `now` (see the contract above).
  void master_started(ns now, bool files_existed);
  bool in_grace(ns now) const { return now < grace_until_; }
  ns grace_until() const { return grace_until_; }
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
  // Every client that has ino open.
  std::vector<std::string> openers(ino_t ino) const;

  // ---- sessions (client_sessions.hpp) ---------------------------------------
  // Every client with an open handle or a lease (live or not yet expired).
  std::set<std::string> clients() const;
  // The client's session expired: forgets its handles and its leases, as if
  // it had closed every file. Returns the inodes it had open (sorted).
  std::vector<ino_t> drop_client(const std::string& client);

 private:
  struct lease {
    std::string client;
    ns expires_at = 0;
  };
  ns duration_;
  ns grace_until_ = 0;
  std::map<ino_t, lease> leases_;
  std::set<std::pair<ino_t, std::string>> handles_;
};

}  // namespace pstorage::mds
