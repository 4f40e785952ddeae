#include "actors/mds/md_validate.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <set>

namespace pstorage::mds {

namespace {

md_error err(int code, std::string msg) { return md_error{code, std::move(msg)}; }
md_outcome done(md_command c) { return md_outcome(std::move(c)); }

std::string q(std::string_view name) { return "'" + std::string(name) + "'"; }
std::string ino_s(inode_id i) { return "inode " + std::to_string(i); }

// A valid single path component.
std::optional<md_error> check_name(std::string_view name, const char* what) {
  if (name.empty()) return err(EINVAL, std::string(what) + ": the name is empty");
  if (name == "." || name == "..") return err(EINVAL, std::string(what) + " " + q(name) + ": reserved name");
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos)
    return err(EINVAL, std::string(what) + " " + q(name) + ": a name cannot contain '/' or NUL");
  if (name.size() > max_name_length)
    return err(ENAMETOOLONG, std::string(what) + ": the name is longer than " + std::to_string(max_name_length) +
                                 " bytes");
  return std::nullopt;
}

// The parent must exist and be a directory.
std::variant<inode_attr, md_error> get_dir(const md_view& v, inode_id dir, const std::string& what) {
  auto a = v.getattr(dir);
  if (!a) return err(ENOENT, what + ": directory " + ino_s(dir) + " does not exist");
  if (!a->is_dir()) return err(ENOTDIR, what + ": " + ino_s(dir) + " is not a directory");
  if (a->orphan) return err(ENOENT, what + ": directory " + ino_s(dir) + " was removed");
  return *a;
}

bool is_open(const decision_context& ctx, inode_id ino) { return ctx.is_open && ctx.is_open(ino); }

std::optional<uint32_t> parse_u32(std::string_view s) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

template <class Cmd>
md_outcome validate_new_entry(const md_view& v, const decision_context& ctx, inode_id parent,
                              std::string_view name, uint32_t mode, const char* what) {
  if (auto e = check_name(name, what)) return *e;
  auto p = get_dir(v, parent, std::string(what) + " " + q(name));
  if (auto* e = std::get_if<md_error>(&p)) return *e;
  if (v.lookup(parent, name))
    return err(EEXIST, std::string(what) + " " + q(name) + ": an entry with this name already exists in " +
                           ino_s(parent));
  if (mode > 07777) return err(EINVAL, std::string(what) + " " + q(name) + ": mode has bits beyond 07777");
  if (!ctx.new_inode) return err(EINVAL, std::string(what) + ": no inode id generator in the decision context");
  Cmd c;
  c.parent = parent;
  c.name = std::string(name);
  c.mode = mode;
  c.time = ctx.now;
  c.attrs = std::get<inode_attr>(p).repl;  // new children inherit the parent's attributes
  c.ino = ctx.new_inode();
  return done(std::move(c));
}

}  // namespace

// ---- set-attr ----------------------------------------------------------------

md_result<repl_change> parse_repl_attrs(const std::vector<std::string>& assignments) {
  if (assignments.empty())
    return err(EINVAL, "no attribute given: expected replicas=NORM[:MIN], tier=0..3 or "
                       "failure-domain=disk|host|rack|row|room");
  repl_change out;
  for (const auto& a : assignments) {
    auto eq = a.find('=');
    std::string key = a.substr(0, eq);
    if (eq == std::string::npos)
      return err(EINVAL, "unknown attribute '" + a + "': expected NAME=VALUE with NAME one of replicas, tier, "
                                                     "failure-domain");
    std::string_view val(a);
    val.remove_prefix(eq + 1);
    if (key == "replicas") {
      auto colon = val.find(':');
      auto norm = parse_u32(val.substr(0, colon));
      if (!norm) return err(EINVAL, a + ": the number of replicas must be NORM or NORM:MIN, e.g. replicas=3:2");
      if (*norm < min_replicas_limit || *norm > max_replicas_limit)
        return err(EINVAL, a + ": the normal number of replicas must be from 1 to 15");
      uint32_t min = default_min_replicas(*norm);
      if (colon != std::string_view::npos) {
        auto m = parse_u32(val.substr(colon + 1));
        if (!m) return err(EINVAL, a + ": the number of replicas must be NORM or NORM:MIN, e.g. replicas=3:2");
        if (*m < min_replicas_limit || *m > max_replicas_limit)
          return err(EINVAL, a + ": the minimum number of replicas must be from 1 to 15");
        if (*m > *norm)
          return err(EINVAL, a + ": the minimum number of replicas (" + std::to_string(*m) +
                                 ") cannot exceed the normal number (" + std::to_string(*norm) + ")");
        min = *m;
      }
      out.replicas_norm = *norm;
      out.replicas_min = min;
    } else if (key == "tier") {
      auto t = parse_u32(val);
      if (!t || *t > max_tier) return err(EINVAL, a + ": the tier must be a number from 0 to 3");
      out.tier = *t;
    } else if (key == "failure-domain") {
      auto d = parse_failure_domain(val);
      if (!d) return err(EINVAL, a + ": the failure domain must be one of disk, host, rack, row, room");
      out.domain = *d;
    } else {
      return err(EINVAL, "unknown attribute '" + key + "': known attributes are replicas, tier, failure-domain");
    }
  }
  return out;
}

std::vector<std::string> format_repl_attrs(const repl_attrs& a) {
  return {"replicas=" + std::to_string(a.replicas_norm) + ":" + std::to_string(a.replicas_min),
          "tier=" + std::to_string(a.tier), std::string("failure-domain=") + to_string(a.domain)};
}

// ---- paths -----------------------------------------------------------------------

md_result<inode_id> resolve_path(const md_view& v, std::string_view path) {
  if (path.empty() || path[0] != '/') return err(EINVAL, "path '" + std::string(path) + "' is not absolute");
  inode_id cur = root_inode;
  size_t pos = 0;
  while (pos < path.size()) {
    while (pos < path.size() && path[pos] == '/') ++pos;
    if (pos >= path.size()) break;
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(pos, end - pos);
    pos = end;
    if (comp == ".") continue;
    if (comp == "..") {
      auto a = v.getattr(cur);
      if (a && a->parent != 0) cur = a->parent;
      continue;
    }
    auto a = v.getattr(cur);
    if (!a) return err(ENOENT, "path '" + std::string(path) + "': " + ino_s(cur) + " does not exist");
    if (!a->is_dir())
      return err(ENOTDIR, "path '" + std::string(path) + "': a component before '" + std::string(comp) +
                              "' is not a directory");
    auto e = v.lookup(cur, comp);
    if (!e) return err(ENOENT, "path '" + std::string(path) + "': no such file or directory '" + std::string(comp) + "'");
    cur = e->ino;
  }
  return cur;
}

// ---- namespace validators -----------------------------------------------------

md_outcome validate_mkdir(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name,
                          uint32_t mode) {
  return validate_new_entry<cmd_mkdir>(v, ctx, parent, name, mode, "cannot create directory");
}

md_outcome validate_create(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name,
                           uint32_t mode) {
  return validate_new_entry<cmd_create>(v, ctx, parent, name, mode, "cannot create file");
}

md_outcome validate_unlink(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name) {
  const std::string what = "cannot remove " + q(name);
  if (auto e = check_name(name, "cannot remove")) return *e;
  auto p = get_dir(v, parent, what);
  if (auto* e = std::get_if<md_error>(&p)) return *e;
  auto ent = v.lookup(parent, name);
  if (!ent) return err(ENOENT, what + ": no such file in " + ino_s(parent));
  if (ent->type == inode_type::dir) return err(EISDIR, what + ": it is a directory (use rmdir)");
  return done(cmd_unlink{parent, std::string(name), ent->ino, is_open(ctx, ent->ino), ctx.now});
}

md_outcome validate_rmdir(const md_view& v, const decision_context& ctx, inode_id parent, std::string_view name) {
  const std::string what = "cannot remove directory " + q(name);
  if (auto e = check_name(name, "cannot remove directory")) return *e;
  auto p = get_dir(v, parent, what);
  if (auto* e = std::get_if<md_error>(&p)) return *e;
  auto ent = v.lookup(parent, name);
  if (!ent) return err(ENOENT, what + ": no such directory in " + ino_s(parent));
  if (ent->type != inode_type::dir) return err(ENOTDIR, what + ": it is not a directory");
  if (!v.dir_empty(ent->ino)) return err(ENOTEMPTY, what + ": the directory is not empty");
  return done(cmd_rmdir{parent, std::string(name), ent->ino, ctx.now});
}

md_outcome validate_rename(const md_view& v, const decision_context& ctx, inode_id src_parent,
                           std::string_view src_name, inode_id dst_parent, std::string_view dst_name) {
  const std::string what = "cannot rename " + q(src_name) + " to " + q(dst_name);
  if (auto e = check_name(src_name, "cannot rename")) return *e;
  if (auto e = check_name(dst_name, "cannot rename")) return *e;
  auto sp = get_dir(v, src_parent, what);
  if (auto* e = std::get_if<md_error>(&sp)) return *e;
  auto dp = get_dir(v, dst_parent, what);
  if (auto* e = std::get_if<md_error>(&dp)) return *e;
  auto src = v.lookup(src_parent, src_name);
  if (!src) return err(ENOENT, what + ": no such file or directory " + q(src_name) + " in " + ino_s(src_parent));

  cmd_rename c{src_parent, std::string(src_name), dst_parent, std::string(dst_name), src->ino, 0, false, ctx.now};
  if (src_parent == dst_parent && src_name == dst_name) return done(std::move(c));  // POSIX: nothing to do

  if (src->type == inode_type::dir) {
    // Refuse moving a directory into itself or below itself: walk up from the
    // destination directory to the root.
    inode_id p = dst_parent;
    for (int depth = 0; p != 0 && depth < 1 << 20; ++depth) {
      if (p == src->ino) return err(EINVAL, what + ": cannot move a directory into its own subtree");
      auto a = v.getattr(p);
      if (!a) break;
      p = a->parent;
    }
  }

  if (auto dst = v.lookup(dst_parent, dst_name)) {
    if (dst->ino == src->ino) return done(std::move(c));  // same inode (no hard links): nothing to do
    if (dst->type == inode_type::dir && src->type != inode_type::dir)
      return err(EISDIR, what + ": the target is a directory and the source is not");
    if (dst->type != inode_type::dir && src->type == inode_type::dir)
      return err(ENOTDIR, what + ": the source is a directory and the target is not");
    if (dst->type == inode_type::dir && !v.dir_empty(dst->ino))
      return err(ENOTEMPTY, what + ": the target directory is not empty");
    c.replaced = dst->ino;
    c.orphan_replaced = dst->type != inode_type::dir && is_open(ctx, dst->ino);
  }
  return done(std::move(c));
}

md_outcome validate_setattr(const md_view& v, const decision_context& ctx, inode_id ino, const setattr_request& r) {
  const std::string what = "cannot set attributes of " + ino_s(ino);
  auto a = v.getattr(ino);
  if (!a) return err(ENOENT, what + ": no such file or directory");
  cmd_setattr c;
  c.ino = ino;
  c.ctime = ctx.now;
  if (r.mode) {
    if (*r.mode > 07777) return err(EINVAL, what + ": mode has bits beyond 07777");
    c.mode = *r.mode;
  }
  if (r.atime_now) c.atime = ctx.now;
  else if (r.atime) c.atime = *r.atime;
  if (r.mtime_now) c.mtime = ctx.now;
  else if (r.mtime) c.mtime = *r.mtime;
  if (r.size) {
    if (a->is_dir()) return err(EISDIR, what + ": cannot truncate a directory");
    if (*r.size > max_file_size) return err(EFBIG, what + ": size " + std::to_string(*r.size) + " is too large");
    c.size = *r.size;
    // A shrink to the middle of a chunk cuts that chunk: new version.
    const uint64_t cs = v.chunk_size();
    if (*r.size < a->size && *r.size % cs != 0) {
      if (auto ch = v.chunk_at(ino, *r.size / cs)) c.cut_version = ch->version + 1;
    }
    if (!r.mtime && !r.mtime_now) c.mtime = ctx.now;  // truncate changes the data
  }
  return done(std::move(c));
}

md_outcome validate_set_repl(const md_view& v, const decision_context& ctx, inode_id ino,
                             const std::vector<std::string>& assignments, bool recursive) {
  auto parsed = parse_repl_attrs(assignments);
  if (!parsed) return parsed.error();
  auto a = v.getattr(ino);
  if (!a) return err(ENOENT, "cannot set attributes of " + ino_s(ino) + ": no such file or directory");
  const auto& p = parsed.value();
  return done(cmd_set_repl{ino, recursive, p.replicas_norm, p.replicas_min, p.tier, p.domain});
}

// ---- chunk map validators -------------------------------------------------------

md_outcome validate_alloc_chunk(const md_view& v, const decision_context& ctx, inode_id ino, uint64_t index,
                                const std::vector<cs_id>& replicas) {
  const std::string what = "cannot allocate chunk " + std::to_string(index) + " of " + ino_s(ino);
  auto a = v.getattr(ino);
  if (!a) return err(ENOENT, what + ": no such file");
  if (a->is_dir()) return err(EISDIR, what + ": it is a directory");
  const uint64_t cs = v.chunk_size();
  if (index > max_file_size / cs) return err(EFBIG, what + ": the offset is beyond the largest file size");
  if (v.chunk_at(ino, index)) return err(EEXIST, what + ": the chunk already exists");
  if (replicas.empty()) return err(EINVAL, what + ": no chunk server was chosen");
  if (replicas.size() > max_replicas_limit)
    return err(EINVAL, what + ": " + std::to_string(replicas.size()) + " replicas, at most 15 are allowed");
  std::set<cs_id> seen;
  for (cs_id r : replicas) {
    if (r == 0) return err(EINVAL, what + ": CS id 0 is not valid");
    if (!seen.insert(r).second) return err(EINVAL, what + ": CS#" + std::to_string(r) + " is listed twice");
  }
  if (!ctx.new_chunk) return err(EINVAL, what + ": no chunk id generator in the decision context");
  return done(cmd_alloc_chunk{ino, index, ctx.new_chunk(), 1, replicas});
}

std::optional<uint32_t> newest_replica_version(const chunk_info& c) {
  std::optional<uint32_t> v;
  for (const auto& r : c.replicas) v = std::max(v.value_or(0), r.version);
  return v;
}

uint32_t write_floor(const chunk_info& c) {
  if (c.written_version) return c.written_version;
  return newest_replica_version(c).value_or(c.version);
}

bool fence_out_instead_of_drop(const chunk_info& c, const std::vector<cs_id>& failed, uint32_t min_live,
                               const std::function<bool(cs_id)>& active) {
  uint32_t live_after = 0;
  for (auto& r : c.replicas)
    live_after += r.version == c.version && active(r.cs) && std::find(failed.begin(), failed.end(), r.cs) == failed.end();
  return live_after > 0 && live_after < min_live;
}

std::optional<cmd_mark_written> mark_written_if_needed(const chunk_info& c) {
  if (c.written_version >= c.version) return std::nullopt;
  return cmd_mark_written{c.id, c.version};
}

md_outcome validate_drop_replica(const md_view& v, const decision_context& ctx, chunk_id chunk, cs_id cs,
                                 drop_mode mode, const std::vector<cs_id>& bad) {
  const std::string what = "cannot drop the replica of chunk " + std::to_string(chunk) + " on CS#" + std::to_string(cs);
  auto c = v.chunk_by_id(chunk);
  if (!c) return err(ENOENT, what + ": no such chunk");
  auto it = std::find_if(c->replicas.begin(), c->replicas.end(), [&](const replica_info& r) { return r.cs == cs; });
  if (it == c->replicas.end()) return err(ENOENT, what + ": that CS holds no replica of it");
  if (c->version == UINT32_MAX) return err(EINVAL, what + ": the chunk version cannot grow any more");
  const auto sound_others = std::count_if(c->replicas.begin(), c->replicas.end(), [&](const replica_info& r) {
    return r.cs != cs && holds_acked_writes(*c, r) && std::find(bad.begin(), bad.end(), r.cs) == bad.end();
  });
  if (mode == drop_mode::keep_last_newest && holds_acked_writes(*c, *it) && sound_others == 0)
    return err(EBUSY, what + ": no other sound up-to-date copy (version >= " + std::to_string(write_floor(*c)) +
                          ") would remain; it is kept and the chunk waits for that CS (rm-cs -f declares it lost)");
  return done(cmd_drop_replica{chunk, cs, c->version + 1});
}

md_outcome validate_fence_chunk(const md_view& v, const decision_context& ctx, chunk_id chunk) {
  const std::string what = "cannot fence chunk " + std::to_string(chunk);
  auto c = v.chunk_by_id(chunk);
  if (!c) return err(ENOENT, what + ": no such chunk");
  if (c->version == UINT32_MAX) return err(EINVAL, what + ": the chunk version cannot grow any more");
  return done(cmd_fence_chunk{chunk, c->version + 1});
}

md_outcome validate_confirm_replicas(const md_view& v, const decision_context& ctx, chunk_id chunk,
                                     uint32_t version, const std::vector<cs_id>& cs) {
  const std::string what = "cannot confirm replicas of chunk " + std::to_string(chunk) + " at version " +
                           std::to_string(version);
  auto c = v.chunk_by_id(chunk);
  if (!c) return err(ENOENT, what + ": no such chunk");
  if (c->version != version)
    return err(ESTALE, what + ": the chunk moved on to version " + std::to_string(c->version));
  if (cs.empty()) return err(EINVAL, what + ": no chunk server named");
  // A replica recorded below `version` joins it only while nobody was given
  // the chunk for writing at it: a writer's chain lacks that replica (the
  // simulator's `--seed 404 --scenario data-partition`).
  std::vector<cs_id> ids;
  for (auto id : cs) {
    auto r = std::find_if(c->replicas.begin(), c->replicas.end(), [&](const replica_info& x) { return x.cs == id; });
    const bool recorded_below = r != c->replicas.end() && r->version < version;
    if (recorded_below && c->written_version >= version) continue;
    ids.push_back(id);
  }
  if (ids.empty())
    return err(ESTALE, what + ": the chunk was given out for writing at that version meanwhile; a new round is needed");
  const std::vector<cs_id> kept = ids;
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return err(EINVAL, what + ": a CS is named twice");
  if (ids.front() == 0) return err(EINVAL, what + ": CS id 0 is not valid");
  size_t added = 0;
  for (auto id : ids)
    added += std::none_of(c->replicas.begin(), c->replicas.end(), [&](const replica_info& r) { return r.cs == id; });
  if (c->replicas.size() + added > max_replicas_limit) return err(EINVAL, what + ": more than 15 replicas");
  return done(cmd_confirm_replicas{chunk, version, kept});
}

md_outcome validate_set_size(const md_view& v, const decision_context& ctx, inode_id ino, uint64_t size) {
  const std::string what = "cannot set the size of " + ino_s(ino);
  auto a = v.getattr(ino);
  if (!a) return err(ENOENT, what + ": no such file");
  if (a->is_dir()) return err(EISDIR, what + ": it is a directory");
  if (size > max_file_size) return err(EFBIG, what + ": size " + std::to_string(size) + " is too large");
  return done(cmd_set_size{ino, std::max(size, a->size), ctx.now});
}

md_outcome validate_purge_orphan(const md_view& v, const decision_context& ctx, inode_id ino) {
  const std::string what = "cannot purge " + ino_s(ino);
  auto a = v.getattr(ino);
  if (!a) return err(ENOENT, what + ": no such inode");
  if (!a->orphan) return err(EINVAL, what + ": it is not orphaned (it still has a directory entry)");
  return done(cmd_purge_orphan{ino});
}

}  // namespace pstorage::mds
