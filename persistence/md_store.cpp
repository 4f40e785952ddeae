#include "persistence/md_store.hpp"

#include "persistence/cs_record_row.hpp"
#include "persistence/md_ha.hpp"
#include "persistence/md_security.hpp"

#include <cerrno>
#include <map>
#include <optional>
#include <sstream>

namespace pstorage::persistence {

using namespace pstorage::mds;

namespace {

constexpr const char* format_tag = "md-3";  // md-2: md_chunks.cut_len, confirmed replica versions; md-3: md_chunks.written

// A command's preconditions do not hold on this state: deterministic reject.
struct rejection {
  md_error err;
};
[[noreturn]] void reject(int code, std::string msg) { throw rejection{md_error{code, std::move(msg)}}; }

int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }
std::string ino_s(inode_id i) { return "inode " + std::to_string(i); }

// Applies one decoded command to the tables. Checks every precondition it
// relies on and throws `rejection` (the caller rolls back to a savepoint).
class applier {
 public:
  applier(sqlite_db& db, uint64_t chunk_size) : db_(db), chunk_size_(chunk_size) {}

  void operator()(const cmd_mkdir& c) { new_entry(c.parent, c.name, c.ino, inode_type::dir, c.mode, c.time, c.attrs); }
  void operator()(const cmd_create& c) { new_entry(c.parent, c.name, c.ino, inode_type::file, c.mode, c.time, c.attrs); }

  void operator()(const cmd_unlink& c) {
    auto e = entry_of(c.parent, c.name);
    if (!e || e->ino != c.ino) reject(ENOENT, "unlink: '" + c.name + "' in " + ino_s(c.parent) + " is not " + ino_s(c.ino));
    if (e->type != inode_type::file) reject(EISDIR, "unlink: '" + c.name + "' is a directory");
    drop_dentry(c.parent, c.name);
    if (c.orphan) {
      statement(db_, "UPDATE md_inodes SET orphan = 1, parent = 0, ctime = ? WHERE ino = ?")
          .bind(1, c.time).bind(2, i64(c.ino)).run();
    } else {
      delete_inode(c.ino);
    }
    touch_dir(c.parent, c.time);
  }

  void operator()(const cmd_rmdir& c) {
    auto e = entry_of(c.parent, c.name);
    if (!e || e->ino != c.ino) reject(ENOENT, "rmdir: '" + c.name + "' in " + ino_s(c.parent) + " is not " + ino_s(c.ino));
    if (e->type != inode_type::dir) reject(ENOTDIR, "rmdir: '" + c.name + "' is not a directory");
    if (has_children(c.ino)) reject(ENOTEMPTY, "rmdir: '" + c.name + "' is not empty");
    drop_dentry(c.parent, c.name);
    delete_inode(c.ino);
    touch_dir(c.parent, c.time);
  }

  void operator()(const cmd_rename& c) {
    auto src = entry_of(c.src_parent, c.src_name);
    if (!src || src->ino != c.ino)
      reject(ENOENT, "rename: '" + c.src_name + "' in " + ino_s(c.src_parent) + " is not " + ino_s(c.ino));
    if (c.src_parent == c.dst_parent && c.src_name == c.dst_name) return;  // nothing to do
    require_dir(c.dst_parent, "rename");
    if (c.dst_name.empty() || c.dst_name.find('/') != std::string::npos) reject(EINVAL, "rename: bad target name");
    if (src->type == inode_type::dir) {
      inode_id p = c.dst_parent;
      while (p != 0) {
        if (p == c.ino) reject(EINVAL, "rename: cannot move a directory into its own subtree");
        p = parent_of(p);
      }
    }
    auto dst = entry_of(c.dst_parent, c.dst_name);
    if (dst && dst->ino == c.ino) return;
    if ((dst ? dst->ino : 0) != c.replaced)
      reject(EEXIST, "rename: the target '" + c.dst_name + "' changed since the request was validated");
    if (dst) {
      if (dst->type == inode_type::dir && src->type != inode_type::dir) reject(EISDIR, "rename: the target is a directory");
      if (dst->type != inode_type::dir && src->type == inode_type::dir) reject(ENOTDIR, "rename: the target is not a directory");
      if (dst->type == inode_type::dir && has_children(dst->ino)) reject(ENOTEMPTY, "rename: the target is not empty");
      drop_dentry(c.dst_parent, c.dst_name);
      if (dst->type == inode_type::file && c.orphan_replaced) {
        statement(db_, "UPDATE md_inodes SET orphan = 1, parent = 0, ctime = ? WHERE ino = ?")
            .bind(1, c.time).bind(2, i64(dst->ino)).run();
      } else {
        delete_inode(dst->ino);
      }
    }
    statement(db_, "UPDATE md_dentries SET parent = ?, name = ? WHERE parent = ? AND name = ?")
        .bind(1, i64(c.dst_parent)).bind(2, c.dst_name).bind(3, i64(c.src_parent)).bind(4, c.src_name).run();
    statement(db_, "UPDATE md_inodes SET parent = ?, ctime = ? WHERE ino = ?")
        .bind(1, i64(c.dst_parent)).bind(2, c.time).bind(3, i64(c.ino)).run();
    touch_dir(c.src_parent, c.time);
    if (c.dst_parent != c.src_parent) touch_dir(c.dst_parent, c.time);
  }

  void operator()(const cmd_setattr& c) {
    auto cur = inode_row(c.ino);
    if (!cur) reject(ENOENT, "setattr: no " + ino_s(c.ino));
    if (c.mode && *c.mode > 07777) reject(EINVAL, "setattr: bad mode");
    if (c.size) {
      if (cur->type != inode_type::file) reject(EISDIR, "setattr: cannot truncate a directory");
      if (*c.size > max_file_size) reject(EFBIG, "setattr: size too large");
    }
    if (c.mode) statement(db_, "UPDATE md_inodes SET mode = ? WHERE ino = ?").bind(1, *c.mode).bind(2, i64(c.ino)).run();
    if (c.atime) statement(db_, "UPDATE md_inodes SET atime = ? WHERE ino = ?").bind(1, *c.atime).bind(2, i64(c.ino)).run();
    if (c.mtime) statement(db_, "UPDATE md_inodes SET mtime = ? WHERE ino = ?").bind(1, *c.mtime).bind(2, i64(c.ino)).run();
    if (c.size) {
      const uint64_t size = *c.size;
      if (size < cur->size) {
        // Drop every chunk that starts at or beyond the new end.
        const uint64_t keep = size / chunk_size_ + (size % chunk_size_ != 0 ? 1 : 0);
        statement(db_, "DELETE FROM md_chunks WHERE ino = ? AND idx >= ?").bind(1, i64(c.ino)).bind(2, i64(keep)).run();
        if (c.cut_version && size % chunk_size_ != 0) {
          statement st(db_, "SELECT id, version FROM md_chunks WHERE ino = ? AND idx = ?");
          st.bind(1, i64(c.ino)).bind(2, i64(size / chunk_size_));
          if (st.step()) {
            int64_t id = st.col_int(0);
            if (static_cast<int64_t>(*c.cut_version) <= st.col_int(1))
              reject(EINVAL, "setattr: cut version " + std::to_string(*c.cut_version) + " does not exceed the chunk's");
            statement(db_, "UPDATE md_chunks SET version = ?, cut_len = ? WHERE id = ?")
                .bind(1, *c.cut_version).bind(2, i64(size % chunk_size_)).bind(3, id).run();
          }
        }
      }
      statement(db_, "UPDATE md_inodes SET size = ? WHERE ino = ?").bind(1, i64(size)).bind(2, i64(c.ino)).run();
    }
    statement(db_, "UPDATE md_inodes SET ctime = ? WHERE ino = ?").bind(1, c.ctime).bind(2, i64(c.ino)).run();
  }

  void operator()(const cmd_set_repl& c) {
    if (!inode_row(c.ino)) reject(ENOENT, "set-attr: no " + ino_s(c.ino));
    if (c.replicas_norm.has_value() != c.replicas_min.has_value())
      reject(EINVAL, "set-attr: replicas NORM and MIN must be set together");
    if (c.replicas_norm) check_attrs(repl_attrs{*c.replicas_norm, *c.replicas_min, 0, failure_domain::host});
    if (c.tier && *c.tier > max_tier) reject(EINVAL, "set-attr: tier out of range");
    std::string targets = c.recursive
                              ? "WITH RECURSIVE sub(ino) AS (SELECT ?5 UNION ALL SELECT d.ino FROM md_dentries d "
                                "JOIN sub ON d.parent = sub.ino) "
                              : "";
    statement st(db_, targets +
                          "UPDATE md_attrs SET replicas_norm = coalesce(?1, replicas_norm), "
                          "replicas_min = coalesce(?2, replicas_min), tier = coalesce(?3, tier), "
                          "domain = coalesce(?4, domain) WHERE ino " +
                          (c.recursive ? "IN (SELECT ino FROM sub)" : "= ?5"));
    auto bind_opt = [&](int i, const std::optional<uint32_t>& v) {
      if (v) st.bind(i, static_cast<int64_t>(*v));
      else st.bind_null(i);
    };
    bind_opt(1, c.replicas_norm);
    bind_opt(2, c.replicas_min);
    bind_opt(3, c.tier);
    if (c.domain) st.bind(4, std::string(to_string(*c.domain)));
    else st.bind_null(4);
    st.bind(5, i64(c.ino));
    st.run();
  }

  void operator()(const cmd_alloc_chunk& c) {
    auto cur = inode_row(c.ino);
    if (!cur) reject(ENOENT, "alloc chunk: no " + ino_s(c.ino));
    if (cur->type != inode_type::file) reject(EISDIR, "alloc chunk: " + ino_s(c.ino) + " is a directory");
    if (c.index > max_file_size / chunk_size_) reject(EFBIG, "alloc chunk: index too large");
    if (c.chunk == 0 || c.chunk > max_file_size || c.chunk <= meta("max_chunk"))
      reject(EINVAL, "alloc chunk: chunk id " + std::to_string(c.chunk) + " is not new");
    if (c.version == 0) reject(EINVAL, "alloc chunk: version 0");
    if (c.replicas.empty() || c.replicas.size() > max_replicas_limit) reject(EINVAL, "alloc chunk: bad replica count");
    {
      statement st(db_, "SELECT 1 FROM md_chunks WHERE ino = ? AND idx = ?");
      st.bind(1, i64(c.ino)).bind(2, i64(c.index));
      if (st.step()) reject(EEXIST, "alloc chunk: chunk " + std::to_string(c.index) + " of " + ino_s(c.ino) + " exists");
    }
    statement(db_, "INSERT INTO md_chunks(id, ino, idx, version, written) VALUES(?, ?, ?, ?, ?)")
        .bind(1, i64(c.chunk)).bind(2, i64(c.ino)).bind(3, i64(c.index)).bind(4, c.version).bind(5, c.version).run();
    statement ins(db_, "INSERT INTO md_replicas(chunk, pos, cs, version) VALUES(?, ?, ?, ?)");
    int64_t pos = 0;
    for (cs_id r : c.replicas) {
      if (r == 0) reject(EINVAL, "alloc chunk: CS id 0");
      {
        statement dup(db_, "SELECT 1 FROM md_replicas WHERE chunk = ? AND cs = ?");
        dup.bind(1, i64(c.chunk)).bind(2, r);
        if (dup.step()) reject(EINVAL, "alloc chunk: CS#" + std::to_string(r) + " listed twice");
      }
      ins.reset();
      ins.bind(1, i64(c.chunk)).bind(2, pos++).bind(3, r).bind(4, c.version).run();
    }
    set_meta("max_chunk", c.chunk);
  }

  void operator()(const cmd_drop_replica& c) {
    auto v = chunk_version(c.chunk);
    if (!v) reject(ENOENT, "drop replica: no chunk " + std::to_string(c.chunk));
    if (c.new_version <= *v) reject(EINVAL, "drop replica: new version does not exceed the current one");
    statement del(db_, "DELETE FROM md_replicas WHERE chunk = ? AND cs = ?");
    del.bind(1, i64(c.chunk)).bind(2, c.cs).run();
    if (sqlite3_changes(db_.handle()) == 0)
      reject(ENOENT, "drop replica: CS#" + std::to_string(c.cs) + " holds no replica of chunk " + std::to_string(c.chunk));
    set_chunk_version(i64(c.chunk), c.new_version);
  }

  void operator()(const cmd_fence_chunk& c) {
    auto v = chunk_version(c.chunk);
    if (!v) reject(ENOENT, "fence: no chunk " + std::to_string(c.chunk));
    if (c.new_version <= *v) reject(EINVAL, "fence: new version does not exceed the current one");
    set_chunk_version(i64(c.chunk), c.new_version);
  }

  void operator()(const cmd_mark_written& c) {
    auto v = chunk_version(c.chunk);
    if (!v) reject(ENOENT, "mark written: no chunk " + std::to_string(c.chunk));
    if (c.version != *v) reject(ESTALE, "mark written: version " + std::to_string(c.version) + " is not the current one");
    statement(db_, "UPDATE md_chunks SET written = max(written, ?) WHERE id = ?").bind(1, c.version).bind(2, i64(c.chunk)).run();
  }

  void operator()(const cmd_confirm_replicas& c) {
    auto v = chunk_version(c.chunk);
    if (!v) reject(ENOENT, "confirm: no chunk " + std::to_string(c.chunk));
    if (c.version != *v) reject(ESTALE, "confirm: version " + std::to_string(c.version) + " is not the current one");
    for (auto cs : c.cs) {
      if (cs == 0) reject(EINVAL, "confirm: CS id 0");
      statement up(db_, "UPDATE md_replicas SET version = ? WHERE chunk = ? AND cs = ?");
      up.bind(1, c.version).bind(2, i64(c.chunk)).bind(3, cs).run();
      if (sqlite3_changes(db_.handle()) > 0) continue;
      statement st(db_, "SELECT count(*), coalesce(max(pos), -1) FROM md_replicas WHERE chunk = ?");
      st.bind(1, i64(c.chunk));
      st.step();
      if (st.col_int(0) >= static_cast<int64_t>(max_replicas_limit)) reject(EINVAL, "confirm: 15 replicas already");
      const int64_t pos = st.col_int(1) + 1;
      statement(db_, "INSERT INTO md_replicas(chunk, pos, cs, version) VALUES(?, ?, ?, ?)")
          .bind(1, i64(c.chunk)).bind(2, pos).bind(3, cs).bind(4, c.version).run();
    }
    // A confirmed cut changed the data at this version: replicas below it
    // (that missed the truncate) must never come back.
    statement(db_, "UPDATE md_chunks SET written = max(written, version) WHERE id = ? AND cut_len IS NOT NULL")
        .bind(1, i64(c.chunk)).run();
    statement(db_, "UPDATE md_chunks SET cut_len = NULL WHERE id = ?").bind(1, i64(c.chunk)).run();
  }

  void operator()(const cmd_set_size& c) {
    auto cur = inode_row(c.ino);
    if (!cur) reject(ENOENT, "set size: no " + ino_s(c.ino));
    if (cur->type != inode_type::file) reject(EISDIR, "set size: " + ino_s(c.ino) + " is a directory");
    if (c.size > max_file_size) reject(EFBIG, "set size: too large");
    statement(db_, "UPDATE md_inodes SET size = max(size, ?), mtime = ?, ctime = ? WHERE ino = ?")
        .bind(1, i64(c.size)).bind(2, c.time).bind(3, c.time).bind(4, i64(c.ino)).run();
  }

  void operator()(const cmd_set_param& c) {
    if (c.name.empty()) reject(EINVAL, "set param: empty name");
    statement(db_, "INSERT INTO md_params(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
        .bind(1, c.name).bind(2, c.value).run();
  }

  void operator()(const cmd_register_cs& c) {
    statement st(db_, "SELECT uuid, dropped FROM md_css WHERE id = ?");
    st.bind(1, static_cast<int64_t>(c.id));
    if (st.step()) {
      if (st.col_text(0) != c.repo_uuid)
        reject(EEXIST, "register CS#" + std::to_string(c.id) + ": registered with another repository");
      if (st.col_int(1)) reject(ENOENT, "register CS#" + std::to_string(c.id) + ": it was dropped");
    } else {
      statement mx(db_, "SELECT coalesce(max(id), 0) FROM md_css");
      mx.step();
      if (c.id < 1025 || static_cast<int64_t>(c.id) <= mx.col_int(0))
        reject(EINVAL, "register CS#" + std::to_string(c.id) + ": a new CS id must be above every id given (from 1025)");
    }
    statement(db_, "INSERT INTO md_css(id, uuid, host, host_id, address, location, tier, checksums, http_port, dropped)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT(id) DO UPDATE SET host = excluded.host,"
                   " host_id = excluded.host_id, address = excluded.address, location = excluded.location,"
                   " tier = excluded.tier, checksums = excluded.checksums, http_port = excluded.http_port")
        .bind(1, static_cast<int64_t>(c.id)).bind(2, c.repo_uuid).bind(3, c.host).bind(4, c.host_id)
        .bind(5, c.address).bind(6, c.location).bind(7, static_cast<int64_t>(c.tier))
        .bind(8, c.checksums ? 1 : 0).bind(9, static_cast<int64_t>(c.http_port)).run();
  }

  void operator()(const cmd_drop_cs& c) {
    statement st(db_, "SELECT dropped FROM md_css WHERE id = ?");
    st.bind(1, static_cast<int64_t>(c.id));
    if (!st.step()) reject(ENOENT, "drop CS#" + std::to_string(c.id) + ": not registered");
    statement(db_, "UPDATE md_css SET dropped = 1 WHERE id = ?").bind(1, static_cast<int64_t>(c.id)).run();
  }

  // Events keep their apply order (rowid = the largest + 1, the same on every
  // MDS); the newest md_event_capacity stay.
  void operator()(const cmd_event& c) {
    statement(db_, "INSERT INTO md_events(time_ns, severity, source, text, epoch) VALUES(?, ?, ?, ?, ?)")
        .bind(1, c.time).bind(2, c.severity).bind(3, c.source).bind(4, c.text).bind(5, i64(c.epoch)).run();
    statement(db_, "DELETE FROM md_events WHERE id <= (SELECT id FROM md_events ORDER BY id DESC LIMIT 1 OFFSET ?)")
        .bind(1, i64(md_event_capacity)).run();
  }

  // One license per cluster (guide "Installing the License"): a new one
  // replaces the old. The checker (actors/license/) judges it, not the store.
  void operator()(const cmd_set_license& c) {
    if (c.text.empty()) reject(EINVAL, "set license: empty license");
    statement(db_, "INSERT INTO md_license(id, text, time_ns) VALUES(1, ?, ?)"
                   " ON CONFLICT(id) DO UPDATE SET text = excluded.text, time_ns = excluded.time_ns")
        .bind(1, c.text).bind(2, c.time).run();
  }

  // High Availability (persistence/md_ha.cpp).
  void operator()(const cmd_ha_add_resource& c) { check(ha_apply(db_, c)); }
  void operator()(const cmd_ha_remove_resource& c) { check(ha_apply(db_, c)); }
  void operator()(const cmd_ha_assign& c) { check(ha_apply(db_, c)); }
  void operator()(const cmd_ha_set_node& c) { check(ha_apply(db_, c)); }
  // Security (persistence/md_security.cpp).
  void operator()(const cmd_revoke_node& c) { check(security_apply(db_, c)); }
  void operator()(const cmd_set_cluster_ca& c) { check(security_apply(db_, c)); }
  static void check(const std::optional<md_error>& e) {
    if (e) reject(e->code, e->message);
  }

  void operator()(const cmd_purge_orphan& c) {
    auto cur = inode_row(c.ino);
    if (!cur) reject(ENOENT, "purge: no " + ino_s(c.ino));
    if (!cur->orphan) reject(EINVAL, "purge: " + ino_s(c.ino) + " is not orphaned");
    delete_inode(c.ino);
  }

 private:
  struct row {
    inode_type type;
    uint64_t size;
    bool orphan;
  };
  struct dent {
    inode_id ino;
    inode_type type;
  };

  uint64_t meta(const char* key) {
    statement st(db_, "SELECT value FROM md_meta WHERE key = ?");
    st.bind(1, std::string(key));
    return st.step() ? std::stoull(st.col_text(0)) : 0;
  }
  void set_meta(const char* key, uint64_t v) {
    statement(db_, "INSERT INTO md_meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, std::string(key)).bind(2, std::to_string(v)).run();
  }

  std::optional<row> inode_row(inode_id ino) {
    statement st(db_, "SELECT type, size, orphan FROM md_inodes WHERE ino = ?");
    st.bind(1, i64(ino));
    if (!st.step()) return std::nullopt;
    return row{static_cast<inode_type>(st.col_int(0)), static_cast<uint64_t>(st.col_int(1)), st.col_int(2) != 0};
  }
  std::optional<dent> entry_of(inode_id parent, const std::string& name) {
    statement st(db_, "SELECT ino, type FROM md_dentries WHERE parent = ? AND name = ?");
    st.bind(1, i64(parent)).bind(2, name);
    if (!st.step()) return std::nullopt;
    return dent{static_cast<inode_id>(st.col_int(0)), static_cast<inode_type>(st.col_int(1))};
  }
  inode_id parent_of(inode_id ino) {
    statement st(db_, "SELECT parent FROM md_inodes WHERE ino = ?");
    st.bind(1, i64(ino));
    return st.step() ? static_cast<inode_id>(st.col_int(0)) : 0;
  }
  bool has_children(inode_id dir) {
    statement st(db_, "SELECT 1 FROM md_dentries WHERE parent = ? LIMIT 1");
    st.bind(1, i64(dir));
    return st.step();
  }
  std::optional<uint32_t> chunk_version(chunk_id id) {
    statement st(db_, "SELECT version FROM md_chunks WHERE id = ?");
    st.bind(1, i64(id));
    if (!st.step()) return std::nullopt;
    return static_cast<uint32_t>(st.col_int(0));
  }
  // Fences the chunk: the replicas keep their recorded (confirmed) versions.
  void set_chunk_version(int64_t id, uint32_t v) {
    statement(db_, "UPDATE md_chunks SET version = ? WHERE id = ?").bind(1, v).bind(2, id).run();
  }
  void require_dir(inode_id dir, const char* what) {
    auto r = inode_row(dir);
    if (!r) reject(ENOENT, std::string(what) + ": directory " + ino_s(dir) + " does not exist");
    if (r->type != inode_type::dir) reject(ENOTDIR, std::string(what) + ": " + ino_s(dir) + " is not a directory");
    if (r->orphan) reject(ENOENT, std::string(what) + ": directory " + ino_s(dir) + " was removed");
  }
  void check_attrs(const repl_attrs& a) {
    if (a.replicas_norm < min_replicas_limit || a.replicas_norm > max_replicas_limit || a.replicas_min < min_replicas_limit ||
        a.replicas_min > a.replicas_norm || a.tier > max_tier)
      reject(EINVAL, "replication attributes out of range");
  }
  void touch_dir(inode_id dir, time_ns t) {
    statement(db_, "UPDATE md_inodes SET mtime = ?, ctime = ? WHERE ino = ?").bind(1, t).bind(2, t).bind(3, i64(dir)).run();
  }
  void drop_dentry(inode_id parent, const std::string& name) {
    statement(db_, "DELETE FROM md_dentries WHERE parent = ? AND name = ?").bind(1, i64(parent)).bind(2, name).run();
  }
  // Chunks, replicas and attributes go with it (ON DELETE CASCADE).
  void delete_inode(inode_id ino) {
    if (ino == root_inode) reject(EBUSY, "the root directory cannot be removed");
    statement(db_, "DELETE FROM md_inodes WHERE ino = ?").bind(1, i64(ino)).run();
  }

  void new_entry(inode_id parent, const std::string& name, inode_id ino, inode_type type, uint32_t mode, time_ns t,
                 const repl_attrs& attrs) {
    const char* what = type == inode_type::dir ? "mkdir" : "create";
    require_dir(parent, what);
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos || name.size() > max_name_length)
      reject(EINVAL, std::string(what) + ": bad name '" + name + "'");
    if (ino == 0 || ino > max_file_size || ino <= meta("max_inode"))
      reject(EINVAL, std::string(what) + ": " + ino_s(ino) + " is not a new inode id");
    if (entry_of(parent, name)) reject(EEXIST, std::string(what) + ": '" + name + "' exists in " + ino_s(parent));
    if (mode > 07777) reject(EINVAL, std::string(what) + ": bad mode");
    check_attrs(attrs);
    statement(db_, "INSERT INTO md_inodes(ino, type, mode, size, atime, mtime, ctime, parent, orphan) "
                   "VALUES(?, ?, ?, 0, ?, ?, ?, ?, 0)")
        .bind(1, i64(ino)).bind(2, static_cast<int64_t>(type)).bind(3, mode)
        .bind(4, t).bind(5, t).bind(6, t).bind(7, i64(parent)).run();
    statement(db_, "INSERT INTO md_attrs(ino, replicas_norm, replicas_min, tier, domain) VALUES(?, ?, ?, ?, ?)")
        .bind(1, i64(ino)).bind(2, attrs.replicas_norm).bind(3, attrs.replicas_min).bind(4, attrs.tier)
        .bind(5, std::string(to_string(attrs.domain))).run();
    statement(db_, "INSERT INTO md_dentries(parent, name, ino, type) VALUES(?, ?, ?, ?)")
        .bind(1, i64(parent)).bind(2, name).bind(3, i64(ino)).bind(4, static_cast<int64_t>(type)).run();
    touch_dir(parent, t);
    set_meta("max_inode", ino);
  }

  sqlite_db& db_;
  uint64_t chunk_size_;
};

}  // namespace

// ---- open / schema ----------------------------------------------------------------

md_store::md_store(const std::string& path, const md_store_options& opts, decoder dec, tag_decoder tags)
    : db_(path), decode_(dec), decode_tag_(tags) {
  create_schema(opts);
  ensure_usage_counters();
  apply_committed();
}

void md_store::create_schema(const md_store_options& opts) {
  db_.transaction([&] {
    db_.exec(
        "CREATE TABLE IF NOT EXISTS md_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS md_inodes (ino INTEGER PRIMARY KEY, type INTEGER NOT NULL,"
        " mode INTEGER NOT NULL, size INTEGER NOT NULL, atime INTEGER NOT NULL, mtime INTEGER NOT NULL,"
        " ctime INTEGER NOT NULL, parent INTEGER NOT NULL, orphan INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS md_attrs (ino INTEGER PRIMARY KEY REFERENCES md_inodes(ino) ON DELETE CASCADE,"
        " replicas_norm INTEGER NOT NULL, replicas_min INTEGER NOT NULL, tier INTEGER NOT NULL, domain TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS md_dentries (parent INTEGER NOT NULL REFERENCES md_inodes(ino),"
        " name TEXT NOT NULL, ino INTEGER NOT NULL UNIQUE REFERENCES md_inodes(ino) ON DELETE CASCADE,"
        " type INTEGER NOT NULL, PRIMARY KEY (parent, name)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS md_chunks (id INTEGER PRIMARY KEY,"
        " ino INTEGER NOT NULL REFERENCES md_inodes(ino) ON DELETE CASCADE, idx INTEGER NOT NULL,"
        " version INTEGER NOT NULL, cut_len INTEGER, written INTEGER NOT NULL DEFAULT 0, UNIQUE (ino, idx));"
        "CREATE TABLE IF NOT EXISTS md_replicas (chunk INTEGER NOT NULL REFERENCES md_chunks(id) ON DELETE CASCADE,"
        " pos INTEGER NOT NULL, cs INTEGER NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (chunk, cs)) WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS md_replicas_cs ON md_replicas(cs);"
        // orphans(): the master's sweep asks every session timeout (client_sessions.hpp)
        "CREATE INDEX IF NOT EXISTS md_inodes_orphans ON md_inodes(ino) WHERE orphan = 1;"
        // a directory's nlink counts its subdirectories (getattr)
        "CREATE INDEX IF NOT EXISTS md_dentries_subdirs ON md_dentries(parent, type);"
        "CREATE TABLE IF NOT EXISTS md_params (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        // the cluster's license (cmd_set_license): one row
        "CREATE TABLE IF NOT EXISTS md_license (id INTEGER PRIMARY KEY CHECK (id = 1), text TEXT NOT NULL,"
        " time_ns INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS md_requests (client TEXT NOT NULL, rid INTEGER NOT NULL, idx INTEGER NOT NULL,"
        " PRIMARY KEY (client, rid)) WITHOUT ROWID;"
        // the CS registry (cmd_register_cs / cmd_drop_cs); ids never reused
        "CREATE TABLE IF NOT EXISTS md_css (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, host TEXT NOT NULL,"
        " host_id TEXT NOT NULL, address TEXT NOT NULL, location TEXT NOT NULL, tier INTEGER NOT NULL,"
        " checksums INTEGER NOT NULL, http_port INTEGER NOT NULL, dropped INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE IF NOT EXISTS md_journal (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, data BLOB NOT NULL,"
        " outcome_code INTEGER, outcome TEXT);"
        "CREATE TABLE IF NOT EXISTS md_events (id INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, severity TEXT NOT NULL,"
        " source TEXT NOT NULL, text TEXT NOT NULL, epoch INTEGER NOT NULL);"
        HA_SCHEMA SECURITY_SCHEMA);
    std::optional<std::string> format;
    {
      statement st(db_, "SELECT value FROM md_meta WHERE key = 'format'");
      if (st.step()) format = st.col_text(0);
    }
    if (format) {
      if (*format == "md-2") {
        // md-2 -> md-3: no write floor was kept; every version may have been
        // written, so the floor starts at the chunk's version (conservative).
        db_.exec("ALTER TABLE md_chunks ADD COLUMN written INTEGER NOT NULL DEFAULT 0;"
                 "UPDATE md_chunks SET written = version;");
        statement(db_, "UPDATE md_meta SET value = ? WHERE key = 'format'").bind(1, std::string(format_tag)).run();
        format = format_tag;
      }
      if (*format != format_tag)
        throw store_error("metadata store '" + db_.path() + "' has format '" + *format + "', this build reads '" +
                          format_tag + "'");
      chunk_size_ = meta_u64("chunk_size");
      if (opts.chunk_size && *opts.chunk_size != chunk_size_)
        throw store_error("metadata store '" + db_.path() + "' was created with chunk size " +
                          std::to_string(chunk_size_) + "; it cannot change to " + std::to_string(*opts.chunk_size));
      return;
    }
    chunk_size_ = opts.chunk_size.value_or(default_chunk_size);
    if (chunk_size_ == 0 || chunk_size_ > max_file_size)
      throw store_error("metadata store '" + db_.path() + "': invalid chunk size " + std::to_string(chunk_size_));
    statement(db_, "INSERT INTO md_meta(key, value) VALUES('format', ?)").bind(1, std::string(format_tag)).run();
    set_meta_u64("chunk_size", chunk_size_);
    set_meta_u64("applied_index", 0);
    set_meta_u64("commit_index", 0);
    set_meta_u64("max_inode", root_inode);
    set_meta_u64("max_chunk", 0);
    const repl_attrs def;  // replicas=1:1, tier 0, failure-domain host
    statement(db_, "INSERT INTO md_inodes(ino, type, mode, size, atime, mtime, ctime, parent, orphan) "
                   "VALUES(?, ?, ?, 0, ?, ?, ?, 0, 0)")
        .bind(1, i64(root_inode)).bind(2, static_cast<int64_t>(inode_type::dir)).bind(3, 0755)
        .bind(4, opts.root_time).bind(5, opts.root_time).bind(6, opts.root_time).run();
    statement(db_, "INSERT INTO md_attrs(ino, replicas_norm, replicas_min, tier, domain) VALUES(?, ?, ?, ?, ?)")
        .bind(1, i64(root_inode)).bind(2, def.replicas_norm).bind(3, def.replicas_min).bind(4, def.tier)
        .bind(5, std::string(to_string(def.domain))).run();
  });
}

uint64_t md_store::meta_u64(const char* key) const {
  statement st(db_, "SELECT value FROM md_meta WHERE key = ?");
  st.bind(1, std::string(key));
  if (!st.step()) throw store_error("metadata store '" + db_.path() + "' lacks '" + key + "'");
  return std::stoull(st.col_text(0));
}

void md_store::set_meta_u64(const char* key, uint64_t v) {
  statement(db_, "INSERT INTO md_meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(1, std::string(key)).bind(2, std::to_string(v)).run();
}

// ---- journal ------------------------------------------------------------------------

uint64_t md_store::last_index() const {
  statement st(db_, "SELECT max(idx) FROM md_journal");
  st.step();
  return st.col_null(0) ? applied_index() : static_cast<uint64_t>(st.col_int(0));
}

uint64_t md_store::last_term() const {
  statement st(db_, "SELECT term FROM md_journal ORDER BY idx DESC LIMIT 1");
  return st.step() ? static_cast<uint64_t>(st.col_int(0)) : 0;
}

uint64_t md_store::committed_index() const { return meta_u64("commit_index"); }
uint64_t md_store::applied_index() const { return meta_u64("applied_index"); }

void md_store::append_in_txn(const journal_entry& e) {
  const uint64_t last = last_index();
  if (e.index != last + 1)
    throw store_error("metadata journal '" + db_.path() + "': entry " + std::to_string(e.index) +
                      " does not follow the last entry " + std::to_string(last));
  if (e.term < last_term())
    throw store_error("metadata journal '" + db_.path() + "': entry " + std::to_string(e.index) + " has term " +
                      std::to_string(e.term) + " below the last term " + std::to_string(last_term()));
  statement(db_, "INSERT INTO md_journal(idx, term, data) VALUES(?, ?, ?)")
      .bind(1, i64(e.index)).bind(2, i64(e.term)).bind_blob(3, e.data.data(), e.data.size()).run();
}

void md_store::commit_in_txn(uint64_t index) {
  if (index <= committed_index()) return;
  if (index > last_index())
    throw store_error("metadata journal '" + db_.path() + "': cannot commit " + std::to_string(index) +
                      " beyond the last entry " + std::to_string(last_index()));
  set_meta_u64("commit_index", index);
}

void md_store::append(const journal_entry& e) {
  db_.transaction([&] { append_in_txn(e); });
}

void md_store::commit(uint64_t index) {
  db_.transaction([&] { commit_in_txn(index); });
}

void md_store::truncate_after(uint64_t index) {
  db_.transaction([&] {
    if (index < committed_index())
      throw store_error("metadata journal '" + db_.path() + "': cannot drop committed entries after " +
                        std::to_string(index) + " (committed " + std::to_string(committed_index()) + ")");
    statement(db_, "DELETE FROM md_journal WHERE idx > ?").bind(1, i64(index)).run();
  });
}

std::optional<apply_result> md_store::outcome(uint64_t index) const {
  if (index == 0 || index > applied_index()) return std::nullopt;
  apply_result r;
  r.index = index;
  statement st(db_, "SELECT outcome_code, outcome FROM md_journal WHERE idx = ?");
  st.bind(1, i64(index));
  if (st.step() && !st.col_null(0) && st.col_int(0) != 0)
    r.rejected = md_error{static_cast<int>(st.col_int(0)), st.col_text(1)};
  return r;
}

apply_result md_store::apply_in_txn(const journal_entry& e) {
  const uint64_t applied = applied_index();
  if (e.index == 0) throw store_error("metadata journal '" + db_.path() + "': entry index 0 is not valid");
  if (e.index <= applied) {
    auto r = *outcome(e.index);
    r.duplicate = true;
    return r;
  }
  if (e.index != applied + 1)
    throw store_error("metadata journal '" + db_.path() + "': cannot apply entry " + std::to_string(e.index) +
                      " after " + std::to_string(applied));
  auto stored = entry(e.index);
  if (!stored || stored->term != e.term || stored->data != e.data)
    throw store_error("metadata journal '" + db_.path() + "': entry " + std::to_string(e.index) +
                      " to apply differs from the journal's");
  if (e.index > committed_index()) set_meta_u64("commit_index", e.index);  // applying implies committed

  apply_result r;
  r.index = e.index;
  if (e.data.empty()) {  // a journal entry that changes no metadata (a new master's noop, membership)
    statement(db_, "UPDATE md_journal SET outcome_code = 0, outcome = 'ok' WHERE idx = ?").bind(1, i64(e.index)).run();
    set_meta_u64("applied_index", e.index);
    return r;
  }
  md_command cmd;
  try {
    cmd = decode_(e.data);
  } catch (const std::exception& ex) {
    throw store_error("metadata journal '" + db_.path() + "': entry " + std::to_string(e.index) + ": " + ex.what());
  }
  db_.exec("SAVEPOINT md_cmd");
  try {
    applier a(db_, chunk_size_);
    std::visit(a, cmd);
    db_.exec("RELEASE md_cmd");
    if (observer_) observer_(cmd);
  } catch (const rejection& rej) {
    db_.exec("ROLLBACK TO md_cmd");
    db_.exec("RELEASE md_cmd");
    r.rejected = rej.err;
  }
  if (auto tag = decode_tag_(e.data)) {  // rejected or not: the request is answered by this entry
    statement(db_, "INSERT OR REPLACE INTO md_requests(client, rid, idx) VALUES(?, ?, ?)")
        .bind(1, tag->client).bind(2, i64(tag->id)).bind(3, i64(e.index)).run();
    if (tag->id > 4096)
      statement(db_, "DELETE FROM md_requests WHERE client = ? AND rid <= ?").bind(1, tag->client).bind(2, i64(tag->id - 4096)).run();
  }
  statement(db_, "UPDATE md_journal SET outcome_code = ?, outcome = ? WHERE idx = ?")
      .bind(1, r.rejected ? r.rejected->code : 0)
      .bind(2, r.rejected ? r.rejected->message : std::string("ok"))
      .bind(3, i64(e.index))
      .run();
  set_meta_u64("applied_index", e.index);
  return r;
}

apply_result md_store::apply(const journal_entry& e) {
  apply_result r;
  db_.transaction([&] { r = apply_in_txn(e); });
  return r;
}

std::vector<apply_result> md_store::apply_committed() {
  // In batches of up to 10 000 entries, each batch one transaction (one
  // fsync): an entry per transaction replayed 290 entries/s on a disk
  // (docs/scale.md, journal replay). A crash mid-way keeps whole batches:
  // state and applied_index move together, the rest is replayed again.
  constexpr uint64_t batch = 10000;
  std::vector<apply_result> out;
  for (;;) {
    const uint64_t next = applied_index() + 1;
    const uint64_t committed = committed_index();
    if (next > committed) break;
    const uint64_t last = std::min(committed, next + batch - 1);
    auto es = entries(next, last);
    if (es.size() != last - next + 1 || es.front().index != next)
      throw store_error("metadata journal '" + db_.path() + "': committed entry " + std::to_string(next) + " is missing");
    db_.transaction([&] {
      for (auto& e : es) out.push_back(apply_in_txn(e));
    });
  }
  return out;
}

apply_result md_store::commit_local(const journal_entry& e, bool durable) {
  return commit_local_all({e}, durable).front();
}

std::vector<apply_result> md_store::commit_local_all(const std::vector<journal_entry>& entries, bool durable) {
  std::vector<apply_result> r;
  if (entries.empty()) return r;
  r.reserve(entries.size());
  set_synchronous(durable);
  try {
    db_.transaction([&] {
      for (auto& e : entries) {
        append_in_txn(e);
        commit_in_txn(e.index);
        r.push_back(apply_in_txn(e));
      }
    });
  } catch (...) {
    set_synchronous(true);
    throw;
  }
  // Every other write of this store (append, commit, apply, meta) stays FULL.
  set_synchronous(true);
  unsynced_ = !durable;  // a durable commit fsyncs the WAL, earlier frames included
  return r;
}

// synchronous=FULL fsyncs the WAL at every commit; NORMAL only writes it
// (SQLite's own guarantee: a NORMAL commit survives a process crash and may
// roll back on power loss; the database stays consistent either way).
void md_store::set_synchronous(bool full) {
  if (full == synchronous_full_) return;
  db_.exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  synchronous_full_ = full;
}

void md_store::sync() {
  if (!unsynced_) return;
  set_synchronous(true);
  // A one-row write: its FULL commit fsyncs the WAL, earlier frames included.
  db_.transaction([&] { db_.exec("UPDATE md_meta SET value = value WHERE key = 'format'"); });
  unsynced_ = false;
}

std::optional<journal_entry> md_store::entry(uint64_t index) const {
  statement st(db_, "SELECT idx, term, data FROM md_journal WHERE idx = ?");
  st.bind(1, i64(index));
  if (!st.step()) return std::nullopt;
  return journal_entry{static_cast<uint64_t>(st.col_int(0)), static_cast<uint64_t>(st.col_int(1)), st.col_blob(2)};
}

std::vector<journal_entry> md_store::entries(uint64_t from, uint64_t to) const {
  std::vector<journal_entry> out;
  statement st(db_, "SELECT idx, term, data FROM md_journal WHERE idx >= ? AND idx <= ? ORDER BY idx");
  st.bind(1, i64(from)).bind(2, i64(std::min<uint64_t>(to, max_file_size)));
  while (st.step())
    out.push_back({static_cast<uint64_t>(st.col_int(0)), static_cast<uint64_t>(st.col_int(1)), st.col_blob(2)});
  return out;
}

// ---- queries -------------------------------------------------------------------------

std::optional<inode_attr> md_store::getattr(inode_id ino) const {
  statement st(db_,
               "SELECT i.type, i.mode, i.size, i.atime, i.mtime, i.ctime, i.parent, i.orphan,"
               " a.replicas_norm, a.replicas_min, a.tier, a.domain,"
               " CASE WHEN i.type = 2 THEN (SELECT count(*) FROM md_dentries d WHERE d.parent = i.ino AND d.type = 2)"
               " ELSE 0 END"
               " FROM md_inodes i JOIN md_attrs a ON a.ino = i.ino WHERE i.ino = ?");
  st.bind(1, i64(ino));
  if (!st.step()) return std::nullopt;
  inode_attr a;
  a.ino = ino;
  a.type = static_cast<inode_type>(st.col_int(0));
  a.mode = static_cast<uint32_t>(st.col_int(1));
  a.size = static_cast<uint64_t>(st.col_int(2));
  a.atime = st.col_int(3);
  a.mtime = st.col_int(4);
  a.ctime = st.col_int(5);
  a.parent = static_cast<inode_id>(st.col_int(6));
  a.orphan = st.col_int(7) != 0;
  a.repl.replicas_norm = static_cast<uint32_t>(st.col_int(8));
  a.repl.replicas_min = static_cast<uint32_t>(st.col_int(9));
  a.repl.tier = static_cast<uint32_t>(st.col_int(10));
  a.repl.domain = parse_failure_domain(st.col_text(11)).value_or(failure_domain::host);
  a.nlink = a.is_dir() ? 2 + static_cast<uint32_t>(st.col_int(12)) : (a.orphan ? 0 : 1);
  return a;
}

std::optional<dir_entry> md_store::lookup(inode_id parent, std::string_view name) const {
  statement st(db_, "SELECT ino, type FROM md_dentries WHERE parent = ? AND name = ?");
  st.bind(1, i64(parent)).bind(2, std::string(name));
  if (!st.step()) return std::nullopt;
  return dir_entry{std::string(name), static_cast<inode_id>(st.col_int(0)), static_cast<inode_type>(st.col_int(1))};
}

bool md_store::dir_empty(inode_id dir) const {
  statement st(db_, "SELECT 1 FROM md_dentries WHERE parent = ? LIMIT 1");
  st.bind(1, i64(dir));
  return !st.step();
}

std::vector<replica_info> md_store::replicas_of(chunk_id id) const {
  std::vector<replica_info> out;
  statement st(db_, "SELECT cs, version FROM md_replicas WHERE chunk = ? ORDER BY pos");
  st.bind(1, i64(id));
  while (st.step()) out.push_back({static_cast<cs_id>(st.col_int(0)), static_cast<uint32_t>(st.col_int(1))});
  return out;
}

namespace {
// Columns from `first`: id, ino, idx, version, cut_len, written.
chunk_info chunk_row(const statement& st, int first) {
  chunk_info c{static_cast<chunk_id>(st.col_int(first)), static_cast<inode_id>(st.col_int(first + 1)),
               static_cast<uint64_t>(st.col_int(first + 2)), static_cast<uint32_t>(st.col_int(first + 3)), {}};
  if (!st.col_null(first + 4)) c.cut_len = static_cast<uint64_t>(st.col_int(first + 4));
  c.written_version = static_cast<uint32_t>(st.col_int(first + 5));
  return c;
}
}  // namespace

std::vector<chunk_id> md_store::unconfirmed_chunks() const {
  std::vector<chunk_id> out;
  statement st(db_,
               "SELECT c.id FROM md_chunks c WHERE c.version >"
               " (SELECT coalesce(max(r.version), c.version) FROM md_replicas r WHERE r.chunk = c.id) ORDER BY c.id");
  while (st.step()) out.push_back(static_cast<chunk_id>(st.col_int(0)));
  return out;
}

std::vector<chunk_id> md_store::lagging_chunks_on(cs_id cs) const {
  std::vector<chunk_id> out;
  statement st(db_,
               "SELECT r.chunk FROM md_replicas r JOIN md_chunks c ON c.id = r.chunk"
               " WHERE r.cs = ? AND r.version < c.version AND r.version >= c.written ORDER BY r.chunk");
  st.bind(1, static_cast<int64_t>(cs));
  while (st.step()) out.push_back(static_cast<chunk_id>(st.col_int(0)));
  return out;
}

std::optional<chunk_info> md_store::chunk_where(const char* where, int64_t a, int64_t b) const {
  statement st(db_, std::string("SELECT id, ino, idx, version, cut_len, written FROM md_chunks WHERE ") + where);
  st.bind(1, a);
  if (b >= 0) st.bind(2, b);
  if (!st.step()) return std::nullopt;
  chunk_info c = chunk_row(st, 0);
  c.replicas = replicas_of(c.id);
  return c;
}

std::optional<chunk_info> md_store::chunk_at(inode_id file, uint64_t index) const {
  if (index > max_file_size) return std::nullopt;
  return chunk_where("ino = ? AND idx = ?", i64(file), i64(index));
}

std::optional<chunk_info> md_store::chunk_by_id(chunk_id id) const {
  if (id > max_file_size) return std::nullopt;
  return chunk_where("id = ?", i64(id), -1);
}

std::optional<std::string> md_store::name_of(inode_id ino) const {
  statement st(db_, "SELECT name FROM md_dentries WHERE ino = ?");
  st.bind(1, i64(ino));
  if (!st.step()) return std::nullopt;
  return st.col_text(0);
}

std::vector<dir_entry> md_store::readdir(inode_id dir, std::string_view after, size_t limit) const {
  std::vector<dir_entry> out;
  statement st(db_, "SELECT name, ino, type FROM md_dentries WHERE parent = ? AND name > ? ORDER BY name LIMIT ?");
  st.bind(1, i64(dir)).bind(2, std::string(after)).bind(3, limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : i64(limit));
  while (st.step())
    out.push_back({st.col_text(0), static_cast<inode_id>(st.col_int(1)), static_cast<inode_type>(st.col_int(2))});
  return out;
}

std::vector<chunk_info> md_store::chunks(inode_id file) const {
  std::vector<chunk_info> out;
  statement st(db_, "SELECT id, ino, idx, version, cut_len, written FROM md_chunks WHERE ino = ? ORDER BY idx");
  st.bind(1, i64(file));
  while (st.step()) out.push_back(chunk_row(st, 0));
  for (auto& c : out) c.replicas = replicas_of(c.id);
  return out;
}

std::vector<chunk_id> md_store::chunks_on(cs_id cs) const {
  std::vector<chunk_id> out;
  statement st(db_, "SELECT chunk FROM md_replicas WHERE cs = ? ORDER BY chunk");
  st.bind(1, static_cast<int64_t>(cs));
  while (st.step()) out.push_back(static_cast<chunk_id>(st.col_int(0)));
  return out;
}

std::vector<inode_id> md_store::orphans() const {
  std::vector<inode_id> out;
  statement st(db_, "SELECT ino FROM md_inodes WHERE orphan = 1 ORDER BY ino");
  while (st.step()) out.push_back(static_cast<inode_id>(st.col_int(0)));
  return out;
}

std::map<std::string, int64_t> md_store::params() const {
  std::map<std::string, int64_t> out;
  statement st(db_, "SELECT name, value FROM md_params ORDER BY name");
  while (st.step()) out[st.col_text(0)] = st.col_int(1);
  return out;
}

namespace {
// The columns chunk_with_attrs_row reads, after "SELECT ".
constexpr const char* chunk_with_attrs_cols =
    "c.id, c.ino, c.idx, c.version, c.cut_len, c.written, a.replicas_norm, a.replicas_min, a.tier,"
    " a.domain, i.orphan FROM md_chunks c JOIN md_inodes i ON i.ino = c.ino JOIN md_attrs a ON a.ino = c.ino";

chunk_with_attrs chunk_with_attrs_row(const statement& st) {
  chunk_with_attrs c;
  c.chunk = chunk_row(st, 0);
  c.attrs.replicas_norm = static_cast<uint32_t>(st.col_int(6));
  c.attrs.replicas_min = static_cast<uint32_t>(st.col_int(7));
  c.attrs.tier = static_cast<uint32_t>(st.col_int(8));
  c.attrs.domain = parse_failure_domain(st.col_text(9)).value_or(failure_domain::host);
  c.orphan = st.col_int(10) != 0;
  return c;
}
}  // namespace

std::vector<chunk_with_attrs> md_store::all_chunks() const { return chunks_from(0, SIZE_MAX); }

std::vector<chunk_with_attrs> md_store::chunks_from(chunk_id first, size_t limit) const {
  std::vector<chunk_with_attrs> out;
  if (limit == 0) return out;
  {
    statement st(db_, std::string("SELECT ") + chunk_with_attrs_cols + " WHERE c.id >= ? ORDER BY c.id LIMIT ?");
    st.bind(1, i64(first)).bind(2, limit == SIZE_MAX ? int64_t{-1} : static_cast<int64_t>(limit));
    while (st.step()) out.push_back(chunk_with_attrs_row(st));
  }
  if (out.empty()) return out;
  // Both in chunk id order: a merge, no lookup table (10 M chunks: docs/scale.md).
  statement st(db_, "SELECT chunk, cs, version FROM md_replicas WHERE chunk >= ? AND chunk <= ? ORDER BY chunk, pos");
  st.bind(1, i64(out.front().chunk.id)).bind(2, i64(out.back().chunk.id));
  size_t i = 0;
  while (st.step()) {
    const auto id = static_cast<chunk_id>(st.col_int(0));
    while (i < out.size() && out[i].chunk.id < id) ++i;
    if (i == out.size()) break;
    if (out[i].chunk.id != id) continue;
    out[i].chunk.replicas.push_back({static_cast<cs_id>(st.col_int(1)), static_cast<uint32_t>(st.col_int(2))});
  }
  return out;
}

std::vector<chunk_with_attrs> md_store::chunks_with_attrs(const std::vector<chunk_id>& ids) const {
  std::vector<chunk_with_attrs> out;
  out.reserve(ids.size());
  const std::string sql = std::string("SELECT ") + chunk_with_attrs_cols + " WHERE c.id = ?";
  for (auto id : ids) {
    statement st(db_, sql);
    st.bind(1, i64(id));
    if (!st.step()) continue;
    out.push_back(chunk_with_attrs_row(st));
    out.back().chunk.replicas = replicas_of(id);
  }
  return out;
}

inode_id md_store::max_inode_id() const { return meta_u64("max_inode"); }
chunk_id md_store::max_chunk_id() const { return meta_u64("max_chunk"); }

std::string md_store::canonical_dump() const {
  std::ostringstream o;
  o << "chunk_size " << chunk_size_ << "\napplied " << applied_index() << "\nmax_inode " << max_inode_id()
    << "\nmax_chunk " << max_chunk_id() << "\n";
  {
    statement st(db_,
                 "SELECT i.ino, i.type, i.mode, i.size, i.atime, i.mtime, i.ctime, i.parent, i.orphan,"
                 " a.replicas_norm, a.replicas_min, a.tier, a.domain FROM md_inodes i JOIN md_attrs a ON a.ino = i.ino"
                 " ORDER BY i.ino");
    while (st.step()) {
      o << "inode";
      for (int c = 0; c < 12; ++c) o << ' ' << st.col_int(c);
      o << ' ' << st.col_text(12) << "\n";
    }
  }
  {
    statement st(db_, "SELECT parent, name, ino, type FROM md_dentries ORDER BY parent, name");
    while (st.step()) o << "dentry " << st.col_int(0) << " '" << st.col_text(1) << "' " << st.col_int(2) << ' ' << st.col_int(3) << "\n";
  }
  {
    statement st(db_, "SELECT id, ino, idx, version, coalesce(cut_len, -1), written FROM md_chunks ORDER BY id");
    while (st.step())
      o << "chunk " << st.col_int(0) << ' ' << st.col_int(1) << ' ' << st.col_int(2) << ' ' << st.col_int(3) << ' '
        << st.col_int(4) << ' ' << st.col_int(5) << "\n";
  }
  {
    statement st(db_, "SELECT chunk, pos, cs, version FROM md_replicas ORDER BY chunk, pos");
    while (st.step()) o << "replica " << st.col_int(0) << ' ' << st.col_int(1) << ' ' << st.col_int(2) << ' ' << st.col_int(3) << "\n";
  }
  for (auto& [name, value] : params()) o << "param " << name << ' ' << value << "\n";
  if (auto l = license()) o << "license " << l->time << " '" << l->text << "'\n";
  {
    statement st(db_, "SELECT client, rid, idx FROM md_requests ORDER BY client, rid");
    while (st.step()) o << "request '" << st.col_text(0) << "' " << st.col_int(1) << ' ' << st.col_int(2) << "\n";
  }
  {
    statement st(db_, "SELECT id, time_ns, severity, source, epoch, text FROM md_events ORDER BY id");
    while (st.step())
      o << "event " << st.col_int(0) << ' ' << st.col_int(1) << ' ' << st.col_text(2) << ' ' << st.col_text(3) << ' '
        << st.col_int(4) << " '" << st.col_text(5) << "'\n";
  }
  ha_dump(o, *this);
  security_dump(o, *this);
  for (auto& c : css())
    o << "cs " << c.id << ' ' << c.repo_uuid << " '" << c.host << "' '" << c.host_id << "' " << c.address << " '"
      << c.location << "' " << c.tier << ' ' << c.checksums << ' ' << c.http_port << ' ' << c.dropped << "\n";
  return o.str();
}

std::optional<uint64_t> md_store::request_index(const std::string& client, uint64_t id) const {
  statement st(db_, "SELECT idx FROM md_requests WHERE client = ? AND rid = ?");
  st.bind(1, client).bind(2, i64(id));
  if (!st.step()) return std::nullopt;
  return static_cast<uint64_t>(st.col_int(0));
}

std::vector<cs_record> md_store::css() const {
  std::vector<cs_record> out;
  statement st(db_, "SELECT id, uuid, host, host_id, address, location, tier, checksums, dropped, http_port"
                    " FROM md_css ORDER BY id");
  while (st.step()) out.push_back(read_cs_record(st));
  return out;
}

}  // namespace pstorage::persistence
