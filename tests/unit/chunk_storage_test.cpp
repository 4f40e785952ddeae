// chunk_storage_test.cpp — one behavioural suite run against both
// implementations of the CS disk seam (persistence/chunk_storage.hpp), then
// the parts only one of them has: crash and fault injection (memory), files,
// reopen and the index (disk). Guide: "Disabling Checksumming", "Configuring
// Data Scrubbing", "Failed Chunk Servers".
#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "persistence/disk_chunk_storage.hpp"
#include "persistence/memory_chunk_storage.hpp"

using namespace pstorage::persistence;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kChunk = uint64_t{1} << 20;  // small chunks keep the tests fast
constexpr uint64_t kPage = chunk_page_size;

std::vector<char> pattern(size_t n, uint32_t seed) {
  std::vector<char> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : v) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return v;
}

std::vector<char> zeros(size_t n) { return std::vector<char>(n, 0); }

// A private temp directory, removed with everything in it.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "pstorage-chunkstore-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The disk implementation in a temp dir. restart() = close and reopen the
// repository (a process restart: what reached the page cache is kept).
// corrupt() flips a bit of the data file behind the storage's back.
struct disk_env {
  static constexpr bool is_disk = true;
  temp_dir tmp;
  disk_storage_options opts;
  std::unique_ptr<disk_chunk_storage> s;

  explicit disk_env(bool checksums = true) {
    opts.checksums = checksums;
    opts.chunk_size = kChunk;
    open();
  }
  void open() {
    auto r = disk_chunk_storage::open(tmp.path / "repo", opts);
    REQUIRE_MESSAGE(r.ok(), r.status.message);
    s = std::move(r.value);
  }
  chunk_storage& st() { return *s; }
  void restart() {
    s.reset();
    open();
  }
  void corrupt(uint64_t id, uint64_t offset) {
    std::fstream f(s->data_path(id), std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f.good());
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    REQUIRE(f.good());
    c = static_cast<char>(c ^ 0x10);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
    REQUIRE(f.good());
  }
};

// The memory implementation. restart() = crash(): only synced data survives,
// which is what the shared tests sync before restarting anyway.
struct memory_env {
  static constexpr bool is_disk = false;
  memory_chunk_storage s;

  explicit memory_env(bool checksums = true)
      : s(memory_storage_options{checksums, kChunk, uint64_t{1} << 30}) {}
  chunk_storage& st() { return s; }
  void restart() { s.crash(); }
  void corrupt(uint64_t id, uint64_t offset) { REQUIRE(s.flip_bit(id, offset, 4)); }
};

std::vector<char> read_ok(chunk_storage& s, uint64_t id, uint64_t version, uint64_t off,
                          uint64_t len) {
  auto r = s.read(id, version, off, len);
  REQUIRE_MESSAGE(r.ok(), r.status.message);
  REQUIRE(r.value.size() == len);
  return r.value;
}

void write_ok(chunk_storage& s, uint64_t id, uint64_t version, uint64_t off,
              const std::vector<char>& data) {
  auto st = s.write(id, version, off, data);
  REQUIRE_MESSAGE(st.ok(), st.message);
}

}  // namespace

// ---- the shared suite -----------------------------------------------------------

TEST_CASE_TEMPLATE("round trip across page boundaries", Env, disk_env, memory_env) {
  Env env;
  auto& s = env.st();
  CHECK(s.checksums_enabled());
  CHECK(s.chunk_size() == kChunk);
  REQUIRE(s.create(1, 7).ok());
  const auto data = pattern(10000, 1);  // pages 0..3, unaligned at both ends
  write_ok(s, 1, 7, 4000, data);
  CHECK(read_ok(s, 1, 7, 4000, 10000) == data);
  CHECK(read_ok(s, 1, 7, 0, 4000) == zeros(4000));
  // A sub-range starting and ending inside pages.
  CHECK(read_ok(s, 1, 7, 5000, 3000) == std::vector<char>(data.begin() + 1000, data.begin() + 4000));
  auto l = s.list();
  REQUIRE(l.ok());
  REQUIRE(l.value.size() == 1);
  CHECK(l.value[0] == chunk_info{1, 7, 14000});
  auto v = s.verify(1);
  REQUIRE(v.ok());
  CHECK(v.value.empty());
}

TEST_CASE_TEMPLATE("unaligned overwrites match a byte model", Env, disk_env, memory_env) {
  Env env;
  auto& s = env.st();
  REQUIRE(s.create(2, 1).ok());
  constexpr uint64_t span = 64 * 1024;
  std::vector<char> model(span, 0);
  uint64_t length = 0;
  uint32_t x = 99;
  auto next = [&](uint32_t mod) {
    x = x * 1664525u + 1013904223u;
    return (x >> 8) % mod;
  };
  for (uint32_t i = 0; i < 300; ++i) {
    const uint64_t off = next(span - 1);
    const uint64_t len = 1 + next(static_cast<uint32_t>(std::min<uint64_t>(span - off, 9000)));
    const auto data = pattern(len, i);
    write_ok(s, 2, 1, off, data);
    std::copy(data.begin(), data.end(), model.begin() + static_cast<long>(off));
    length = std::max(length, off + len);
  }
  CHECK(read_ok(s, 2, 1, 0, span) == model);
  for (uint32_t i = 0; i < 50; ++i) {
    const uint64_t off = next(span - 1);
    const uint64_t len = 1 + next(static_cast<uint32_t>(span - off));
    CHECK(read_ok(s, 2, 1, off, len) ==
          std::vector<char>(model.begin() + static_cast<long>(off),
                            model.begin() + static_cast<long>(off + len)));
  }
  auto l = s.list();
  REQUIRE(l.ok());
  CHECK(l.value.at(0).length == length);
  auto v = s.verify(2);
  REQUIRE(v.ok());
  CHECK(v.value.empty());
}

TEST_CASE_TEMPLATE("sparse regions and reads past the length are zeros", Env, disk_env,
                   memory_env) {
  Env env;
  auto& s = env.st();
  REQUIRE(s.create(3, 1).ok());
  const auto data = pattern(100, 3);
  write_ok(s, 3, 1, 512 * 1024 + 10, data);
  CHECK(read_ok(s, 3, 1, 0, 3 * kPage) == zeros(3 * kPage));               // hole
  auto around = read_ok(s, 3, 1, 512 * 1024, 200);
  CHECK(std::vector<char>(around.begin() + 10, around.begin() + 110) == data);
  CHECK(std::vector<char>(around.begin(), around.begin() + 10) == zeros(10));
  // Past the replica's length, up to the chunk size: zeros, full length.
  CHECK(read_ok(s, 3, 1, kChunk - 5000, 5000) == zeros(5000));
  CHECK(read_ok(s, 3, 1, 7, 0).empty());
  // Beyond the chunk size: refused.
  CHECK(s.read(3, 1, kChunk - 10, 11).status.code == storage_errc::invalid_argument);
  CHECK(s.read(3, 1, kChunk + 1, 0).status.code == storage_errc::invalid_argument);
  CHECK(s.write(3, 1, kChunk - 1, data).code == storage_errc::invalid_argument);
  CHECK(s.list().value.at(0).length == 512 * 1024 + 110);
}

TEST_CASE_TEMPLATE("bit rot is detected by checksums on read and by verify", Env, disk_env,
                   memory_env) {
  Env env;
  auto& s = env.st();
  REQUIRE(s.create(4, 2).ok());
  const auto data = pattern(3 * kPage, 4);
  write_ok(s, 4, 2, 0, data);
  REQUIRE(s.sync(4).ok());
  env.corrupt(4, kPage + 904);  // page 1

  CHECK(read_ok(s, 4, 2, 0, kPage) == std::vector<char>(data.begin(), data.begin() + kPage));
  CHECK(read_ok(s, 4, 2, 2 * kPage, kPage) == std::vector<char>(data.begin() + 2 * kPage, data.end()));
  auto r = s.read(4, 2, 100, 2 * kPage);
  CHECK(r.status.code == storage_errc::checksum_mismatch);
  CHECK(r.status.chunk_id == 4);
  CHECK(r.status.page == 1);
  CHECK(r.status.message.find("page 1") != std::string::npos);
  CHECK(r.value.empty());

  auto v = s.verify(4);
  REQUIRE(v.ok());
  CHECK(v.value == std::vector<uint64_t>{1});

  // A partial write must not re-checksum the rotten page...
  CHECK(s.write(4, 2, kPage + 10, pattern(10, 5)).code == storage_errc::checksum_mismatch);
  // ...but a write of the whole page replaces it.
  const auto fresh = pattern(kPage, 6);
  write_ok(s, 4, 2, kPage, fresh);
  CHECK(read_ok(s, 4, 2, kPage, kPage) == fresh);
  CHECK(s.verify(4).value.empty());
}

TEST_CASE_TEMPLATE("a page marked bad reads as a checksum error until a whole-page write", Env, disk_env,
                   memory_env) {
  Env env;
  const auto data = pattern(3 * kPage, 9);
  {
    auto& s = env.st();
    REQUIRE(s.create(6, 3).ok());
    write_ok(s, 6, 3, 0, data);
    REQUIRE(s.mark_page_bad(6, 3, 1).ok());
    CHECK(s.mark_page_bad(6, 2, 1).code == storage_errc::stale_version);
    REQUIRE(s.sync(6).ok());
  }
  env.restart();  // durable after sync
  auto& s = env.st();
  auto r = s.read(6, 3, 0, 3 * kPage);
  CHECK(r.status.code == storage_errc::checksum_mismatch);
  CHECK(r.status.page == 1);
  CHECK(read_ok(s, 6, 3, 2 * kPage, kPage) == std::vector<char>(data.begin() + 2 * kPage, data.end()));
  CHECK(s.verify(6).value == std::vector<uint64_t>{1});
  CHECK(s.write(6, 3, kPage + 10, pattern(10, 5)).code == storage_errc::checksum_mismatch);
  // Past the length (a hole) too: the length grows to cover the page.
  REQUIRE(s.mark_page_bad(6, 3, 5).ok());
  CHECK(s.stat(6).value.length == 6 * kPage);
  CHECK(s.verify(6).value == std::vector<uint64_t>{1, 5});
  const auto fresh = pattern(kPage, 6);
  write_ok(s, 6, 3, kPage, fresh);
  CHECK(read_ok(s, 6, 3, kPage, kPage) == fresh);
  CHECK(s.verify(6).value == std::vector<uint64_t>{5});
  // Checksums off: a page cannot be marked.
  Env plain(false);
  REQUIRE(plain.st().create(7, 1).ok());
  CHECK(plain.st().mark_page_bad(7, 1, 0).code == storage_errc::invalid_argument);
}

TEST_CASE_TEMPLATE("with checksums disabled (make-cs -S) rot goes unnoticed", Env, disk_env,
                   memory_env) {
  Env env(false);
  auto& s = env.st();
  CHECK_FALSE(s.checksums_enabled());
  REQUIRE(s.create(5, 1).ok());
  const auto data = pattern(2 * kPage + 300, 7);
  write_ok(s, 5, 1, 50, data);
  write_ok(s, 5, 1, 4000, pattern(200, 8));  // unaligned writes work without checksums too
  auto expect = read_ok(s, 5, 1, 0, 2 * kPage + 350);
  REQUIRE(s.sync(5).ok());
  env.corrupt(5, 5000);
  auto got = read_ok(s, 5, 1, 0, 2 * kPage + 350);
  CHECK(got != expect);
  expect[5000] = static_cast<char>(expect[5000] ^ 0x10);
  CHECK(got == expect);
  auto v = s.verify(5);
  REQUIRE(v.ok());
  CHECK(v.value.empty());
}

TEST_CASE_TEMPLATE("versions: stale reads and writes are refused", Env, disk_env, memory_env) {
  Env env;
  auto& s = env.st();
  REQUIRE(s.create(6, 5).ok());
  CHECK(s.create(6, 9).code == storage_errc::already_exists);
  CHECK(s.write(6, 4, 0, pattern(10, 1)).code == storage_errc::stale_version);
  CHECK(s.read(6, 6, 0, 10).status.code == storage_errc::stale_version);
  write_ok(s, 6, 5, 0, pattern(10, 1));
  REQUIRE(s.set_version(6, 6).ok());
  auto stale = s.read(6, 5, 0, 10);
  CHECK(stale.status.code == storage_errc::stale_version);
  CHECK(stale.status.chunk_id == 6);
  CHECK(read_ok(s, 6, 6, 0, 10) == pattern(10, 1));
  CHECK(s.list().value.at(0).version == 6);

  CHECK(s.read(77, 1, 0, 1).status.code == storage_errc::not_found);
  CHECK(s.write(77, 1, 0, pattern(1, 1)).code == storage_errc::not_found);
  CHECK(s.sync(77).code == storage_errc::not_found);
  CHECK(s.set_version(77, 2).code == storage_errc::not_found);
  CHECK(s.remove(77).code == storage_errc::not_found);
  CHECK(s.verify(77).status.code == storage_errc::not_found);
}

TEST_CASE_TEMPLATE("synced data, versions and the list survive a restart", Env, disk_env,
                   memory_env) {
  Env env;
  {
    auto& s = env.st();
    for (uint64_t id : {30, 10, 20}) {
      REQUIRE(s.create(id, 1).ok());
      write_ok(s, id, 1, id, pattern(id * 100, static_cast<uint32_t>(id)));
      REQUIRE(s.sync(id).ok());
    }
    REQUIRE(s.set_version(20, 8).ok());  // durable without any sync()
  }
  env.restart();
  auto& s = env.st();
  auto l = s.list();
  REQUIRE(l.ok());
  CHECK(l.value == std::vector<chunk_info>{{10, 1, 1010}, {20, 8, 2020}, {30, 1, 3030}});
  CHECK(read_ok(s, 20, 8, 20, 2000) == pattern(2000, 20));
  CHECK(read_ok(s, 30, 1, 30, 3000) == pattern(3000, 30));
  CHECK(s.read(20, 1, 0, 1).status.code == storage_errc::stale_version);
}

TEST_CASE_TEMPLATE("remove forgets the replica; a new create starts empty", Env, disk_env,
                   memory_env) {
  Env env;
  auto& s = env.st();
  REQUIRE(s.create(8, 1).ok());
  REQUIRE(s.create(9, 1).ok());
  write_ok(s, 8, 1, 0, pattern(5000, 8));
  REQUIRE(s.sync(8).ok());
  REQUIRE(s.remove(8).ok());
  CHECK(s.read(8, 1, 0, 1).status.code == storage_errc::not_found);
  CHECK(s.remove(8).code == storage_errc::not_found);
  CHECK(s.list().value == std::vector<chunk_info>{{9, 1, 0}});
  env.restart();
  CHECK(env.st().list().value == std::vector<chunk_info>{{9, 1, 0}});
  REQUIRE(env.st().create(8, 3).ok());
  CHECK(read_ok(env.st(), 8, 3, 0, 5000) == zeros(5000));
  CHECK(env.st().list().value.at(0) == chunk_info{8, 3, 0});
  CHECK(env.st().verify(8).value.empty());
}

TEST_CASE_TEMPLATE("space reports total and free bytes", Env, disk_env, memory_env) {
  Env env;
  auto sp = env.st().space();
  REQUIRE(sp.ok());
  CHECK(sp.value.total_bytes > 0);
  CHECK(sp.value.free_bytes <= sp.value.total_bytes);
}

// ---- memory only: crash and fault injection -------------------------------------

TEST_CASE("memory: crash drops what was written since each chunk's last sync") {
  memory_chunk_storage s(memory_storage_options{true, kChunk, uint64_t{1} << 30});
  REQUIRE(s.create(1, 1).ok());
  REQUIRE(s.create(2, 1).ok());
  const auto a = pattern(3 * kPage, 1);
  write_ok(s, 1, 1, 0, a);
  REQUIRE(s.sync(1).ok());
  write_ok(s, 1, 1, 100, pattern(9000, 2));      // overwrite, unsynced
  write_ok(s, 1, 1, 5 * kPage, pattern(10, 3));  // extend, unsynced
  write_ok(s, 2, 1, 0, pattern(10, 4));          // never synced
  REQUIRE(s.set_version(2, 5).ok());             // durable at once
  const uint64_t used_before = s.used_bytes();
  s.crash();
  CHECK(read_ok(s, 1, 1, 0, 6 * kPage) == [&] {
    auto v = a;
    v.resize(6 * kPage, 0);
    return v;
  }());
  CHECK(s.list().value == std::vector<chunk_info>{{1, 1, 3 * kPage}, {2, 5, 0}});
  CHECK(read_ok(s, 2, 5, 0, 10) == zeros(10));
  CHECK(s.used_bytes() == 3 * kPage);
  CHECK(used_before == 5 * kPage);
  // A crash after a sync keeps everything.
  write_ok(s, 2, 5, 0, pattern(10, 4));
  REQUIRE(s.sync(2).ok());
  s.crash();
  CHECK(read_ok(s, 2, 5, 0, 10) == pattern(10, 4));
}

TEST_CASE("memory: fail_next fails exactly the next N operations without effect") {
  memory_chunk_storage s(memory_storage_options{true, kChunk, uint64_t{1} << 30});
  REQUIRE(s.create(1, 1).ok());
  s.fail_next(2);
  auto w = s.write(1, 1, 0, pattern(10, 1));
  CHECK(w.code == storage_errc::io_error);
  CHECK(w.message.find("injected") != std::string::npos);
  CHECK(s.create(2, 1).code == storage_errc::io_error);
  CHECK(s.list().value == std::vector<chunk_info>{{1, 1, 0}});  // nothing happened
  write_ok(s, 1, 1, 0, pattern(10, 1));
  s.fail_next(1, storage_errc::checksum_mismatch);
  CHECK(s.read(1, 1, 0, 10).status.code == storage_errc::checksum_mismatch);
  CHECK(read_ok(s, 1, 1, 0, 10) == pattern(10, 1));
}

TEST_CASE("memory: disk full and capacity give no_space only for new pages") {
  memory_chunk_storage s(memory_storage_options{true, kChunk, 4 * kPage});
  REQUIRE(s.create(1, 1).ok());
  write_ok(s, 1, 1, 0, pattern(3 * kPage, 1));
  CHECK(s.space().value.free_bytes == kPage);
  CHECK(s.write(1, 1, 3 * kPage, pattern(kPage + 1, 2)).code == storage_errc::no_space);
  CHECK(s.list().value.at(0).length == 3 * kPage);  // refused write changed nothing
  write_ok(s, 1, 1, 3 * kPage, pattern(kPage, 2));
  CHECK(s.space().value.free_bytes == 0);
  s.set_capacity(100 * kPage);
  s.set_full(true);
  CHECK(s.create(2, 1).code == storage_errc::no_space);
  CHECK(s.write(1, 1, 10 * kPage, pattern(1, 3)).code == storage_errc::no_space);
  write_ok(s, 1, 1, 10, pattern(100, 4));  // overwriting allocated pages still works
  s.set_full(false);
  write_ok(s, 1, 1, 10 * kPage, pattern(1, 3));
}

TEST_CASE("memory: flip_bit in a hole or an unsynced page is detected") {
  memory_chunk_storage s(memory_storage_options{true, kChunk, uint64_t{1} << 30});
  REQUIRE(s.create(1, 1).ok());
  write_ok(s, 1, 1, 0, pattern(4 * kPage, 1));
  CHECK_FALSE(s.flip_bit(9, 0, 0));
  CHECK_FALSE(s.flip_bit(1, kChunk, 0));
  REQUIRE(s.flip_bit(1, 2 * kPage + 1, 0));  // unsynced page
  REQUIRE(s.flip_bit(1, 10 * kPage, 7));     // hole past the length
  CHECK(s.read(1, 1, 2 * kPage, 1).status.page == 2);
  CHECK(s.read(1, 1, 10 * kPage, 1).status.code == storage_errc::checksum_mismatch);
  CHECK(s.verify(1).value == std::vector<uint64_t>{2});  // verify covers [0, length)
}

// ---- disk only: files, index, reopen ------------------------------------------

TEST_CASE("disk: files fan out under chunks/XX with 4 checksum bytes per page") {
  disk_env env;
  auto& s = *env.s;
  REQUIRE(s.create(0x1234ab, 1).ok());
  write_ok(s, 0x1234ab, 1, 0, pattern(5 * kPage + 1, 1));
  const auto repo = env.tmp.path / "repo";
  CHECK(s.data_path(0x1234ab) == repo / "chunks" / "ab" / "00000000001234ab.dat");
  CHECK(fs::file_size(s.data_path(0x1234ab)) == 5 * kPage + 1);
  CHECK(fs::file_size(s.crc_path(0x1234ab)) == 6 * 4);
  CHECK(fs::exists(repo / "chunks.db"));
}

TEST_CASE("disk: data written without its checksum reads as a checksum error") {
  // A crash between the data pwrite and the checksum pwrite, simulated by
  // writing the data file directly.
  disk_env env;
  auto& s = *env.s;
  REQUIRE(s.create(1, 1).ok());
  write_ok(s, 1, 1, 0, pattern(2 * kPage, 1));
  REQUIRE(s.sync(1).ok());
  {
    std::fstream f(s.data_path(1), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(kPage));
    const auto other = pattern(kPage, 2);
    f.write(other.data(), static_cast<std::streamsize>(other.size()));
    REQUIRE(f.good());
  }
  env.restart();
  auto r = env.s->read(1, 1, 0, 2 * kPage);
  CHECK(r.status.code == storage_errc::checksum_mismatch);
  CHECK(r.status.page == 1);
}

TEST_CASE("disk: unsynced writes survive a process restart; the length follows the file") {
  disk_env env;
  REQUIRE(env.s->create(1, 1).ok());
  write_ok(*env.s, 1, 1, 0, pattern(100, 1));
  REQUIRE(env.s->sync(1).ok());
  write_ok(*env.s, 1, 1, 100, pattern(9000, 2));  // page cache only
  env.restart();
  CHECK(env.s->list().value == std::vector<chunk_info>{{1, 1, 9100}});
  CHECK(read_ok(*env.s, 1, 1, 100, 9000) == pattern(9000, 2));
}

TEST_CASE("disk: a lost data file shows as bad pages, not as data") {
  disk_env env;
  REQUIRE(env.s->create(1, 1).ok());
  write_ok(*env.s, 1, 1, 0, pattern(3 * kPage, 1));
  REQUIRE(env.s->sync(1).ok());
  const auto data_file = env.s->data_path(1);
  env.s.reset();
  fs::remove(data_file);
  env.open();
  CHECK(env.s->list().value == std::vector<chunk_info>{{1, 1, 3 * kPage}});  // indexed length
  CHECK(env.s->read(1, 1, 0, 10).status.code == storage_errc::checksum_mismatch);
  CHECK(env.s->verify(1).value == std::vector<uint64_t>{0, 1, 2});
}

TEST_CASE("disk: the checksumming choice is fixed when the repository is created") {
  disk_env env(false);
  env.opts.checksums = true;
  env.restart();
  CHECK_FALSE(env.s->checksums_enabled());
  REQUIRE(env.s->create(1, 1).ok());
  write_ok(*env.s, 1, 1, 0, pattern(10, 1));
  CHECK(fs::exists(env.s->data_path(1)));
  CHECK_FALSE(fs::exists(env.s->crc_path(1)));
}

TEST_CASE("disk: many chunks through a small descriptor cache") {
  disk_env env;
  env.opts.max_open_files = 2;
  env.restart();
  auto& s = *env.s;
  for (uint64_t id = 1; id <= 6; ++id) REQUIRE(s.create(id, id).ok());
  for (int round = 0; round < 3; ++round)
    for (uint64_t id = 1; id <= 6; ++id)
      write_ok(s, id, id, static_cast<uint64_t>(round) * 1000, pattern(1000, static_cast<uint32_t>(id * 10 + round)));
  for (uint64_t id = 1; id <= 6; ++id) {
    REQUIRE(s.sync(id).ok());
    for (int round = 0; round < 3; ++round)
      CHECK(read_ok(s, id, id, static_cast<uint64_t>(round) * 1000, 1000) ==
            pattern(1000, static_cast<uint32_t>(id * 10 + round)));
  }
}

TEST_CASE("disk: open refuses a chunk size that is not a multiple of the page") {
  temp_dir tmp;
  disk_storage_options o;
  o.chunk_size = 5000;
  auto r = disk_chunk_storage::open(tmp.path, o);
  CHECK(r.status.code == storage_errc::invalid_argument);
  CHECK(r.value == nullptr);
}
