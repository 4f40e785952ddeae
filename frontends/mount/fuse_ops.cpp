#include "frontends/mount/fuse_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

namespace pstorage::mount {
namespace {
using client::file_attr;

struct handle {
  uint64_t ino = 0;
  bool write = false;
  std::atomic<uint64_t> size_hint{0};  // file size last seen; reads below it need no MDS round trip
};

client::session& S() { return *static_cast<client::session*>(fuse_get_context()->private_data); }
handle* H(fuse_file_info* fi) { return reinterpret_cast<handle*>(fi->fh); }
std::string P(const char* path) { return path ? path : ""; }

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

void fill_stat(struct stat* st, const file_attr& a) {
  std::memset(st, 0, sizeof *st);
  st->st_ino = a.ino;
  uint32_t perm = a.mode & 07777;
  if (!perm) perm = a.is_dir ? 0755 : 0644;
  st->st_mode = (a.is_dir ? S_IFDIR : S_IFREG) | perm;
  st->st_nlink = a.nlink ? a.nlink : 1;
  st->st_uid = getuid();
  st->st_gid = getgid();
  st->st_size = static_cast<off_t>(a.is_dir ? 4096 : S().visible_size(a.ino, a.size));
  st->st_blksize = 4096;
  st->st_blocks = (st->st_size + 511) / 512;
  st->st_atim = ts_of(a.atime_ns);
  st->st_mtim = ts_of(a.mtime_ns);
  st->st_ctim = ts_of(a.ctime_ns);
}

void* op_init(fuse_conn_info* conn, fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->nullpath_ok = 1;
  cfg->hard_remove = 1;  // unlink of an open file: the MDS orphans it, I/O goes on by inode
  cfg->kernel_cache = 0;  // close-to-open consistency
  cfg->attr_timeout = 1.0;
  cfg->entry_timeout = 1.0;
  cfg->negative_timeout = 0;
  conn->max_write = 1u << 20;
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  return fuse_get_context()->private_data;
}

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  file_attr a;
  int e = fi ? S().getattr(H(fi)->ino, a) : S().lookup(P(path), a);
  if (e) return -e;
  fill_stat(st, a);
  return 0;
}

// With nullpath_ok FUSE may pass no path to readdir: opendir keeps it.
int op_opendir(const char* path, fuse_file_info* fi) {
  file_attr a;
  if (int e = S().lookup(P(path), a)) return -e;
  if (!a.is_dir) return -ENOTDIR;
  fi->fh = reinterpret_cast<uint64_t>(new std::string(P(path)));
  return 0;
}

int op_releasedir(const char*, fuse_file_info* fi) {
  delete reinterpret_cast<std::string*>(fi->fh);
  return 0;
}

int op_readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t, fuse_file_info* fi,
               fuse_readdir_flags) {
  std::string dir = fi && fi->fh ? *reinterpret_cast<std::string*>(fi->fh) : P(path);
  std::vector<client::dir_item> items;
  if (int e = S().readdir(dir, items)) return -e;
  filler(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  filler(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  for (auto& it : items) {
    struct stat st;
    std::memset(&st, 0, sizeof st);
    st.st_ino = it.ino;
    st.st_mode = it.is_dir ? S_IFDIR : S_IFREG;
    if (filler(buf, it.name.c_str(), &st, 0, static_cast<fuse_fill_dir_flags>(0))) break;
  }
  return 0;
}

int op_mkdir(const char* path, mode_t mode) { return -S().mkdir(P(path), mode & 07777); }
int op_unlink(const char* path) { return -S().unlink(P(path)); }
int op_rmdir(const char* path) { return -S().rmdir(P(path)); }

int op_rename(const char* from, const char* to, unsigned int flags) {
  if (flags & RENAME_EXCHANGE) return -EINVAL;
  if (flags & RENAME_NOREPLACE) {
    file_attr a;
    int e = S().lookup(P(to), a);
    if (e == 0) return -EEXIST;
    if (e != ENOENT) return -e;
  }
  return -S().rename(P(from), P(to));
}

int op_chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  client::set_attr_request r;
  r.path = P(path);
  if (fi) r.ino = H(fi)->ino;
  r.set_mode = true;
  r.mode = mode & 07777;
  file_attr a;
  return -S().setattr(r, a);
}

int op_chown(const char*, uid_t, gid_t, fuse_file_info*) { return 0; }  // no owners (guide, Notes)

int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (size < 0) return -EINVAL;
  client::set_attr_request r;
  r.path = P(path);
  if (fi) r.ino = H(fi)->ino;
  r.set_size = true;
  r.size = static_cast<uint64_t>(size);
  file_attr a;
  return -S().setattr(r, a);
}

int op_utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  client::set_attr_request r;
  r.path = P(path);
  if (fi) r.ino = H(fi)->ino;
  auto apply = [](const timespec* t, bool& set, bool& now, int64_t& ns) {
    if (!t) {
      set = now = true;
      return;
    }
    if (t->tv_nsec == UTIME_OMIT) return;
    set = true;
    if (t->tv_nsec == UTIME_NOW)
      now = true;
    else
      ns = static_cast<int64_t>(t->tv_sec) * 1000000000 + t->tv_nsec;
  };
  apply(tv ? &tv[0] : nullptr, r.set_atime, r.atime_now, r.atime_ns);
  apply(tv ? &tv[1] : nullptr, r.set_mtime, r.mtime_now, r.mtime_ns);
  if (!r.set_atime && !r.set_mtime) return 0;
  file_attr a;
  return -S().setattr(r, a);
}

int finish_open(fuse_file_info* fi, const file_attr& a, bool write) {
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
    if (int e = S().setattr(r, t)) {
      S().release(a.ino, write);
      delete h;
      return -e;
    }
  }
  return 0;
}

int op_open(const char* path, fuse_file_info* fi) {
  bool write = (fi->flags & O_ACCMODE) != O_RDONLY;
  file_attr a;
  if (int e = S().open(P(path), 0, write, a)) return -e;
  if (a.is_dir) {
    S().release(a.ino, write);
    return -EISDIR;
  }
  return finish_open(fi, a, write);
}

int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
  file_attr a;
  int e = S().create(P(path), mode & 07777, a);
  if (e == EEXIST && !(fi->flags & O_EXCL)) e = S().open(P(path), 0, true, a);
  if (e) return -e;
  return finish_open(fi, a, true);
}

int op_read(const char*, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  auto* h = H(fi);
  // Never read past the end of the file; ask the MDS only when the read
  // reaches beyond the size last seen (the file may have grown elsewhere).
  uint64_t fsize = S().visible_size(h->ino, h->size_hint);
  if (static_cast<uint64_t>(off) + size > fsize) {
    file_attr a;
    if (int e = S().getattr(h->ino, a)) return -e;
    h->size_hint = a.size;
    fsize = S().visible_size(h->ino, a.size);
  }
  if (static_cast<uint64_t>(off) >= fsize) return 0;
  if (static_cast<uint64_t>(off) + size > fsize) size = fsize - static_cast<uint64_t>(off);
  size_t got = 0;
  if (int e = S().read(h->ino, static_cast<uint64_t>(off), size, buf, got)) return -e;
  return static_cast<int>(got);
}

int op_write(const char*, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  if (int e = S().write(H(fi)->ino, static_cast<uint64_t>(off), buf, size)) return -e;
  return static_cast<int>(size);
}

int op_flush(const char*, fuse_file_info* fi) { return H(fi)->write ? -S().flush(H(fi)->ino) : 0; }
int op_fsync(const char*, int, fuse_file_info* fi) { return -S().flush(H(fi)->ino); }

int op_release(const char*, fuse_file_info* fi) {
  auto* h = H(fi);
  int e = S().release(h->ino, h->write);
  delete h;
  return -e;
}

int op_statfs(const char*, struct statvfs* st) {
  client::fs_stats s;
  if (int e = S().statfs(s)) return -e;
  std::memset(st, 0, sizeof *st);
  st->f_bsize = st->f_frsize = 4096;
  st->f_blocks = s.total / 4096;
  st->f_bfree = st->f_bavail = s.free / 4096;
  st->f_files = s.files + 1000000;
  st->f_ffree = st->f_favail = 1000000;
  st->f_namemax = 255;
  return 0;
}

fuse_operations make_ops() {
  fuse_operations o;
  std::memset(&o, 0, sizeof o);
  o.init = op_init;
  o.getattr = op_getattr;
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.releasedir = op_releasedir;
  o.mkdir = op_mkdir;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.rename = op_rename;
  o.chmod = op_chmod;
  o.chown = op_chown;
  o.truncate = op_truncate;
  o.utimens = op_utimens;
  o.open = op_open;
  o.create = op_create;
  o.read = op_read;
  o.write = op_write;
  o.flush = op_flush;
  o.fsync = op_fsync;
  o.release = op_release;
  o.statfs = op_statfs;
  return o;
}
}  // namespace

const fuse_operations& operations() {
  static const fuse_operations ops = make_ops();
  return ops;
}

}  // namespace pstorage::mount
