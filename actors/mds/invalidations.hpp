// invalidations.hpp — which mounts must drop their cached view of a file
// another client changed, and when that change may be acknowledged to its
// writer (docs/consistency.md, issue 13). Pure decision logic: no CAF, no
// clock reads (time is a parameter, ns of the caller's monotonic clock).
//
// Contract:
//  * A mount keeps one Watch request parked at the master (watch()). A mount
//    watches while its last Watch came within `watch_idle`; only watching
//    mounts are sent invalidations and waited for (a CLI, an old mount or a
//    dead one never holds a writer up).
//  * changed(ino, writer, openers): the file changed (size, data, attributes)
//    by `writer`. Every watching opener except the writer gets the inode
//    queued under a new sequence number (one already queued and not yet sent
//    is reused: its invalidation happens after this change anyway). The
//    answer is a ticket the writer's answer waits for, or none when no other
//    watching mount has the file open.
//  * A mount acknowledges by its next Watch (acked_seq): every invalidation
//    up to it was carried out. A ticket is done when every mount it waits for
//    acknowledged its sequence number, or at its deadline (now + ack_timeout,
//    the mounts' attribute timeout: past it the kernel re-reads attributes
//    by itself and drops changed pages, so waiting longer buys nothing).
//  * Acknowledgements only count for what was sent (a mount cannot ack the
//    future), and sequence numbers only grow per mount.
//  * Directory watches (the mount's dir_cache.hpp holds listings under them):
//    watch_dir(client, dir) when the master answers a mount's readdir or
//    mkdir of `dir` (ignored unless the mount is watching: a mount only
//    adopts a listing after a Watch was answered, and drops them all when
//    its connection or master changes, so a mount forgotten here holds
//    none that this registration would have to cover). dir_changed(dir,
//    writer) when a create, mkdir, unlink, rmdir or rename in `dir` is
//    applied: every other mount registered on it gets the directory's inode
//    queued (the same channel and ticket as changed(); a mount cannot tell a
//    file's inode from a directory's and needs not) and its registration
//    ends — the mount drops its listing and registers again by its next
//    readdir. A mount registered on more than max_dirs directories has its
//    oldest registration ended the same way (queued, no ticket).
//    Registrations go with the mount (forget, expire). A change of a
//    file's attributes or data (file_changed) also reaches the mounts
//    registered on its parent directory, without ending the registration.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pstorage::mds {

class invalidation_table {
 public:
  using ns = int64_t;
  using ino_t = uint64_t;

  explicit invalidation_table(ns ack_timeout = 1'000'000'000, ns watch_idle = 20'000'000'000,
                              size_t max_dirs = 8192)
      : ack_timeout_(ack_timeout), watch_idle_(watch_idle), max_dirs_(max_dirs) {}

  struct batch {
    uint64_t seq = 0;          // newest sequence number in inos (or the last sent)
    std::vector<ino_t> inos;  // empty: nothing to do (a hold timeout)
  };

  // A Watch from `client`, acknowledging `acked`. A batch to answer now, or
  // nullopt: park the request (answer it with take() or end_hold()).
  std::optional<batch> watch(const std::string& client, uint64_t acked, ns now);
  // The parked Watch of `client`, if it now has something to receive.
  std::optional<batch> take(const std::string& client);
  // The hold of the parked Watch is over: the (empty) answer, if parked.
  std::optional<batch> end_hold(const std::string& client);
  bool parked(const std::string& client) const;
  // Whether `client` is a watching mount this table knows (its first Watch,
  // or its first after being forgotten, finds it unknown: the master
  // answers that one at once, so a new mount can hold listings at once).
  bool knows(const std::string& client) const { return mounts_.count(client) != 0; }

  // See the contract. Returns the ticket id, and the clients to take() from.
  struct change {
    std::optional<uint64_t> ticket;
    std::vector<std::string> notify;  // watching openers with a parked Watch
  };
  change changed(ino_t ino, const std::string& writer, const std::vector<std::string>& openers, ns now);
  // changed() for a file in directory `parent`: the mounts registered on
  // `parent` (they may hold the file's attributes with the listing,
  // client/dir_cache.hpp) are invalidated and waited for too, like openers;
  // their registration stays (the listing did not change).
  change file_changed(ino_t ino, ino_t parent, const std::string& writer, const std::vector<std::string>& openers,
                      ns now);

  // Directory watches (see the contract).
  void watch_dir(const std::string& client, ino_t dir, ns now);
  change dir_changed(ino_t dir, const std::string& writer, ns now);
  size_t dir_watchers(ino_t dir) const;

  // Tickets done by now (acknowledged, or past their deadline), each once.
  std::vector<uint64_t> finished(ns now);
  // The earliest deadline of an open ticket.
  std::optional<ns> next_deadline() const;
  size_t open_tickets() const { return tickets_.size(); }

  // Mounts not heard from within watch_idle are forgotten.
  void expire(ns now);
  // The mount is gone (its connection closed): forgotten now, and no ticket
  // waits for it any more (finished() reports those tickets).
  void forget(const std::string& client) { mounts_.erase(client); }

 private:
  struct mount {
    uint64_t next_seq = 0;                             // last assigned
    uint64_t sent = 0;                                 // last sent
    uint64_t acked = 0;                                // last acknowledged
    std::vector<std::pair<uint64_t, ino_t>> unsent;  // (seq, ino), seq ascending
    ns last_contact = 0;
    bool parked = false;
    std::map<ino_t, uint64_t> dirs;       // registered directory -> registration order
    std::map<uint64_t, ino_t> dir_order;  // registration order -> directory (oldest first)
    uint64_t next_dir_order = 0;
  };
  struct ticket {
    std::map<std::string, uint64_t> needs;  // mount -> seq it must acknowledge
    ns deadline = 0;
  };
  bool watching(const mount& m, ns now) const { return now - m.last_contact <= watch_idle_; }
  std::optional<batch> send_unsent(mount& m);
  // Queues `ino` for `m` (reusing an unsent one); its sequence number.
  uint64_t queue(mount& m, ino_t ino);
  // A ticket waiting for `clients` (mounts to queue `ino` for), writer excluded.
  change ticket_for(ino_t ino, const std::string& writer, const std::vector<std::string>& clients, ns now);

  ns ack_timeout_;
  ns watch_idle_;
  size_t max_dirs_;
  std::map<std::string, mount> mounts_;
  std::map<uint64_t, ticket> tickets_;
  uint64_t next_ticket_ = 0;
};

}  // namespace pstorage::mds
