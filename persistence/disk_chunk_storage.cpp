#include "persistence/disk_chunk_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

namespace pstorage::persistence {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "the .crc files are little-endian and written with memcpy");

namespace {

constexpr uint64_t ps = chunk_page_size;

storage_status errno_error(uint64_t chunk_id, const std::string& what, const fs::path& path,
                           int err) {
  storage_errc code =
      (err == ENOSPC || err == EDQUOT) ? storage_errc::no_space : storage_errc::io_error;
  return storage_error(code, chunk_id,
                       chunk_name(chunk_id) + ": " + what + " '" + path.string() +
                           "': " + std::strerror(err));
}

// Reads up to n bytes at off; zero-fills what lies past the end of the file.
// Returns 0 or an errno value.
int pread_full(int fd, char* buf, size_t n, uint64_t off) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  std::memset(buf + done, 0, n - done);
  return 0;
}

int pwrite_full(int fd, const char* buf, size_t n, uint64_t off) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pwrite(fd, buf + done, n - done, static_cast<off_t>(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(r);
  }
  return 0;
}

int fsync_dir(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

// Runs f, turning any exception (SQLite store_error, bad_alloc, filesystem
// errors) into an io_error value: nothing escapes the interface.
template <class F>
auto guarded(uint64_t chunk_id, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return storage_error(storage_errc::io_error, chunk_id,
                         chunk_name(chunk_id) + ": " + e.what());
  }
}

}  // namespace

// ---- opening ----------------------------------------------------------------

storage_result<std::unique_ptr<disk_chunk_storage>> disk_chunk_storage::open(
    const fs::path& dir, const disk_storage_options& opts) {
  try {
    if (opts.chunk_size == 0 || opts.chunk_size % ps != 0)
      return storage_error(storage_errc::invalid_argument, 0,
                           "chunk size must be a positive multiple of 4096");
    fs::create_directories(dir);
    if (fs::create_directories(dir / "chunks")) {
      if (int err = fsync_dir(dir)) return errno_error(0, "cannot fsync", dir, err);
    }
    auto db = std::make_unique<sqlite_db>((dir / "chunks.db").string());
    meta_init(*db);
    db->exec(
        "CREATE TABLE IF NOT EXISTS chunks ("
        " id INTEGER PRIMARY KEY, version INTEGER NOT NULL, length INTEGER NOT NULL)");
    bool checksums = opts.checksums;
    uint64_t chunk_size = opts.chunk_size;
    auto stored_sums = meta_get(*db, "checksums");
    auto stored_size = meta_get(*db, "chunk_size");
    if (stored_sums && stored_size) {
      checksums = *stored_sums == "1";
      chunk_size = std::stoull(*stored_size);
    } else {
      db->transaction([&] {
        meta_set(*db, "checksums", checksums ? "1" : "0");
        meta_set(*db, "chunk_size", std::to_string(chunk_size));
      });
    }
    std::unique_ptr<disk_chunk_storage> s(
        new disk_chunk_storage(dir, std::move(db), checksums, chunk_size,
                               std::max<size_t>(opts.max_open_files, 1)));
    s->load_index();
    return storage_result<std::unique_ptr<disk_chunk_storage>>(std::move(s));
  } catch (const std::exception& e) {
    return storage_error(storage_errc::io_error, 0,
                         "cannot open chunk repository '" + dir.string() + "': " + e.what());
  }
}

disk_chunk_storage::disk_chunk_storage(fs::path dir, std::unique_ptr<sqlite_db> db,
                                       bool checksums, uint64_t chunk_size,
                                       size_t max_open_files)
    : dir_(std::move(dir)),
      db_(std::move(db)),
      checksums_(checksums),
      chunk_size_(chunk_size),
      max_open_files_(max_open_files) {}

disk_chunk_storage::~disk_chunk_storage() {
  for (auto& [id, f] : open_) {
    if (f.data >= 0) ::close(f.data);
    if (f.crc >= 0) ::close(f.crc);
  }
}

void disk_chunk_storage::load_index() {
  statement q(*db_, "SELECT id, version, length FROM chunks");
  while (q.step()) {
    auto id = static_cast<uint64_t>(q.col_int(0));
    chunk_state st;
    st.version = static_cast<uint64_t>(q.col_int(1));
    st.indexed_length = static_cast<uint64_t>(q.col_int(2));
    struct stat sb{};
    uint64_t file_size =
        ::stat(data_path(id).c_str(), &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
    st.length = std::min(std::max(file_size, st.indexed_length), chunk_size_);
    chunks_[id] = st;
  }
}

// ---- paths and descriptors ----------------------------------------------------

fs::path disk_chunk_storage::fanout_dir(uint64_t chunk_id) const {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(chunk_id & 0xff));
  return dir_ / "chunks" / buf;
}

fs::path disk_chunk_storage::data_path(uint64_t chunk_id) const {
  return fanout_dir(chunk_id) / (chunk_name(chunk_id).substr(6) + ".dat");
}

fs::path disk_chunk_storage::crc_path(uint64_t chunk_id) const {
  return fanout_dir(chunk_id) / (chunk_name(chunk_id).substr(6) + ".crc");
}

void disk_chunk_storage::close_files(uint64_t chunk_id) {
  auto it = open_.find(chunk_id);
  if (it == open_.end()) return;
  if (it->second.data >= 0) ::close(it->second.data);
  if (it->second.crc >= 0) ::close(it->second.crc);
  open_.erase(it);
}

storage_result<disk_chunk_storage::open_files*> disk_chunk_storage::files(uint64_t chunk_id,
                                                                          chunk_state& st,
                                                                          bool truncate) {
  if (!truncate) {
    if (auto it = open_.find(chunk_id); it != open_.end()) {
      it->second.last_use = ++tick_;
      return &it->second;
    }
  }
  close_files(chunk_id);
  if (open_.size() >= max_open_files_) {
    auto lru = std::min_element(open_.begin(), open_.end(), [](const auto& a, const auto& b) {
      return a.second.last_use < b.second.last_use;
    });
    close_files(lru->first);
  }
  auto open_one = [&](const fs::path& p, int& fd) -> storage_status {
    int flags = O_RDWR | O_CLOEXEC | (truncate ? O_CREAT | O_TRUNC : 0);
    fd = ::open(p.c_str(), flags, 0644);
    if (fd < 0 && errno == ENOENT) {
      // Missing fan-out directory or file (lost in a crash): recreate empty.
      std::error_code ec;
      fs::create_directories(p.parent_path(), ec);
      fd = ::open(p.c_str(), O_RDWR | O_CLOEXEC | O_CREAT, 0644);
      st.new_files = true;
    }
    if (fd < 0) {
      const int err = errno;
      return errno_error(chunk_id, "cannot open", p, err);
    }
    if (truncate) st.new_files = true;
    return {};
  };
  open_files f;
  if (auto s = open_one(data_path(chunk_id), f.data); !s) return s;
  if (checksums_) {
    if (auto s = open_one(crc_path(chunk_id), f.crc); !s) {
      ::close(f.data);
      return s;
    }
  }
  f.last_use = ++tick_;
  return &(open_[chunk_id] = f);
}

storage_result<disk_chunk_storage::chunk_state*> disk_chunk_storage::find(uint64_t chunk_id,
                                                                          uint64_t version,
                                                                          bool check_version) {
  auto it = chunks_.find(chunk_id);
  if (it == chunks_.end()) return not_found_error(chunk_id);
  if (check_version && it->second.version != version)
    return stale_version_error(chunk_id, it->second.version, version);
  return &it->second;
}

storage_status disk_chunk_storage::read_pages(uint64_t chunk_id, open_files& f, uint64_t first,
                                              uint64_t count, char* pages, uint32_t* sums) {
  if (int err = pread_full(f.data, pages, count * ps, first * ps))
    return errno_error(chunk_id, "cannot read", data_path(chunk_id), err);
  if (checksums_) {
    if (int err = pread_full(f.crc, reinterpret_cast<char*>(sums), count * sizeof(uint32_t),
                             first * sizeof(uint32_t)))
      return errno_error(chunk_id, "cannot read", crc_path(chunk_id), err);
  }
  return {};
}

// ---- the interface --------------------------------------------------------------

storage_status disk_chunk_storage::create(uint64_t chunk_id, uint64_t version) {
  return guarded(chunk_id, [&]() -> storage_status {
    if (chunks_.count(chunk_id))
      return storage_error(storage_errc::already_exists, chunk_id,
                           chunk_name(chunk_id) + " already exists");
    chunk_state st;
    st.version = version;
    // Files first (truncating orphans of an interrupted remove), then the
    // durable index row: a crash in between leaves only orphan files.
    if (auto f = files(chunk_id, st, /*truncate=*/true); !f) return f.status;
    try {
      statement(*db_, "INSERT INTO chunks(id, version, length) VALUES (?, ?, 0)")
          .bind(1, static_cast<int64_t>(chunk_id))
          .bind(2, static_cast<int64_t>(version))
          .run();
    } catch (...) {
      close_files(chunk_id);
      throw;
    }
    chunks_[chunk_id] = st;
    return {};
  });
}

storage_status disk_chunk_storage::write(uint64_t chunk_id, uint64_t version, uint64_t offset,
                                         std::span<const char> data) {
  return guarded(chunk_id, [&]() -> storage_status {
    auto st = find(chunk_id, version, true);
    if (!st) return st.status;
    if (auto s = check_range(chunk_id, offset, data.size(), chunk_size_); !s) return s;
    if (data.empty()) return {};
    auto f = files(chunk_id, *st.value, false);
    if (!f) return f.status;
    const uint64_t end = offset + data.size();
    const uint64_t p0 = offset / ps, p1 = (end - 1) / ps;

    std::vector<uint32_t> sums;
    if (checksums_) {
      sums.resize(p1 - p0 + 1);
      std::vector<char> edge;
      for (uint64_t p = p0; p <= p1; ++p) {
        const uint64_t start = p * ps;
        if (start >= offset && start + ps <= end) {  // fully covered page
          sums[p - p0] = page_checksum(data.data() + (start - offset));
          continue;
        }
        // Partly covered: read-modify-write, refusing to re-checksum rot.
        edge.resize(ps);
        uint32_t old = 0;
        if (auto s = read_pages(chunk_id, *f.value, p, 1, edge.data(), &old); !s) return s;
        if (page_checksum(edge.data()) != old) return checksum_error(chunk_id, p);
        const uint64_t a = std::max(offset, start), b = std::min(end, start + ps);
        std::memcpy(edge.data() + (a - start), data.data() + (a - offset), b - a);
        sums[p - p0] = page_checksum(edge.data());
      }
    }
    // Data first, then checksums (see the header: a crash in between shows
    // as a checksum mismatch, never as unverified data).
    if (int err = pwrite_full(f.value->data, data.data(), data.size(), offset))
      return errno_error(chunk_id, "cannot write", data_path(chunk_id), err);
    st.value->length = std::max(st.value->length, end);
    if (checksums_) {
      if (int err = pwrite_full(f.value->crc, reinterpret_cast<const char*>(sums.data()),
                                sums.size() * sizeof(uint32_t), p0 * sizeof(uint32_t)))
        return errno_error(chunk_id, "cannot write", crc_path(chunk_id), err);
    }
    return {};
  });
}

storage_result<std::vector<char>> disk_chunk_storage::read(uint64_t chunk_id, uint64_t version,
                                                           uint64_t offset, uint64_t length) {
  return guarded(chunk_id, [&]() -> storage_result<std::vector<char>> {
    auto st = find(chunk_id, version, true);
    if (!st) return st.status;
    if (auto s = check_range(chunk_id, offset, length, chunk_size_); !s) return s;
    if (length == 0) return std::vector<char>{};
    auto f = files(chunk_id, *st.value, false);
    if (!f) return f.status;
    if (!checksums_) {
      std::vector<char> out(length);
      if (int err = pread_full(f.value->data, out.data(), length, offset))
        return errno_error(chunk_id, "cannot read", data_path(chunk_id), err);
      return out;
    }
    const uint64_t p0 = offset / ps, p1 = (offset + length - 1) / ps, n = p1 - p0 + 1;
    std::vector<char> out(n * ps);
    std::vector<uint32_t> sums(n);
    if (auto s = read_pages(chunk_id, *f.value, p0, n, out.data(), sums.data()); !s) return s;
    for (uint64_t i = 0; i < n; ++i)
      if (page_checksum(out.data() + i * ps) != sums[i]) return checksum_error(chunk_id, p0 + i);
    if (const uint64_t skip = offset - p0 * ps; skip > 0)
      std::memmove(out.data(), out.data() + skip, length);
    out.resize(length);
    return out;
  });
}

storage_status disk_chunk_storage::sync(uint64_t chunk_id) {
  return guarded(chunk_id, [&]() -> storage_status {
    auto st = find(chunk_id, 0, false);
    if (!st) return st.status;
    auto f = files(chunk_id, *st.value, false);
    if (!f) return f.status;
    if (::fdatasync(f.value->data) != 0) {
      const int err = errno;
      return errno_error(chunk_id, "cannot fsync", data_path(chunk_id), err);
    }
    if (checksums_ && ::fdatasync(f.value->crc) != 0) {
      const int err = errno;
      return errno_error(chunk_id, "cannot fsync", crc_path(chunk_id), err);
    }
    if (st.value->new_files) {
      if (int err = fsync_dir(fanout_dir(chunk_id)))
        return errno_error(chunk_id, "cannot fsync", fanout_dir(chunk_id), err);
      if (int err = fsync_dir(dir_ / "chunks"))
        return errno_error(chunk_id, "cannot fsync", dir_ / "chunks", err);
      st.value->new_files = false;
    }
    if (st.value->length != st.value->indexed_length) {
      statement(*db_, "UPDATE chunks SET length = ? WHERE id = ?")
          .bind(1, static_cast<int64_t>(st.value->length))
          .bind(2, static_cast<int64_t>(chunk_id))
          .run();
      st.value->indexed_length = st.value->length;
    }
    return {};
  });
}

storage_status disk_chunk_storage::set_version(uint64_t chunk_id, uint64_t new_version) {
  return guarded(chunk_id, [&]() -> storage_status {
    auto st = find(chunk_id, 0, false);
    if (!st) return st.status;
    statement(*db_, "UPDATE chunks SET version = ? WHERE id = ?")
        .bind(1, static_cast<int64_t>(new_version))
        .bind(2, static_cast<int64_t>(chunk_id))
        .run();
    st.value->version = new_version;
    return {};
  });
}

storage_status disk_chunk_storage::remove(uint64_t chunk_id) {
  return guarded(chunk_id, [&]() -> storage_status {
    auto st = find(chunk_id, 0, false);
    if (!st) return st.status;
    // Index row first: a crash after it leaves orphan files, which create()
    // truncates; the reverse order could leave an index row without data.
    statement(*db_, "DELETE FROM chunks WHERE id = ?").bind(1, static_cast<int64_t>(chunk_id)).run();
    chunks_.erase(chunk_id);
    close_files(chunk_id);
    ::unlink(data_path(chunk_id).c_str());
    ::unlink(crc_path(chunk_id).c_str());
    return {};
  });
}

storage_result<std::vector<chunk_info>> disk_chunk_storage::list() {
  return guarded(0, [&]() -> storage_result<std::vector<chunk_info>> {
    std::vector<chunk_info> out;
    out.reserve(chunks_.size());
    for (const auto& [id, st] : chunks_) out.push_back({id, st.version, st.length});
    return out;
  });
}

storage_result<chunk_info> disk_chunk_storage::stat(uint64_t chunk_id) {
  return guarded(chunk_id, [&]() -> storage_result<chunk_info> {
    auto st = find(chunk_id, 0, false);
    if (!st) return st.status;
    return chunk_info{chunk_id, st.value->version, st.value->length};
  });
}

storage_result<std::vector<uint64_t>> disk_chunk_storage::verify(uint64_t chunk_id) {
  return guarded(chunk_id, [&]() -> storage_result<std::vector<uint64_t>> {
    auto st = find(chunk_id, 0, false);
    if (!st) return st.status;
    auto f = files(chunk_id, *st.value, false);
    if (!f) return f.status;
    constexpr uint64_t batch = 256;  // 1 MiB per read
    const uint64_t pages = (st.value->length + ps - 1) / ps;
    std::vector<char> buf(batch * ps);
    std::vector<uint32_t> sums(batch);
    std::vector<uint64_t> bad;
    for (uint64_t first = 0; first < pages; first += batch) {
      const uint64_t n = std::min(batch, pages - first);
      if (auto s = read_pages(chunk_id, *f.value, first, n, buf.data(), sums.data()); !s)
        return s;
      if (!checksums_) continue;
      for (uint64_t i = 0; i < n; ++i)
        if (page_checksum(buf.data() + i * ps) != sums[i]) bad.push_back(first + i);
    }
    return bad;
  });
}

storage_status disk_chunk_storage::mark_page_bad(uint64_t chunk_id, uint64_t version, uint64_t page) {
  if (!checksums_) return chunk_storage::mark_page_bad(chunk_id, version, page);
  if (auto s = check_range(chunk_id, page * ps, ps, chunk_size_); !s) return s;
  const std::vector<char> zeros(ps, 0);
  if (auto s = write(chunk_id, version, page * ps, zeros); !s) return s;  // a whole page: never refused for rot
  return guarded(chunk_id, [&]() -> storage_status {
    auto st = find(chunk_id, version, true);
    if (!st) return st.status;
    auto f = files(chunk_id, *st.value, false);
    if (!f) return f.status;
    const uint32_t bad = marked_bad_page_checksum;
    if (int err = pwrite_full(f.value->crc, reinterpret_cast<const char*>(&bad), sizeof bad, page * sizeof bad))
      return errno_error(chunk_id, "cannot write", crc_path(chunk_id), err);
    return {};
  });
}

storage_result<storage_space> disk_chunk_storage::space() {
  return guarded(0, [&]() -> storage_result<storage_space> {
    struct statvfs sv{};
    if (::statvfs(dir_.c_str(), &sv) != 0) {
      const int err = errno;
      return errno_error(0, "cannot statvfs", dir_, err);
    }
    return storage_space{static_cast<uint64_t>(sv.f_blocks) * sv.f_frsize,
                         static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize};
  });
}

}  // namespace pstorage::persistence
