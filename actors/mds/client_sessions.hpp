// client_sessions.hpp — client sessions on the master and the purge of
// orphans (files unlinked while open). Pure decision logic: no CAF, no
// clock reads (time is a parameter, ns of the caller's monotonic clock).
//
// Contract (issue 15 "Resource hygiene"; docs/operations.md "Client
// sessions and orphans"):
//  * A client (a mount, by its client id) is heard from whenever it sends
//    the master a request or has a Watch parked there (a live mount keeps
//    one parked at all times, mds_watch_actor.cpp): seen(client, now).
//  * A client not heard from for `timeout` (default 60 s, pstorage-mdsd
//    --session-timeout-ms) has crashed or lost the master: its session
//    expires; the caller then drops its open handles and write leases
//    (lease_table::drop_client), as if it had closed every file.
//  * Sessions live in the master's memory: a new master (or a restarted
//    one) starts with none; master_started(now, clients) gives every client
//    that still has handles here one full timeout from `now`.
//  * Orphans: an orphan is purged (journaled cmd_purge_orphan, then its
//    replicas deleted) when no client has it open and the master has served
//    for at least one timeout: an orphan left by a crashed client, by a
//    release whose purge was lost, or found at start-up (a new master does
//    not know which clients had it open; a live writer re-claims its handle
//    by renewing or writing within that timeout). orphan_sweep says when to
//    look: one timeout after the master started, at once after a session
//    expired, and every timeout after that.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pstorage::mds {

class client_sessions {
 public:
  using ns = int64_t;
  explicit client_sessions(ns timeout = 60'000'000'000) : timeout_(timeout) {}
  ns timeout() const { return timeout_; }

  void seen(const std::string& client, ns now);
  // Forgets every session; `clients` (those with handles or leases here)
  // are each given one timeout from `now`.
  void master_started(ns now, const std::set<std::string>& clients);
  // The clients not heard from for `timeout` or longer, forgotten here
  // (sorted by client id).
  std::vector<std::string> expire(ns now);
  bool known(const std::string& client) const { return last_seen_.count(client) > 0; }
  size_t size() const { return last_seen_.size(); }

 private:
  ns timeout_;
  std::map<std::string, ns> last_seen_;
};

// When the master looks for orphans to purge (see the contract above).
class orphan_sweep {
 public:
  using ns = int64_t;
  explicit orphan_sweep(ns timeout = 60'000'000'000) : timeout_(timeout) {}
  void master_started(ns now) { next_at_ = now + timeout_, started_at_ = now; }
  // A session expired at `now`: look at once (if the master has served one
  // timeout; else at the first sweep anyway).
  void session_expired(ns now);
  bool due(ns now) const { return now >= next_at_; }
  // A sweep ran at `now`; `more` = it left orphans for the next tick.
  void swept(ns now, bool more) { next_at_ = more ? now : now + timeout_; }

 private:
  ns timeout_;
  ns started_at_ = 0;
  ns next_at_ = INT64_MAX;
};

// The orphans to purge now: those no client has open and no purge is
// already under way for, at most `limit` (in the given order).
std::vector<uint64_t> orphans_to_purge(const std::vector<uint64_t>& orphans,
                                       const std::function<bool(uint64_t)>& is_open,
                                       const std::set<uint64_t>& purging, size_t limit);

}  // namespace pstorage::mds
