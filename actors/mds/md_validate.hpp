// md_validate.hpp — pure validation of metadata requests on the master MDS.
//
// validate_X(view, ctx, request...) checks the request against the current
// state (read through md_view) and either produces the md_command that
// carries every decision (new ids from ctx, times = ctx.now, inherited
// attributes, versions, default MIN) or an md_error with an errno-like code
// and an operator-ready message. Nothing here writes, reads a clock, or
// touches SQLite/CAF: the MDS actor passes the store (which implements
// md_view) and a decision_context.
//
// Id generators are called only when the command is certainly produced, so a
// refused request consumes no id.
//
// Semantics (guide "Notes": not POSIX — no ACL, no users/groups, no hard
// links): permission bits are stored and reported but not enforced here;
// every inode has at most one directory entry.
//
//   request        errors
//   -------------- ---------------------------------------------------------
//   mkdir/create   ENOENT parent, ENOTDIR parent, EEXIST, EINVAL/ENAMETOOLONG name
//   unlink         ENOENT, ENOTDIR parent, EISDIR (use rmdir)
//   rmdir          ENOENT, ENOTDIR, ENOTEMPTY
//   rename         ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL (into own subtree)
//   setattr        ENOENT, EISDIR (size of a dir), EINVAL (mode), EFBIG
//   set-attr       EINVAL: unknown attribute, replicas outside 1..15,
//                  MIN > NORM, tier outside 0..3, bad failure domain; ENOENT
//   alloc chunk    ENOENT, EISDIR, EEXIST (index taken), EINVAL (replicas), EFBIG
//   drop/add repl  ENOENT (chunk / replica), EEXIST (CS already holds it), EINVAL
//   set size       ENOENT, EISDIR, EFBIG
//   purge orphan   ENOENT, EINVAL (not an orphan)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/md_model/md_command.hpp"
#include "protocol/md_model/md_view.hpp"

namespace pstorage::mds {

// Everything the master decides that is not in the state.
struct decision_context {
  time_ns now = 0;
  std::function<inode_id()> new_inode;    // unique, increasing (never reused)
  std::function<chunk_id()> new_chunk;    // unique, increasing (never reused)
  std::function<bool(inode_id)> is_open;  // empty: nothing is open
};

// ---- set-attr parsing -------------------------------------------------------

// A parsed `set-attr` argument list; unset fields stay unchanged.
struct repl_change {
  std::optional<uint32_t> replicas_norm;
  std::optional<uint32_t> replicas_min;  // resolved: set whenever norm is
  std::optional<uint32_t> tier;
  std::optional<failure_domain> domain;
  bool operator==(const repl_change&) const = default;
};

// Parses "replicas=NORM[:MIN]", "tier=T", "failure-domain=D" (guide "Cluster
// Parameters Overview"). MIN defaults to default_min_replicas(NORM).
md_result<repl_change> parse_repl_attrs(const std::vector<std::string>& assignments);

// "replicas=3:2" / "tier=0" / "failure-domain=host" lines, as get-attr shows.
std::vector<std::string> format_repl_attrs(const repl_attrs& a);

// ---- path helper -----------------------------------------------------------

// Resolves an absolute path ("/", "/a/b") to an inode: ENOENT, ENOTDIR, EINVAL.
md_result<inode_id> resolve_path(const md_view& view, std::string_view path);

// ---- validators -------------------------------------------------------------

struct setattr_request {
  std::optional<uint32_t> mode;
  std::optional<time_ns> atime;
  std::optional<time_ns> mtime;
  bool atime_now = false;  // UTIME_NOW: the master's ctx.now
  bool mtime_now = false;
  std::optional<uint64_t> size;  // truncate
};

md_outcome validate_mkdir(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name,
                          uint32_t mode);
md_outcome validate_create(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name,
                           uint32_t mode);
// The entry is orphaned instead of deleted when ctx.is_open(ino).
md_outcome validate_unlink(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name);
md_outcome validate_rmdir(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name);
md_outcome validate_rename(const md_view& v, const decision_context& ctx, inode_id src_parent,
                           std::string_view src_name, inode_id dst_parent, std::string_view dst_name);
md_outcome validate_setattr(const md_view& v, const decision_context& ctx, inode_id ino, const setattr_request& r);
md_outcome validate_set_repl(const md_view& v, const decision_context& ctx, inode_id ino,
                             const std::vector<std::string>& assignments, bool recursive);
// `replicas`: the chain chosen by the master's placement, in write order.
md_outcome validate_alloc_chunk(const md_view& v, const decision_context& ctx, inode_id ino, uint64_t index,
                                const std::vector<cs_id>& replicas);
// Chunk versions (see "chunk versions: fence, then confirm" in md_command.hpp).
// The highest version recorded for any replica of a chunk: its holders have
// every acknowledged write. nullopt for a chunk without replicas.
std::optional<uint32_t> newest_replica_version(const chunk_info& c);
// The write floor (chunk_info::written_version; the newest recorded version
// for a chunk that has none): a replica recorded at or above it holds every
// acknowledged write, whether or not it is confirmed at the chunk's version.
uint32_t write_floor(const chunk_info& c);
inline bool holds_acked_writes(const chunk_info& c, const replica_info& r) { return r.version >= write_floor(c); }
// The chunk is handed out for writing at its current version: the floor
// rises to it (nullopt: it is there already).
std::optional<cmd_mark_written> mark_written_if_needed(const chunk_info& c);
// A write failed on `failed`. True when forgetting them would leave some, but
// fewer than `min_live`, live replicas (at the chunk's version on a CS
// `active` says is active): writes wait then anyway, so the failed replicas
// are fenced out (kept, lagging) instead of dropped (mds_state.hpp, fence_out).
bool fence_out_instead_of_drop(const chunk_info& c, const std::vector<cs_id>& failed, uint32_t min_live,
                               const std::function<bool(cs_id)>& active);
// Refuses to forget a replica when no other sound replica holding every
// acknowledged write (holds_acked_writes) would remain (`bad`: CSs whose replica of this chunk has
// bad pages — they do not count), unless `forced` (rm-cs -f: the operator
// declared the disk lost).
enum class drop_mode { keep_last_newest, forced };
md_outcome validate_drop_replica(const md_view& v, const decision_context& ctx, chunk_id chunk, cs_id cs,
                                 drop_mode mode = drop_mode::keep_last_newest, const std::vector<cs_id>& bad = {});
md_outcome validate_fence_chunk(const md_view& v, const decision_context& ctx, chunk_id chunk);
// `cs` answered SetVersion(new = `version`) or holds a fresh copy at it.
// A CS whose replica is recorded below `version` is left out once the chunk
// was handed out for writing at `version` (it may lack writes made there);
// ESTALE when nobody is left.
md_outcome validate_confirm_replicas(const md_view& v, const decision_context& ctx, chunk_id chunk,
                                     uint32_t version, const std::vector<cs_id>& cs);
md_outcome validate_set_size(const md_view& v, const decision_context& ctx, inode_id ino, uint64_t size);
md_outcome validate_purge_orphan(const md_view& v, const decision_context& ctx, inode_id ino);

}  // namespace pstorage::mds
