// md_command.hpp — the MDS metadata model and the journaled commands that
// are the ONLY way to change it (DESIGN.md principle 5).
//
// Flow on the master: validate (md_validate.hpp, pure) -> md_command ->
// encode_command() -> journal_entry appended -> committed -> applied to the
// store (persistence/md_store.hpp) -> reply.
//
// Contract of a command: it carries EVERY decision (new inode ids, chunk ids,
// times, replica lists, versions, inherited attributes, the default minimum
// replica count). Applying a command reads nothing but the current state and
// the command, so every MDS that applies the same journal prefix reaches the
// same state. encode_command() is deterministic (same command -> same bytes).
//
// Guide references:
//   "Cluster Parameters Overview": replicas 1..15 (normal and minimum),
//     failure domain room|row|rack|host (default)|disk, tier 0..3 (0 default).
//   "Configuring Replication Parameters": a new cluster has replicas=1:1;
//     `set-attr replicas=3` sets the minimum to 2 "by default" (see
//     default_min_replicas()).
//   "Notes" (Introduction): not POSIX — no ACL, no user/group credentials,
//     no hard links. Hence an inode has exactly one directory entry (or none
//     once orphaned), and there is no uid/gid anywhere in this model.
#pragma once

#include "protocol/md_model/md_ha_commands.hpp"
#include "protocol/md_model/md_security_commands.hpp"
#include "protocol/md_model/tiers.hpp"
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pstorage::mds {

using inode_id = uint64_t;
using chunk_id = uint64_t;
using cs_id = uint32_t;
using time_ns = int64_t;  // nanoseconds since the Unix epoch

inline constexpr inode_id root_inode = 1;
inline constexpr uint64_t default_chunk_size = 64ull << 20;  // guide glossary: "e.g., 64 MB"
inline constexpr uint32_t min_replicas_limit = 1;             // "from 1 to 15"
inline constexpr uint32_t max_replicas_limit = 15;
// max_tier ("from 0 to 3") lives in tiers.hpp, shared with placement.
inline constexpr size_t max_name_length = 255;

// ---- location / replication attributes ------------------------------------

// Guide "Configuring Failure Domains": disk|host|rack|row|room, host default.
enum class failure_domain : uint8_t { disk = 0, host = 1, rack = 2, row = 3, room = 4 };

inline const char* to_string(failure_domain d) {
  switch (d) {
    case failure_domain::disk: return "disk";
    case failure_domain::host: return "host";
    case failure_domain::rack: return "rack";
    case failure_domain::row: return "row";
    case failure_domain::room: return "room";
  }
  return "unknown";
}

inline std::optional<failure_domain> parse_failure_domain(std::string_view s) {
  if (s == "disk") return failure_domain::disk;
  if (s == "host") return failure_domain::host;
  if (s == "rack") return failure_domain::rack;
  if (s == "row") return failure_domain::row;
  if (s == "room") return failure_domain::room;
  return std::nullopt;
}

// The minimum replica count used when `replicas=NORM` gives no MIN. The guide
// fixes one point ("replicas=3 ... The minimum number of replicas will be
// automatically set to 2 by default") and defers the formula to the
// pstorage-set-attr man page, which we do not have. We use a majority of the
// normal count, floor(NORM/2)+1: 1->1, 2->2, 3->2, 4->3, 5->3, 15->8. It
// matches the guide's example and its explicit `replicas=2:1` (the default
// for 2 would be 2).
inline constexpr uint32_t default_min_replicas(uint32_t norm) { return norm / 2 + 1; }

struct repl_attrs {
  uint32_t replicas_norm = 1;  // "Initially, any cluster is configured to have only 1 replica"
  uint32_t replicas_min = 1;   // get-attr shows replicas=1:1 on a new cluster
  uint32_t tier = 0;
  failure_domain domain = failure_domain::host;
  bool operator==(const repl_attrs&) const = default;
};

// ---- state as seen by queries ---------------------------------------------

enum class inode_type : uint8_t { file = 1, dir = 2 };

struct inode_attr {
  inode_id ino = 0;
  inode_type type = inode_type::file;
  uint32_t mode = 0;      // permission bits only (07777); the type is `type`
  uint64_t size = 0;      // files only; directories report 0
  time_ns atime = 0, mtime = 0, ctime = 0;
  uint32_t nlink = 1;     // file: 1 (0 once orphaned); dir: 2 + subdirectories
  inode_id parent = 0;    // 0 for the root and for orphans
  bool orphan = false;    // unlinked while open: data kept until purged
  repl_attrs repl;
  bool is_dir() const { return type == inode_type::dir; }
  bool operator==(const inode_attr&) const = default;
};

struct dir_entry {
  std::string name;
  inode_id ino = 0;
  inode_type type = inode_type::file;
  bool operator==(const dir_entry&) const = default;
};

struct replica_info {
  cs_id cs = 0;
  uint32_t version = 0;
  bool operator==(const replica_info&) const = default;
};

// One chunk of a file: bytes [index*chunk_size, (index+1)*chunk_size).
// `replicas` is ordered: the write chain goes through them in this order.
struct chunk_info {
  chunk_id id = 0;
  inode_id ino = 0;
  uint64_t index = 0;
  uint32_t version = 0;
  std::vector<replica_info> replicas;
  // A truncate cut this chunk to `cut_len` bytes and no replica has
  // confirmed the cut yet: every SetVersion of a round carries it.
  std::optional<uint64_t> cut_len;
  // The write floor: the highest version at which the master has handed the
  // chunk out for writing (cmd_alloc_chunk, cmd_mark_written). No write ever
  // ran above it, so a replica recorded at a version >= written_version holds
  // every acknowledged write even if it missed later version rounds.
  uint32_t written_version = 0;
  bool operator==(const chunk_info&) const = default;
};

// ---- commands ---------------------------------------------------------------
// Parent directories of mkdir/create/unlink/rmdir/rename get mtime = ctime =
// `time`. A command whose preconditions no longer hold when applied is
// rejected deterministically by the store (same outcome on every MDS).

struct cmd_mkdir {
  inode_id parent = 0;
  std::string name;
  inode_id ino = 0;       // new, decided by the master
  uint32_t mode = 0755;
  time_ns time = 0;
  repl_attrs attrs;       // inherited from the parent at validation
  bool operator==(const cmd_mkdir&) const = default;
};

struct cmd_create {
  inode_id parent = 0;
  std::string name;
  inode_id ino = 0;
  uint32_t mode = 0644;
  time_ns time = 0;
  repl_attrs attrs;
  bool operator==(const cmd_create&) const = default;
};

// Removes a file's directory entry. orphan=false: the inode and its chunks
// are deleted. orphan=true (the file is still open — the caller's knowledge):
// the inode becomes an orphan, keeps its chunks, and is deleted later by
// cmd_purge_orphan when the last handle is released.
struct cmd_unlink {
  inode_id parent = 0;
  std::string name;
  inode_id ino = 0;       // the inode the entry named at validation
  bool orphan = false;
  time_ns time = 0;
  bool operator==(const cmd_unlink&) const = default;
};

struct cmd_rmdir {
  inode_id parent = 0;
  std::string name;
  inode_id ino = 0;
  time_ns time = 0;
  bool operator==(const cmd_rmdir&) const = default;
};

// Moves entry (src_parent, src_name) -> (dst_parent, dst_name). If the target
// exists it is `replaced` (a file, or an empty directory when a directory is
// moved); a replaced file is deleted, or orphaned if `orphan_replaced`.
struct cmd_rename {
  inode_id src_parent = 0;
  std::string src_name;
  inode_id dst_parent = 0;
  std::string dst_name;
  inode_id ino = 0;       // the inode being moved
  inode_id replaced = 0;  // 0: the target did not exist
  bool orphan_replaced = false;
  time_ns time = 0;
  bool operator==(const cmd_rename&) const = default;
};

// setattr: mode / times / size. A size below the current one drops every
// chunk wholly beyond it; the chunk cut by the new end (if any) is fenced at
// `cut_version` with a pending cut (a version round, see below): replicas
// that have not truncated their data never become current.
struct cmd_setattr {
  inode_id ino = 0;
  std::optional<uint32_t> mode;
  std::optional<time_ns> atime;
  std::optional<time_ns> mtime;
  std::optional<uint64_t> size;
  std::optional<uint32_t> cut_version;
  time_ns ctime = 0;
  bool operator==(const cmd_setattr&) const = default;
};

// set-attr replicas=NORM[:MIN] tier=T failure-domain=D on `ino`; with
// `recursive` on every inode of the subtree reachable through directory
// entries (guide: `pstorage set-attr -R`). Unset fields are left unchanged.
// replicas_norm and replicas_min are always set together (MIN resolved by
// the master).
struct cmd_set_repl {
  inode_id ino = 0;
  bool recursive = false;
  std::optional<uint32_t> replicas_norm;
  std::optional<uint32_t> replicas_min;
  std::optional<uint32_t> tier;
  std::optional<failure_domain> domain;
  bool operator==(const cmd_set_repl&) const = default;
};

// A new chunk of a file at `index`, version `version` (1), stored on
// `replicas` in chain order — the list chosen by the master's placement.
struct cmd_alloc_chunk {
  inode_id ino = 0;
  uint64_t index = 0;
  chunk_id chunk = 0;
  uint32_t version = 1;
  std::vector<cs_id> replicas;
  bool operator==(const cmd_alloc_chunk&) const = default;
};

// ---- chunk versions: fence, then confirm ------------------------------------
// A replica's recorded `version` is the version the master KNOWS its CS holds
// (confirmed by the CS); the chunk's `version` is the one clients must use.
// Clients are only given replicas whose recorded version equals the chunk's.
// A version round moves the chunk forward in two journaled steps:
//   1. fence: the chunk's version grows (drop_replica / fence_chunk / the cut
//      of a truncate); the replicas keep their recorded versions, so nobody
//      reads or writes the chunk until step 2;
//   2. the master sends SetVersion(old = highest recorded version, new =
//      chunk version) to the replicas recorded at the highest version and
//      records the ones that answered with confirm_replicas.
// Writes only happen at a confirmed version that was handed out for writing
// (the write floor, chunk_info::written_version) and reach every replica
// confirmed at it, so the replicas recorded at or above the floor hold
// every acknowledged write: the master never forgets the last of them
// (validate_drop_replica refuses), and while none is confirmed at the
// chunk's version it keeps retrying step 2 ("promotion").

// A replica failed or is removed: forget it and fence the chunk at
// `new_version` (> current) so the lost copy can never serve reads.
struct cmd_drop_replica {
  chunk_id chunk = 0;
  cs_id cs = 0;
  uint32_t new_version = 0;
  bool operator==(const cmd_drop_replica&) const = default;
};

// Fence the chunk at `new_version` (> current) without dropping anything:
// the start of a repair copy (no write may run while the copy is taken).
struct cmd_fence_chunk {
  chunk_id chunk = 0;
  uint32_t new_version = 0;
  bool operator==(const cmd_fence_chunk&) const = default;
};

// Step 2 of a round: each CS in `cs` holds the chunk at `version` (the
// chunk's current one). A CS without a replica in the map is appended at
// the end of the chain (a repair copy). Clears a pending cut.
struct cmd_confirm_replicas {
  chunk_id chunk = 0;
  uint32_t version = 0;
  std::vector<cs_id> cs;
  bool operator==(const cmd_confirm_replicas&) const = default;
};

// The master hands the chunk out for writing at `version` (its current one,
// confirmed on some replica) for the first time: the write floor rises to it.
// Journaled BEFORE the map reaches the client, so after any crash the store
// knows every version a write may have run at.
struct cmd_mark_written {
  chunk_id chunk = 0;
  uint32_t version = 0;
  bool operator==(const cmd_mark_written&) const = default;
};

// Write extension / fsync: the size becomes max(current, size) when applied
// (never shrinks: that is setattr's truncate), mtime = ctime = `time`.
struct cmd_set_size {
  inode_id ino = 0;
  uint64_t size = 0;
  time_ns time = 0;
  bool operator==(const cmd_set_size&) const = default;
};

// The last handle of an orphaned inode was released: delete it and its chunks.
struct cmd_purge_orphan {
  inode_id ino = 0;
  bool operator==(const cmd_purge_orphan&) const = default;
};

// pstorage set-config NAME=VALUE (guide: cluster parameters; names and
// ranges in cluster_params.hpp, checked by the master before journaling).
// Applied into the table md_params; md_store::params() reads them back.
struct cmd_set_param {
  std::string name;
  int64_t value = 0;
  bool operator==(const cmd_set_param&) const = default;
};

// pstorage load-license (guide "Installing the License"): the license the
// master checked (signature, HWID, dates: actors/license/) becomes the
// cluster's license, replacing any earlier one. `text` is the license's file
// form (license_doc.hpp); `time` the master's wall clock when it was loaded
// (also a floor for the checker's clock). Applied into md_license;
// md_store::license() reads it back on every MDS, so it survives failover.
struct cmd_set_license {
  std::string text;
  time_ns time = 0;
  bool operator==(const cmd_set_license&) const = default;
};

// ---- the CS registry ------------------------------------------------------------
// Which chunk servers belong to the cluster is journaled state, so that
// every MDS knows every CS: a new master accepts the CSs that re-register
// with it after a failover, with the ids they have (guide: CS ids start at
// 1025 and are never reused).

// A CS registered for the first time (`id` decided by the master, above
// every id given before), or registered again with changed details (same
// id, same repository uuid). Rejected: an id known with another uuid, an id
// of a dropped CS, a new id not above the largest given.
struct cmd_register_cs {
  cs_id id = 0;
  std::string repo_uuid;
  std::string host;
  std::string host_id;
  std::string address;
  std::string location;
  uint32_t tier = 0;
  bool checksums = true;
  uint32_t http_port = 0;
  bool operator==(const cmd_register_cs&) const = default;
};

// rm-cs finished (or was forced): the CS is dropped for good.
struct cmd_drop_cs {
  cs_id id = 0;
  bool operator==(const cmd_drop_cs&) const = default;
};

// ---- events ----------------------------------------------------------------
// A cluster event (guide "Monitoring Event Logs"), written by the master with
// its epoch: every MDS keeps the same history, so `get-event` shows the events
// of earlier masters after a failover. The time is the master's wall clock.
struct cmd_event {
  time_ns time = 0;
  std::string severity;  // info | warn | err
  std::string source;    // MDS | JRN
  std::string text;
  uint64_t epoch = 0;
  bool operator==(const cmd_event&) const = default;
};

using md_command =
    std::variant<cmd_mkdir, cmd_create, cmd_unlink, cmd_rmdir, cmd_rename, cmd_setattr, cmd_set_repl,
                 cmd_alloc_chunk, cmd_drop_replica, cmd_fence_chunk, cmd_confirm_replicas, cmd_mark_written, cmd_set_size, cmd_purge_orphan,
                 cmd_set_param, cmd_register_cs, cmd_drop_cs, cmd_event, cmd_set_license,
                 cmd_ha_add_resource, cmd_ha_remove_resource, cmd_ha_assign, cmd_ha_set_node,
                 cmd_revoke_node, cmd_set_cluster_ca>;

// ---- journal ----------------------------------------------------------------

// One journal entry: index (1, 2, 3, ... without gaps), the term/epoch of
// the master that appended it, and the encoded command.
struct journal_entry {
  uint64_t index = 0;
  uint64_t term = 0;
  std::vector<uint8_t> data;
  bool operator==(const journal_entry&) const = default;
};

// Which client request a command answers (ClientToMdsFileOp.requestId): the
// store records it when the command is applied, so a retried request (its
// answer lost, the master changed) is answered from the first outcome and
// never applied twice.
struct request_tag {
  std::string client;
  uint64_t id = 0;
  bool operator==(const request_tag&) const = default;
};

struct command_decode_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The command's name as it appears in the encoding ("mkdir", "rename", ...).
const char* command_name(const md_command& c);

// Deterministic encoding: compact JSON text with sorted keys and a format
// version, e.g. {"op":"mkdir","v":1,...}; readable with `sqlite3 .. SELECT`.
std::vector<uint8_t> encode_command(const md_command& c);
// The same with the request it answers ("rq": {"c": client, "i": id}).
std::vector<uint8_t> encode_command(const md_command& c, const std::optional<request_tag>& tag);
// The request tag of an encoded command, if any (nullopt also for bytes
// that are no command: never throws).
std::optional<request_tag> decode_request_tag(std::span<const uint8_t> data);

// Throws command_decode_error on anything that encode_command() would not
// produce (unknown op, missing field, wrong type, unsupported version).
md_command decode_command(std::span<const uint8_t> data);

// The JSON text, for logs and error messages.
std::string describe(const md_command& c);

// Is `c` fsynced before the MDS answers (md_store::commit_local durable)?
// Namespace changes (mkdir, create, unlink, rmdir, rename, setattr of mode
// or times) are written at once — they survive kill -9 — and fsynced within
// one MDS tick, by the next durable change, or when a client asks (FileOp
// sync: fsync/fsyncdir on a mount), as a local file system does; replica
// deletes they cause wait for that fsync (delete_replicas). Everything the
// chunk servers act on or that records written data — chunk allocation,
// versions and replicas, sizes, truncation, replication attributes,
// parameters, orphan purges — is durable before the answer.
bool durable_at_once(const md_command& c);

inline journal_entry make_entry(uint64_t index, uint64_t term, const md_command& c) {
  return journal_entry{index, term, encode_command(c)};
}

}  // namespace pstorage::mds
