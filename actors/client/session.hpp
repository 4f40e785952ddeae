// session.hpp — a mount's (or the CLI's) session with a pstorage cluster:
// namespace requests to the MDS and the data path to the chunk servers
// (contract /tmp/datapath.md; guide "Setting Up Clients", "Mounting the
// Cluster").
//
// Thread-safe and blocking: FUSE worker threads call it concurrently; each
// call waits for its answers (CAF scoped actors inside). Handles of the MDS
// and of every CS are cached and dropped when a request to them fails. A
// request ends as soon as the connection to its peer is lost (kill -9, crash):
// the peer is then treated as failed at once, not after the request timeout.
//
//  * Credentials: the digest from this host's auth_digest.key; the MDS from
//    bs.list (tried in order).
//  * write() is write-behind: it buffers (coalescing adjacent writes,
//    write_buffer.hpp) and returns; the buffer goes out when it reaches
//    1 MiB, before a read of the file, every second (background), and on
//    flush/fsync/close — where the last write to each chunk also asks every
//    replica to fsync (one round trip instead of write + sync). A failure to
//    send buffered data is returned by that flush/fsync/close (or, when the
//    buffer was full, by the write); the data stays buffered and is retried.
//  * Writes go down the replica chain (first replica, which forwards); a
//    failing replica is reported (ClientToMdsReplicaFailed) and the write is
//    retried on the new chain; statusStale refreshes the chunk map; below MIN
//    (statusUnavailable) the write waits with backoff (100 ms .. 1 s) —
//    writes block, they do not fail. No space: wait, or ENOSPC with
//    fail_on_nospace.
//  * Reads try each replica in chain order; a checksum error is reported with
//    checksumError; when all fail the map is refreshed (bounded, then EIO).
//  * flush()/release() return after every buffered write was sent and every
//    chunk written since the last sync is synced on every replica (sync flag
//    of the last ClientToCsWrite, else ClientToCsSync), then report the size.
//  * Write leases (open for write) are renewed every leaseMs/3 by a
//    background thread, which also reports growing sizes once a second.
//
// Every int-returning call answers 0 or an errno; last_error() holds the
// message of the calling thread's last failure.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/client/client_io.hpp"
#include "actors/client/file_attr.hpp"
#include "persistence/node_tls.hpp"
#include "protocol/endpoint.hpp"

namespace pstorage::client {

struct session_options {
  std::string cluster;
  std::vector<endpoint> mds;  // bs.list
  std::string digest;         // raw digest bytes from auth_digest.key
  std::string client_id;      // unique per mount (leases)
  bool fail_on_nospace = false;
  bool background = true;  // run the lease/size thread
  // This host's TLS credentials (persistence/node_tls.hpp): every MDS and CS
  // connection is mutual TLS with them; nullopt: encryption off.
  std::optional<persistence::node_tls_paths> tls;
};

struct dir_item {
  std::string name;
  uint64_t ino = 0;
  bool is_dir = false;
};

struct fs_stats {
  uint64_t total = 0, free = 0, files = 0;
};

struct set_attr_request {
  std::string path;  // empty: use ino
  uint64_t ino = 0;
  bool set_mode = false;
  uint32_t mode = 0;
  bool set_size = false;
  uint64_t size = 0;
  bool set_atime = false, atime_now = false;
  int64_t atime_ns = 0;
  bool set_mtime = false, mtime_now = false;
  int64_t mtime_ns = 0;
};

class session {
 public:
  explicit session(session_options o);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Connects to the MDS and checks the credentials with a lookup of "/".
  int check_connection();

  // Unmount (SIGTERM, umount): every request waiting now — for an answer, a
  // master, a backoff, a chunk below MIN — ends at once with ENOTCONN (or
  // EIO), and every later one fails the same way. Thread-safe; idempotent.
  void abort();

  // Id of the master MDS this session talks to (ClientToMdsStat), for the
  // guide's "connected to MDS#N" line.
  int master_mds_id(uint32_t& id);
  // This mount's I/O figures over its last 20 s, the ones it reports to the
  // master with every Watch (client_io.hpp); for its own GET /status and
  // /metrics (frontends/common/metrics_mount.hpp). Thread-safe.
  client_io_figures io_figures();

  // ---- namespace (paths are absolute within the cluster) ----
  int lookup(const std::string& path, file_attr& out);
  int getattr(uint64_t ino, file_attr& out);
  int readdir(const std::string& path, std::vector<dir_item>& out);
  int mkdir(const std::string& path, uint32_t mode);
  int unlink(const std::string& path);
  int rmdir(const std::string& path);
  int rename(const std::string& from, const std::string& to);
  // Truncation syncs the file's dirty chunks first.
  int setattr(const set_attr_request& r, file_attr& out);
  int set_repl(const std::string& path, const std::vector<std::string>& assignments, bool recursive);
  int statfs(fs_stats& out);

  // ---- files ----
  // Creates (EEXIST if present) and opens for writing.
  int create(const std::string& path, uint32_t mode, file_attr& out);
  // Opens an existing file (path, or ino when path is empty).
  int open(const std::string& path, uint64_t ino, bool write, file_attr& out);
  // One handle closed: sync + size report; tells the MDS on the last close.
  int release(uint64_t ino, bool write);
  int read(uint64_t ino, uint64_t offset, size_t length, char* buf, size_t& got);
  int write(uint64_t ino, uint64_t offset, const char* buf, size_t length);
  // fsync semantics: every replica of every chunk written since the last
  // sync is on disk, and the MDS knows the size.
  int flush(uint64_t ino);
  // Makes the namespace changes made so far power-loss durable at the MDS
  // (FileOp sync): always (fsyncdir), or only when this mount changed the
  // namespace since its last sync (fsync of a file).
  int sync_namespace(bool always);
  // The mount's fsync of a file: flush(ino), then sync_namespace(false);
  // counted as one FSYNCS op of the clients table (client_io.hpp), as is
  // sync_namespace alone (fsyncdir).
  int fsync(uint64_t ino);
  // Size as this mount sees it: max(local writes incl. buffered ones, MDS).
  uint64_t visible_size(uint64_t ino, uint64_t mds_size);

  // Cache invalidation (docs/consistency.md): keeps a Watch parked at the
  // master and calls fn(ino) (on its own thread) for every inode another
  // client changed while this mount has it open; fn must drop the kernel's
  // cached attributes and pages of it. stop_watching() ends it (idempotent;
  // call it before whatever fn uses goes away).
  void watch_invalidations(std::function<void(uint64_t ino)> fn);
  void stop_watching();

  // Directory listings held under the master's directory watch
  // (dir_cache.hpp, docs/consistency.md): a name absent from a held listing
  // is answered ENOENT without the MDS. Only with watch_invalidations()
  // running. listing_token() before a readdir or mkdir (nullopt: do not
  // adopt the answer), listing_adopt() after it; the mount's own changes
  // keep listings current (name_added/name_removed), a failed one drops the
  // directory's (listing_forget).
  std::optional<uint64_t> listing_token();
  void listing_adopt(uint64_t dir, const std::vector<std::string>& names, uint64_t token);
  bool known_absent(uint64_t dir, const std::string& name);
  // A file's attributes kept with a held listing (a present name answered
  // without the MDS), and adopting them from a LOOKUP/CREATE answer begun
  // with listing_token(). The mount's own size reports and setattrs drop
  // them; the master's invalidations of the file too.
  std::optional<file_attr> cached_entry(uint64_t dir, const std::string& name);
  void entry_adopt(uint64_t dir, const std::string& name, const file_attr& a, uint64_t token);
  void name_added(uint64_t dir, const std::string& name);
  void name_removed(uint64_t dir, const std::string& name);
  void listing_forget(uint64_t dir);

  static const std::string& last_error();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pstorage::client
