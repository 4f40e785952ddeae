#include "frontends/mount/fuse_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace pstorage::mount {
namespace {
using client::file_attr;

// Kernel caches (docs/consistency.md). A name absent from a directory
// listing this mount holds under the master's directory watch, and a file
// of such a listing whose attributes are kept with it, are answered here
// without the MDS (client/dir_cache.hpp). Attributes: 1 s; a read or fstat on
// an open descriptor may see another mount's size up to that late. Entries:
// a file's name is looked up again on every path walk (0 s), and the LOOKUP
// reply refreshes the inode's attributes, so open() and stat() by path after
// another mount's close/fsync returned see its size and (keep_cache = 0)
// its data: close-to-open. A directory's name is cached 1 s (path walks
// through deep trees stay cheap).
constexpr double attr_timeout = 1.0;
constexpr double file_entry_timeout = 0.0;
constexpr double dir_entry_timeout = 1.0;

struct handle {
  uint64_t ino = 0;
  bool write = false;
  std::atomic<uint64_t> size_hint{0};  // file size last seen; reads below it need no MDS round trip
};

// An open directory: its entries, read from the MDS by the first readdir
// (and again on rewind). Opening a directory costs nothing (SQLite opens one
// per transaction only to fsync it).
struct dir_handle {
  std::vector<client::dir_item> items;
  bool read = false;
};

filesystem& F(fuse_req_t req) { return *static_cast<filesystem*>(fuse_req_userdata(req)); }
client::session& S(fuse_req_t req) { return F(req).sess; }
handle* H(fuse_file_info* fi) { return reinterpret_cast<handle*>(fi->fh); }

std::optional<std::string> path_of(fuse_req_t req, fuse_ino_t ino) {
  auto& f = F(req);
  std::lock_guard<std::mutex> g(f.m);
  return f.nodes.path(ino);
}

std::optional<std::string> child_of(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto& f = F(req);
  std::lock_guard<std::mutex> g(f.m);
  return f.nodes.child_path(parent, name);
}

timespec ts_of(int64_t ns) {
  timespec t;
  t.tv_sec = ns / 1000000000;
  t.tv_nsec = ns % 1000000000;
  if (t.tv_nsec < 0) {
    t.tv_nsec += 1000000000;
    t.tv_sec -= 1;
  }
  return t;
}

void fill_stat(client::session& s, struct stat* st, const file_attr& a) {
  std::memset(st, 0, sizeof *st);
  st->st_ino = a.ino;
  uint32_t perm = a.mode & 07777;
  if (!perm) perm = a.is_dir ? 0755 : 0644;
  st->st_mode = (a.is_dir ? S_IFDIR : S_IFREG) | perm;
  st->st_nlink = a.nlink ? a.nlink : 1;
  st->st_uid = getuid();
  st->st_gid = getgid();
  st->st_size = static_cast<off_t>(a.is_dir ? 4096 : s.visible_size(a.ino, a.size));
  st->st_blksize = 4096;
  st->st_blocks = (st->st_size + 511) / 512;
  st->st_atim = ts_of(a.atime_ns);
  st->st_mtim = ts_of(a.mtime_ns);
  st->st_ctim = ts_of(a.ctime_ns);
}

// Replies with the entry `name` in `parent` and records it in the node table.
fuse_entry_param entry_of(fuse_req_t req, fuse_ino_t parent, const char* name, const file_attr& a) {
  fuse_entry_param e;
  std::memset(&e, 0, sizeof e);
  e.ino = a.ino;
  e.generation = 1;
  e.attr_timeout = attr_timeout;
  e.entry_timeout = a.is_dir ? dir_entry_timeout : file_entry_timeout;
  fill_stat(S(req), &e.attr, a);
  auto& f = F(req);
  std::lock_guard<std::mutex> g(f.m);
  f.nodes.learned(parent, name, a.ino);
  return e;
}

void reply_attr(fuse_req_t req, const file_attr& a) {
  struct stat st;
  fill_stat(S(req), &st, a);
  fuse_reply_attr(req, &st, attr_timeout);
}

void op_init(void*, fuse_conn_info* conn) {
  conn->max_write = 1u << 20;
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;  // sizes and data stay the MDS's and the CSs'
  // An open descriptor's cached pages are dropped once refreshed attributes
  // show another mount changed the file (mtime or size), at most attr_timeout late.
  if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA) conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  // A name absent from a listing held under the master's directory watch:
  // no MDS round trip (every create starts with this LOOKUP). ENOENT
  // without an entry: the kernel keeps no negative dentry and asks again.
  if (S(req).known_absent(parent, name)) return (void)fuse_reply_err(req, ENOENT);
  // A file whose attributes are kept with the held listing (the master
  // invalidates them before another client's change of the file is
  // acknowledged): no MDS round trip either (stat, the LOOKUP before an
  // unlink or open).
  if (auto c = S(req).cached_entry(parent, name)) {
    auto ent = entry_of(req, parent, name, *c);
    return (void)fuse_reply_entry(req, &ent);
  }
  auto path = child_of(req, parent, name);
  if (!path) return (void)fuse_reply_err(req, ESTALE);
  auto token = S(req).listing_token();
  file_attr a;
  if (int e = S(req).lookup(*path, a)) return (void)fuse_reply_err(req, e);
  if (token) S(req).entry_adopt(parent, name, a, *token);  // kept only if the listing is held and unchanged
  auto ent = entry_of(req, parent, name, a);
  fuse_reply_entry(req, &ent);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  {
    auto& f = F(req);
    std::lock_guard<std::mutex> g(f.m);
    f.nodes.forget(ino, nlookup);
  }
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  {
    auto& f = F(req);
    std::lock_guard<std::mutex> g(f.m);
    for (size_t i = 0; i < count; ++i) f.nodes.forget(forgets[i].ino, forgets[i].nlookup);
  }
  fuse_reply_none(req);
}

// By inode: works for an unlinked open file too (fstat).
void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  file_attr a;
  if (int e = S(req).getattr(ino, a)) return (void)fuse_reply_err(req, e);
  reply_attr(req, a);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*) {
  client::set_attr_request r;
  r.ino = ino;
  if (to_set & FUSE_SET_ATTR_MODE) {
    r.set_mode = true;
    r.mode = attr->st_mode & 07777;
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    if (attr->st_size < 0) return (void)fuse_reply_err(req, EINVAL);
    r.set_size = true;
    r.size = static_cast<uint64_t>(attr->st_size);
  }
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
    r.set_atime = r.atime_now = true;
  } else if (to_set & FUSE_SET_ATTR_ATIME) {
    r.set_atime = true;
    r.atime_ns = static_cast<int64_t>(attr->st_atim.tv_sec) * 1000000000 + attr->st_atim.tv_nsec;
  }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    r.set_mtime = r.mtime_now = true;
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    r.set_mtime = true;
    r.mtime_ns = static_cast<int64_t>(attr->st_mtim.tv_sec) * 1000000000 + attr->st_mtim.tv_nsec;
  }
  file_attr a;
  // uid/gid/ctime alone: no owners (guide, Notes) — accepted, nothing changes.
  int e = (r.set_mode || r.set_size || r.set_atime || r.set_mtime) ? S(req).setattr(r, a) : S(req).getattr(ino, a);
  if (e) return (void)fuse_reply_err(req, e);
  reply_attr(req, a);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  auto path = child_of(req, parent, name);
  if (!path) return (void)fuse_reply_err(req, ESTALE);
  auto token = S(req).listing_token();  // the master registers us on the new directory
  if (int e = S(req).mkdir(*path, mode & 07777)) {
    S(req).listing_forget(parent);
    return (void)fuse_reply_err(req, e);
  }
  S(req).name_added(parent, name);
  file_attr a;
  if (int e = S(req).lookup(*path, a)) return (void)fuse_reply_err(req, e);
  if (token) S(req).listing_adopt(a.ino, {}, *token);  // empty, unless another mount changed it meanwhile
  auto ent = entry_of(req, parent, name, a);
  fuse_reply_entry(req, &ent);
}

template <class Op>
void remove_name(fuse_req_t req, fuse_ino_t parent, const char* name, Op&& op) {
  auto path = child_of(req, parent, name);
  if (!path) return (void)fuse_reply_err(req, ESTALE);
  if (int e = op(*path)) {
    S(req).listing_forget(parent);
    return (void)fuse_reply_err(req, e);
  }
  S(req).name_removed(parent, name);
  {
    auto& f = F(req);
    std::lock_guard<std::mutex> g(f.m);
    f.nodes.removed(parent, name);
  }
  fuse_reply_err(req, 0);
}

// Unlink of an open file: the MDS keeps it as an orphan until its last
// release; I/O and getattr go on by inode.
void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_name(req, parent, name, [&](const std::string& p) { return S(req).unlink(p); });
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_name(req, parent, name, [&](const std::string& p) { return S(req).rmdir(p); });
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
               unsigned int flags) {
  if (flags & RENAME_EXCHANGE) return (void)fuse_reply_err(req, EINVAL);
  auto from = child_of(req, parent, name), to = child_of(req, newparent, newname);
  if (!from || !to) return (void)fuse_reply_err(req, ESTALE);
  if (flags & RENAME_NOREPLACE) {
    file_attr a;
    int e = S(req).lookup(*to, a);
    if (e == 0) return (void)fuse_reply_err(req, EEXIST);
    if (e != ENOENT) return (void)fuse_reply_err(req, e);
  }
  if (int e = S(req).rename(*from, *to)) {
    S(req).listing_forget(parent);
    S(req).listing_forget(newparent);
    return (void)fuse_reply_err(req, e);
  }
  S(req).name_removed(parent, name);
  S(req).name_added(newparent, newname);
  {
    auto& f = F(req);
    std::lock_guard<std::mutex> g(f.m);
    f.nodes.renamed(parent, name, newparent, newname);
  }
  fuse_reply_err(req, 0);
}

// Fills fi for an opened file (handle, O_TRUNC). 0 or an errno; on an error
// the open is undone.
int finish_open(client::session& s, fuse_file_info* fi, const file_attr& a, bool write) {
  auto* h = new handle;
  h->ino = a.ino;
  h->write = write;
  h->size_hint = a.size;
  fi->fh = reinterpret_cast<uint64_t>(h);
  fi->direct_io = 0;
  fi->keep_cache = 0;
  if (write && (fi->flags & O_TRUNC) && a.size > 0) {
    client::set_attr_request r;
    r.ino = a.ino;
    r.set_size = true;
    r.size = 0;
    file_attr t;
    if (int e = s.setattr(r, t)) {
      s.release(a.ino, write);
      delete h;
      return e;
    }
  }
  return 0;
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  bool write = (fi->flags & O_ACCMODE) != O_RDONLY;
  file_attr a;
  if (int e = S(req).open("", ino, write, a)) return (void)fuse_reply_err(req, e);
  if (a.is_dir) {
    S(req).release(a.ino, write);
    return (void)fuse_reply_err(req, EISDIR);
  }
  if (int e = finish_open(S(req), fi, a, write)) return (void)fuse_reply_err(req, e);
  if (fuse_reply_open(req, fi) != 0) {  // interrupted: the kernel will not release it
    S(req).release(a.ino, write);
    delete H(fi);
  }
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  auto path = child_of(req, parent, name);
  if (!path) return (void)fuse_reply_err(req, ESTALE);
  auto token = S(req).listing_token();
  file_attr a;
  int e = S(req).create(*path, mode & 07777, a);
  if (e == EEXIST && !(fi->flags & O_EXCL)) e = S(req).open(*path, 0, true, a);
  if (e) {
    S(req).listing_forget(parent);
    return (void)fuse_reply_err(req, e);
  }
  S(req).name_added(parent, name);
  if (int e2 = finish_open(S(req), fi, a, true)) return (void)fuse_reply_err(req, e2);
  if (token) S(req).entry_adopt(parent, name, a, *token);  // not after an O_TRUNC (its setattr dropped them)
  auto ent = entry_of(req, parent, name, a);
  if (fuse_reply_create(req, &ent, fi) != 0) {
    S(req).release(a.ino, true);
    delete H(fi);
  }
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  auto* h = H(fi);
  auto& s = S(req);
  // Never read past the end of the file; ask the MDS only when the read
  // reaches beyond the size last seen (the file may have grown elsewhere).
  uint64_t fsize = s.visible_size(h->ino, h->size_hint);
  if (static_cast<uint64_t>(off) + size > fsize) {
    file_attr a;
    if (int e = s.getattr(h->ino, a)) return (void)fuse_reply_err(req, e);
    h->size_hint = a.size;
    fsize = s.visible_size(h->ino, a.size);
  }
  if (static_cast<uint64_t>(off) >= fsize) return (void)fuse_reply_buf(req, nullptr, 0);
  if (static_cast<uint64_t>(off) + size > fsize) size = fsize - static_cast<uint64_t>(off);
  std::vector<char> buf(size);
  size_t got = 0;
  if (int e = s.read(h->ino, static_cast<uint64_t>(off), size, buf.data(), got)) return (void)fuse_reply_err(req, e);
  fuse_reply_buf(req, buf.data(), got);
}

void op_write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  if (int e = S(req).write(H(fi)->ino, static_cast<uint64_t>(off), buf, size)) return (void)fuse_reply_err(req, e);
  fuse_reply_write(req, size);
}

void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  fuse_reply_err(req, H(fi)->write ? S(req).flush(H(fi)->ino) : 0);
}

// fsync: the file's data on every replica and its size at the MDS, and any
// namespace change this mount made (a new file's entry) made durable.
void op_fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) { fuse_reply_err(req, S(req).fsync(H(fi)->ino)); }

// fsyncdir: every namespace change so far durable at the MDS.
void op_fsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) { fuse_reply_err(req, S(req).sync_namespace(true)); }

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* h = H(fi);
  int e = S(req).release(h->ino, h->write);
  delete h;
  fuse_reply_err(req, e);
}

// Reads the listing; held under the master's directory watch from then on
// (the MDS registers this mount when it answers).
int read_dir(fuse_req_t req, fuse_ino_t ino, dir_handle& d) {
  auto path = path_of(req, ino);
  if (!path) return ESTALE;
  d.items.clear();
  auto token = S(req).listing_token();
  if (int e = S(req).readdir(*path, d.items)) return e;
  if (token) {
    std::vector<std::string> names;
    names.reserve(d.items.size());
    for (auto& it : d.items) names.push_back(it.name);
    S(req).listing_adopt(ino, names, *token);
  }
  return 0;
}

void op_opendir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* d = new dir_handle;
  fi->fh = reinterpret_cast<uint64_t>(d);
  if (fuse_reply_open(req, fi) != 0) delete d;
}

// Offsets: 1 = after ".", 2 = after "..", 2 + i + 1 = after items[i].
void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  auto* d = reinterpret_cast<dir_handle*>(fi->fh);
  if (off == 0 || !d->read) {  // first readdir, or rewinddir: (re)read
    if (int e = read_dir(req, ino, *d)) return (void)fuse_reply_err(req, e);
    d->read = true;
  }
  std::vector<char> buf(size);
  size_t used = 0;
  auto add = [&](const char* name, uint64_t entry_ino, bool is_dir, off_t next) {
    struct stat st;
    std::memset(&st, 0, sizeof st);
    st.st_ino = entry_ino;
    st.st_mode = is_dir ? S_IFDIR : S_IFREG;
    size_t n = fuse_add_direntry(req, buf.data() + used, size - used, name, &st, next);
    if (n > size - used) return false;
    used += n;
    return true;
  };
  const off_t total = 2 + static_cast<off_t>(d->items.size());
  for (off_t i = off; i < total; ++i) {
    bool fits;
    if (i == 0)
      fits = add(".", ino, true, 1);
    else if (i == 1)
      fits = add("..", ino, true, 2);
    else {
      const auto& it = d->items[static_cast<size_t>(i - 2)];
      fits = add(it.name.c_str(), it.ino, it.is_dir, i + 1);
    }
    if (!fits) break;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<dir_handle*>(fi->fh);
  fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  client::fs_stats s;
  if (int e = S(req).statfs(s)) return (void)fuse_reply_err(req, e);
  struct statvfs st;
  std::memset(&st, 0, sizeof st);
  st.f_bsize = st.f_frsize = 4096;
  st.f_blocks = s.total / 4096;
  st.f_bfree = st.f_bavail = s.free / 4096;
  st.f_files = s.files + 1000000;
  st.f_ffree = st.f_favail = 1000000;
  st.f_namemax = 255;
  fuse_reply_statfs(req, &st);
}

fuse_lowlevel_ops make_ops() {
  fuse_lowlevel_ops o;
  std::memset(&o, 0, sizeof o);
  o.init = op_init;
  o.lookup = op_lookup;
  o.forget = op_forget;
  o.forget_multi = op_forget_multi;
  o.getattr = op_getattr;
  o.setattr = op_setattr;
  o.mkdir = op_mkdir;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.rename = op_rename;
  o.open = op_open;
  o.create = op_create;
  o.read = op_read;
  o.write = op_write;
  o.flush = op_flush;
  o.fsync = op_fsync;
  o.release = op_release;
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.releasedir = op_releasedir;
  o.fsyncdir = op_fsyncdir;
  o.statfs = op_statfs;
  return o;
}
}  // namespace

const fuse_lowlevel_ops& operations() {
  static const fuse_lowlevel_ops ops = make_ops();
  return ops;
}

}  // namespace pstorage::mount
