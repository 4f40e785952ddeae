// Pure validation of metadata requests (actors/mds/md_validate.hpp) and the
// command encoding (protocol/md_model/md_command.hpp), against an in-memory fake
// md_view: no SQLite, no clock.
#include <doctest/doctest.h>

#include <cerrno>
#include <map>
#include <set>

#include "protocol/md_model/md_command.hpp"
#include "actors/mds/md_validate.hpp"

using namespace pstorage::mds;

namespace {

// A hand-filled state. Directory entries are keyed (parent, name).
struct fake_view : md_view {
  uint64_t csize = 1024;
  std::map<inode_id, inode_attr> inodes;
  std::map<std::pair<inode_id, std::string>, dir_entry> dents;
  std::map<chunk_id, chunk_info> chunks;

  fake_view() {
    inode_attr root;
    root.ino = root_inode;
    root.type = inode_type::dir;
    root.mode = 0755;
    inodes[root_inode] = root;
  }
  inode_id add(inode_id parent, const std::string& name, inode_type t, inode_id ino, repl_attrs r = {}) {
    inode_attr a;
    a.ino = ino;
    a.type = t;
    a.parent = parent;
    a.repl = r;
    inodes[ino] = a;
    dents[{parent, name}] = dir_entry{name, ino, t};
    return ino;
  }
  chunk_info& add_chunk(inode_id ino, uint64_t index, chunk_id id, uint32_t version, std::vector<cs_id> css) {
    chunk_info c{id, ino, index, version, {}};
    for (auto cs : css) c.replicas.push_back({cs, version});
    return chunks[id] = c;
  }

  uint64_t chunk_size() const override { return csize; }
  std::optional<inode_attr> getattr(inode_id ino) const override {
    auto it = inodes.find(ino);
    if (it == inodes.end()) return std::nullopt;
    return it->second;
  }
  std::optional<dir_entry> lookup(inode_id parent, std::string_view name) const override {
    auto it = dents.find({parent, std::string(name)});
    if (it == dents.end()) return std::nullopt;
    return it->second;
  }
  bool dir_empty(inode_id dir) const override {
    for (auto& [k, v] : dents)
      if (k.first == dir) return false;
    return true;
  }
  std::optional<chunk_info> chunk_at(inode_id file, uint64_t index) const override {
    for (auto& [id, c] : chunks)
      if (c.ino == file && c.index == index) return c;
    return std::nullopt;
  }
  std::optional<chunk_info> chunk_by_id(chunk_id id) const override {
    auto it = chunks.find(id);
    if (it == chunks.end()) return std::nullopt;
    return it->second;
  }
};

// Counting generators: ids consumed only when a command is produced.
struct gen {
  inode_id next_ino = 100;
  chunk_id next_chunk = 500;
  std::set<inode_id> open;
  decision_context ctx(time_ns now = 777) {
    decision_context c;
    c.now = now;
    c.new_inode = [this] { return next_ino++; };
    c.new_chunk = [this] { return next_chunk++; };
    c.is_open = [this](inode_id i) { return open.count(i) > 0; };
    return c;
  }
};

template <class T>
T as(const md_outcome& o) {
  REQUIRE_MESSAGE(o.ok(), (o.ok() ? "" : o.error().message));
  REQUIRE(std::holds_alternative<T>(o.value()));
  return std::get<T>(o.value());
}

void expect_error(const md_outcome& o, int code, const std::string& fragment = {}) {
  REQUIRE_FALSE(o.ok());
  CHECK_MESSAGE(o.error().code == code, errno_name(o.error().code), ": ", o.error().message);
  CHECK_FALSE(o.error().message.empty());
  if (!fragment.empty()) CHECK_MESSAGE(o.error().message.find(fragment) != std::string::npos, o.error().message);
}

}  // namespace

TEST_CASE("mkdir and create carry every decision: id, time, mode, inherited attributes") {
  fake_view v;
  gen g;
  repl_attrs r{3, 2, 1, failure_domain::rack};
  v.add(root_inode, "vm", inode_type::dir, 10, r);

  auto d = as<cmd_mkdir>(validate_mkdir(v, g.ctx(5000), 10, "sub", 0700));
  CHECK(d.parent == 10);
  CHECK(d.name == "sub");
  CHECK(d.ino == 100);
  CHECK(d.mode == 0700);
  CHECK(d.time == 5000);
  CHECK(d.attrs == r);

  auto f = as<cmd_create>(validate_create(v, g.ctx(6000), root_inode, "file", 0644));
  CHECK(f.ino == 101);
  CHECK(f.time == 6000);
  CHECK(f.attrs == repl_attrs{});  // root defaults: replicas=1:1, tier 0, host
  CHECK(f.attrs.replicas_norm == 1);
  CHECK(f.attrs.replicas_min == 1);
  CHECK(f.attrs.tier == 0);
  CHECK(f.attrs.domain == failure_domain::host);
}

TEST_CASE("mkdir/create errors: ENOENT, ENOTDIR, EEXIST, bad names; no id consumed") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.add(root_inode, "d", inode_type::dir, 11);

  expect_error(validate_mkdir(v, g.ctx(), 99, "x", 0755), ENOENT, "does not exist");
  expect_error(validate_create(v, g.ctx(), 10, "x", 0644), ENOTDIR, "not a directory");
  expect_error(validate_mkdir(v, g.ctx(), root_inode, "d", 0755), EEXIST, "already exists");
  expect_error(validate_create(v, g.ctx(), root_inode, "f", 0644), EEXIST);
  expect_error(validate_mkdir(v, g.ctx(), root_inode, "", 0755), EINVAL, "empty");
  expect_error(validate_mkdir(v, g.ctx(), root_inode, "..", 0755), EINVAL);
  expect_error(validate_mkdir(v, g.ctx(), root_inode, "a/b", 0755), EINVAL, "'/'");
  expect_error(validate_mkdir(v, g.ctx(), root_inode, std::string(256, 'x'), 0755), ENAMETOOLONG);
  expect_error(validate_create(v, g.ctx(), root_inode, "m", 010000), EINVAL, "mode");
  CHECK(g.next_ino == 100);  // refused requests consume no inode id

  // An orphaned directory cannot get new entries.
  v.inodes[11].orphan = true;
  expect_error(validate_create(v, g.ctx(), 11, "x", 0644), ENOENT, "removed");
}

TEST_CASE("unlink: files only; orphan flag follows is_open") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.add(root_inode, "g", inode_type::file, 12);
  v.add(root_inode, "d", inode_type::dir, 11);
  g.open.insert(12);

  auto u = as<cmd_unlink>(validate_unlink(v, g.ctx(42), root_inode, "f"));
  CHECK(u.ino == 10);
  CHECK_FALSE(u.orphan);
  CHECK(u.time == 42);
  CHECK(as<cmd_unlink>(validate_unlink(v, g.ctx(), root_inode, "g")).orphan);

  expect_error(validate_unlink(v, g.ctx(), root_inode, "nope"), ENOENT);
  expect_error(validate_unlink(v, g.ctx(), root_inode, "d"), EISDIR, "rmdir");
  expect_error(validate_unlink(v, g.ctx(), 10, "x"), ENOTDIR);
}

TEST_CASE("rmdir: ENOENT, ENOTDIR, ENOTEMPTY") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.add(root_inode, "empty", inode_type::dir, 11);
  v.add(root_inode, "full", inode_type::dir, 12);
  v.add(12, "child", inode_type::file, 13);

  auto r = as<cmd_rmdir>(validate_rmdir(v, g.ctx(9), root_inode, "empty"));
  CHECK(r.ino == 11);
  CHECK(r.time == 9);
  expect_error(validate_rmdir(v, g.ctx(), root_inode, "nope"), ENOENT);
  expect_error(validate_rmdir(v, g.ctx(), root_inode, "f"), ENOTDIR);
  expect_error(validate_rmdir(v, g.ctx(), root_inode, "full"), ENOTEMPTY, "not empty");
}

TEST_CASE("rename: overwrite rules, own subtree, no-op") {
  fake_view v;
  gen g;
  v.add(root_inode, "a", inode_type::dir, 10);
  v.add(10, "b", inode_type::dir, 11);
  v.add(11, "c", inode_type::dir, 12);
  v.add(root_inode, "f1", inode_type::file, 20);
  v.add(root_inode, "f2", inode_type::file, 21);
  v.add(root_inode, "empty", inode_type::dir, 30);
  v.add(root_inode, "full", inode_type::dir, 31);
  v.add(31, "x", inode_type::file, 32);

  SUBCASE("plain move") {
    auto r = as<cmd_rename>(validate_rename(v, g.ctx(5), root_inode, "f1", 11, "moved"));
    CHECK(r.ino == 20);
    CHECK(r.replaced == 0);
    CHECK(r.dst_parent == 11);
    CHECK(r.time == 5);
  }
  SUBCASE("file over file: replaced, deleted or orphaned") {
    auto r = as<cmd_rename>(validate_rename(v, g.ctx(), root_inode, "f1", root_inode, "f2"));
    CHECK(r.replaced == 21);
    CHECK_FALSE(r.orphan_replaced);
    g.open.insert(21);
    CHECK(as<cmd_rename>(validate_rename(v, g.ctx(), root_inode, "f1", root_inode, "f2")).orphan_replaced);
  }
  SUBCASE("directory over empty directory") {
    auto r = as<cmd_rename>(validate_rename(v, g.ctx(), root_inode, "a", root_inode, "empty"));
    CHECK(r.replaced == 30);
    CHECK_FALSE(r.orphan_replaced);
  }
  SUBCASE("into own subtree: EINVAL") {
    expect_error(validate_rename(v, g.ctx(), root_inode, "a", 10, "a2"), EINVAL, "own subtree");
    expect_error(validate_rename(v, g.ctx(), root_inode, "a", 12, "deep"), EINVAL, "own subtree");
    expect_error(validate_rename(v, g.ctx(), 10, "b", 12, "deeper"), EINVAL, "own subtree");
    // Moving up or sideways is fine.
    CHECK(validate_rename(v, g.ctx(), 11, "c", root_inode, "c").ok());
    CHECK(validate_rename(v, g.ctx(), 10, "b", 30, "b").ok());
  }
  SUBCASE("type conflicts and non-empty target") {
    expect_error(validate_rename(v, g.ctx(), root_inode, "f1", root_inode, "empty"), EISDIR);
    expect_error(validate_rename(v, g.ctx(), root_inode, "empty", root_inode, "f1"), ENOTDIR);
    expect_error(validate_rename(v, g.ctx(), root_inode, "empty", root_inode, "full"), ENOTEMPTY);
  }
  SUBCASE("missing source or parents") {
    expect_error(validate_rename(v, g.ctx(), root_inode, "nope", root_inode, "x"), ENOENT);
    expect_error(validate_rename(v, g.ctx(), 99, "f1", root_inode, "x"), ENOENT);
    expect_error(validate_rename(v, g.ctx(), root_inode, "f1", 20, "x"), ENOTDIR);
    expect_error(validate_rename(v, g.ctx(), root_inode, "f1", root_inode, ""), EINVAL);
  }
  SUBCASE("same name: accepted, nothing replaced") {
    auto r = as<cmd_rename>(validate_rename(v, g.ctx(), root_inode, "f1", root_inode, "f1"));
    CHECK(r.replaced == 0);
  }
}

TEST_CASE("setattr: mode, times (explicit and now), truncate decides the cut version") {
  fake_view v;  // chunk size 1024
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.inodes[10].size = 3000;
  v.add_chunk(10, 0, 500, 1, {1025});
  v.add_chunk(10, 1, 501, 4, {1025, 1026});
  v.add_chunk(10, 2, 502, 1, {1025});
  v.add(root_inode, "d", inode_type::dir, 11);

  setattr_request m;
  m.mode = 0600;
  m.atime = 11;
  m.mtime_now = true;
  auto c = as<cmd_setattr>(validate_setattr(v, g.ctx(99), 10, m));
  CHECK(c.mode == 0600u);
  CHECK(c.atime == 11);
  CHECK(c.mtime == 99);
  CHECK(c.ctime == 99);
  CHECK_FALSE(c.size);

  setattr_request t;
  t.size = 1500;  // cuts chunk 1 (version 4 -> 5)
  auto tc = as<cmd_setattr>(validate_setattr(v, g.ctx(7), 10, t));
  CHECK(tc.size == 1500u);
  CHECK(tc.cut_version == 5u);
  CHECK(tc.mtime == 7);

  t.size = 2048;  // on a chunk boundary: nothing cut
  CHECK_FALSE(as<cmd_setattr>(validate_setattr(v, g.ctx(), 10, t)).cut_version);
  t.size = 5000;  // growing: nothing cut
  CHECK_FALSE(as<cmd_setattr>(validate_setattr(v, g.ctx(), 10, t)).cut_version);

  expect_error(validate_setattr(v, g.ctx(), 99, m), ENOENT);
  expect_error(validate_setattr(v, g.ctx(), 11, t), EISDIR);
  setattr_request bad;
  bad.mode = 0170000;
  expect_error(validate_setattr(v, g.ctx(), 10, bad), EINVAL);
  setattr_request huge;
  huge.size = max_file_size + 1;
  expect_error(validate_setattr(v, g.ctx(), 10, huge), EFBIG);
}

TEST_CASE("set-attr parsing: replicas=NORM[:MIN], tier, failure-domain") {
  auto ok = [](std::vector<std::string> a) {
    auto r = parse_repl_attrs(a);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return r.value();
  };
  // Guide: `set-attr replicas=3` -> "The minimum number of replicas will be
  // automatically set to 2 by default".
  auto r3 = ok({"replicas=3"});
  CHECK(r3.replicas_norm == 3u);
  CHECK(r3.replicas_min == 2u);
  CHECK(ok({"replicas=1"}).replicas_min == 1u);
  CHECK(ok({"replicas=2"}).replicas_min == 2u);
  CHECK(ok({"replicas=5"}).replicas_min == 3u);
  CHECK(ok({"replicas=15"}).replicas_min == 8u);
  auto r21 = ok({"replicas=2:1"});
  CHECK(r21.replicas_norm == 2u);
  CHECK(r21.replicas_min == 1u);
  CHECK(ok({"replicas=15:15"}).replicas_min == 15u);
  auto all = ok({"replicas=3:2", "tier=3", "failure-domain=room"});
  CHECK(all.tier == 3u);
  CHECK(all.domain == failure_domain::room);
  CHECK(ok({"tier=0"}).tier == 0u);
  CHECK_FALSE(ok({"tier=0"}).replicas_norm);
  for (auto d : {"disk", "host", "rack", "row", "room"})
    CHECK(to_string(*ok({std::string("failure-domain=") + d}).domain) == std::string(d));

  auto bad = [](std::vector<std::string> a, const std::string& fragment) {
    auto r = parse_repl_attrs(a);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == EINVAL);
    CHECK_MESSAGE(r.error().message.find(fragment) != std::string::npos, r.error().message);
  };
  bad({"replicas=0"}, "from 1 to 15");
  bad({"replicas=16"}, "from 1 to 15");
  bad({"replicas=3:0"}, "from 1 to 15");
  bad({"replicas=3:16"}, "from 1 to 15");
  bad({"replicas=2:3"}, "cannot exceed");
  bad({"replicas=abc"}, "NORM");
  bad({"replicas=3:"}, "NORM");
  bad({"replicas=-1"}, "NORM");
  bad({"tier=4"}, "from 0 to 3");
  bad({"tier=-1"}, "from 0 to 3");
  bad({"tier="}, "from 0 to 3");
  bad({"failure-domain=planet"}, "disk, host, rack, row, room");
  bad({"failure-domain=HOST"}, "disk, host, rack, row, room");
  bad({"colour=blue"}, "unknown attribute 'colour'");
  bad({"replicas"}, "unknown attribute");
  bad({}, "no attribute");

  CHECK(format_repl_attrs(repl_attrs{}) ==
        std::vector<std::string>{"replicas=1:1", "tier=0", "failure-domain=host"});
}

TEST_CASE("set-attr validation produces a resolved command") {
  fake_view v;
  gen g;
  v.add(root_inode, "d", inode_type::dir, 10);
  auto c = as<cmd_set_repl>(validate_set_repl(v, g.ctx(), 10, {"replicas=3", "failure-domain=disk"}, true));
  CHECK(c.ino == 10);
  CHECK(c.recursive);
  CHECK(c.replicas_norm == 3u);
  CHECK(c.replicas_min == 2u);
  CHECK_FALSE(c.tier);
  CHECK(c.domain == failure_domain::disk);
  expect_error(validate_set_repl(v, g.ctx(), 99, {"tier=1"}, false), ENOENT);
  expect_error(validate_set_repl(v, g.ctx(), 10, {"replicas=16"}, false), EINVAL, "from 1 to 15");
}

TEST_CASE("chunk allocation: file only, new index, a sane replica chain") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.add(root_inode, "d", inode_type::dir, 11);
  v.add_chunk(10, 0, 400, 1, {1025});

  auto a = as<cmd_alloc_chunk>(validate_alloc_chunk(v, g.ctx(), 10, 1, {1027, 1025, 1026}));
  CHECK(a.chunk == 500);
  CHECK(a.version == 1u);
  CHECK(a.index == 1u);
  CHECK(a.replicas == std::vector<cs_id>{1027, 1025, 1026});  // chain order kept

  expect_error(validate_alloc_chunk(v, g.ctx(), 99, 0, {1025}), ENOENT);
  expect_error(validate_alloc_chunk(v, g.ctx(), 11, 0, {1025}), EISDIR);
  expect_error(validate_alloc_chunk(v, g.ctx(), 10, 0, {1025}), EEXIST);
  expect_error(validate_alloc_chunk(v, g.ctx(), 10, 2, {}), EINVAL, "no chunk server");
  expect_error(validate_alloc_chunk(v, g.ctx(), 10, 2, {1025, 1025}), EINVAL, "twice");
  expect_error(validate_alloc_chunk(v, g.ctx(), 10, 2, {0}), EINVAL);
  std::vector<cs_id> sixteen;
  for (cs_id i = 0; i < 16; ++i) sixteen.push_back(1025 + i);
  expect_error(validate_alloc_chunk(v, g.ctx(), 10, 2, sixteen), EINVAL, "15");
  expect_error(validate_alloc_chunk(v, g.ctx(), 10, max_file_size, {1025}), EFBIG);
  CHECK(g.next_chunk == 501);  // only the successful allocation took an id
}

TEST_CASE("replica updates: drop and fence bump the version, confirm takes the current one") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.add_chunk(10, 0, 400, 3, {1025, 1026});

  auto d = as<cmd_drop_replica>(validate_drop_replica(v, g.ctx(), 400, 1026));
  CHECK(d.new_version == 4u);
  expect_error(validate_drop_replica(v, g.ctx(), 401, 1026), ENOENT, "no such chunk");
  expect_error(validate_drop_replica(v, g.ctx(), 400, 1099), ENOENT, "holds no replica");
  CHECK(as<cmd_fence_chunk>(validate_fence_chunk(v, g.ctx(), 400)).new_version == 4u);
  expect_error(validate_fence_chunk(v, g.ctx(), 401), ENOENT);

  auto a = as<cmd_confirm_replicas>(validate_confirm_replicas(v, g.ctx(), 400, 3, {1025, 1027}));
  CHECK(a.cs == std::vector<cs_id>{1025, 1027});
  expect_error(validate_confirm_replicas(v, g.ctx(), 400, 2, {1025}), ESTALE, "moved on");
  expect_error(validate_confirm_replicas(v, g.ctx(), 400, 3, {}), EINVAL);
  expect_error(validate_confirm_replicas(v, g.ctx(), 400, 3, {1027, 1027}), EINVAL, "twice");
  expect_error(validate_confirm_replicas(v, g.ctx(), 401, 3, {1027}), ENOENT);
}

TEST_CASE("the last replica at the newest version is never dropped unless forced") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.add_chunk(10, 0, 400, 5, {1025, 1026});
  REQUIRE(newest_replica_version(*v.chunk_by_id(400)) == 5u);
  as<cmd_drop_replica>(validate_drop_replica(v, g.ctx(), 400, 1026));  // 1025 still has it
  v.add_chunk(10, 1, 401, 5, {1025});
  expect_error(validate_drop_replica(v, g.ctx(), 401, 1025), EBUSY, "no other sound up-to-date copy");
  // A replica with bad pages does not count as a keeper.
  expect_error(validate_drop_replica(v, g.ctx(), 400, 1026, drop_mode::keep_last_newest, {1025}), EBUSY);
  as<cmd_drop_replica>(validate_drop_replica(v, g.ctx(), 400, 1025, drop_mode::keep_last_newest, {1025}));
  CHECK(as<cmd_drop_replica>(validate_drop_replica(v, g.ctx(), 401, 1025, drop_mode::forced)).new_version == 6u);
}

TEST_CASE("set size never shrinks; purge only orphans") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  v.inodes[10].size = 5000;
  v.add(root_inode, "d", inode_type::dir, 11);
  CHECK(as<cmd_set_size>(validate_set_size(v, g.ctx(3), 10, 8000)).size == 8000u);
  CHECK(as<cmd_set_size>(validate_set_size(v, g.ctx(3), 10, 100)).size == 5000u);
  CHECK(as<cmd_set_size>(validate_set_size(v, g.ctx(3), 10, 100)).time == 3);
  expect_error(validate_set_size(v, g.ctx(), 11, 1), EISDIR);
  expect_error(validate_set_size(v, g.ctx(), 99, 1), ENOENT);
  expect_error(validate_set_size(v, g.ctx(), 10, max_file_size + 1), EFBIG);

  expect_error(validate_purge_orphan(v, g.ctx(), 10), EINVAL, "not orphaned");
  expect_error(validate_purge_orphan(v, g.ctx(), 99), ENOENT);
  v.inodes[10].orphan = true;
  CHECK(as<cmd_purge_orphan>(validate_purge_orphan(v, g.ctx(), 10)).ino == 10);
}

TEST_CASE("resolve_path") {
  fake_view v;
  v.add(root_inode, "a", inode_type::dir, 10);
  v.add(10, "b", inode_type::file, 11);
  CHECK(resolve_path(v, "/").value() == root_inode);
  CHECK(resolve_path(v, "/a").value() == 10);
  CHECK(resolve_path(v, "//a/./b").value() == 11);
  CHECK(resolve_path(v, "/a/../a/b").value() == 11);
  CHECK(resolve_path(v, "/a/x").error().code == ENOENT);
  CHECK(resolve_path(v, "/a/b/c").error().code == ENOTDIR);
  CHECK(resolve_path(v, "a").error().code == EINVAL);
}

TEST_CASE("every command round-trips through its encoding, deterministically") {
  repl_attrs r{5, 3, 2, failure_domain::row};
  std::vector<md_command> all = {
      cmd_mkdir{1, "dir", 2, 0755, 1700000000123456789, r},
      cmd_create{2, "f\xc3\xa9 \"q\"", 3, 0600, -5, repl_attrs{}},
      cmd_unlink{2, "f", 3, true, 7},
      cmd_rmdir{1, "dir", 2, 8},
      cmd_rename{1, "a", 2, "b", 3, 4, true, 9},
      cmd_setattr{3, 0640u, 10, std::nullopt, 4096u, 7u, 11},
      cmd_setattr{3, std::nullopt, std::nullopt, 12, std::nullopt, std::nullopt, 13},
      cmd_set_repl{1, true, 3u, 2u, std::nullopt, failure_domain::disk},
      cmd_set_repl{1, false, std::nullopt, std::nullopt, 1u, std::nullopt},
      cmd_alloc_chunk{3, 18446744073709ull, 99, 1, {1025, 1030, 1026}},
      cmd_drop_replica{99, 1030, 2},
      cmd_fence_chunk{99, 3},
      cmd_confirm_replicas{99, 3, {1031, 1025}},
      cmd_set_size{3, 123456789012ull, 14},
      cmd_purge_orphan{3},
      // Names are bytes: not UTF-8 (and overlong / surrogate forms) must survive too.
      cmd_create{2, std::string("bad\xff\xfe\x80 name"), 4, 0600, 1, repl_attrs{}},
      cmd_rename{1, std::string("\xc0\xaf"), 2, std::string("\xed\xa0\x80"), 3, 0, false, 9},
      cmd_unlink{2, std::string("\xf0\x9f\x98\x80 ok"), 3, false, 7},
  };
  std::set<std::string> names;
  for (const auto& c : all) {
    auto bytes = encode_command(c);
    CHECK(bytes == encode_command(md_command(c)));  // same command -> same bytes
    auto back = decode_command(bytes);
    CHECK_MESSAGE(back == c, describe(c));
    CHECK(encode_command(back) == bytes);
    names.insert(command_name(c));
  }
  CHECK(names.size() == 13);  // every alternative covered
  CHECK(describe(all[15]).find("\"hex\"") != std::string::npos);
  CHECK(describe(all[17]).find("\"hex\"") == std::string::npos);  // valid UTF-8 stays readable
  // The text is readable JSON with the op name.
  CHECK(describe(all[0]).find("\"op\":\"mkdir\"") != std::string::npos);
  auto e = make_entry(7, 2, all[3]);
  CHECK(e.index == 7);
  CHECK(e.term == 2);
  CHECK(decode_command(e.data) == all[3]);
}

TEST_CASE("decoding refuses anything encode would not produce") {
  auto dec = [](const std::string& s) {
    std::vector<uint8_t> b(s.begin(), s.end());
    return decode_command(b);
  };
  CHECK_THROWS_AS(dec(""), command_decode_error);
  CHECK_THROWS_AS(dec("not json"), command_decode_error);
  CHECK_THROWS_AS(dec("[1,2]"), command_decode_error);
  CHECK_THROWS_AS(dec(R"({"op":"mkdir","v":1})"), command_decode_error);
  CHECK_THROWS_AS(dec(R"({"op":"explode","v":1})"), command_decode_error);
  CHECK_THROWS_AS(dec(R"({"op":"purge_orphan","v":2,"ino":3})"), command_decode_error);
  CHECK_THROWS_AS(dec(R"({"op":"purge_orphan","v":1,"ino":-3})"), command_decode_error);
  CHECK_THROWS_AS(dec(R"({"op":"drop_replica","v":1,"chunk":1,"cs":4294967296,"new_version":2})"),
                  command_decode_error);
  CHECK_THROWS_AS(dec(R"({"op":"set_repl","v":1,"ino":1,"recursive":false,"domain":"planet"})"),
                  command_decode_error);
  CHECK(std::get<cmd_purge_orphan>(dec(R"({"op":"purge_orphan","v":1,"ino":3})")).ino == 3);
}

TEST_CASE("errno names") {
  CHECK(std::string(errno_name(ENOENT)) == "ENOENT");
  CHECK(std::string(errno_name(ENOTEMPTY)) == "ENOTEMPTY");
  CHECK(std::string(errno_name(EINVAL)) == "EINVAL");
}

TEST_CASE("the write floor: lagging replicas keep the data until a write is handed out above them") {
  fake_view v;
  gen g;
  v.add(root_inode, "f", inode_type::file, 10);
  auto& c = v.add_chunk(10, 0, 400, 6, {1025, 1026});
  c.replicas[0].version = 6;
  c.replicas[1].version = 4;  // missed the fences of two repair copies
  c.written_version = 3;      // last handed out for writing at v3
  CHECK(write_floor(c) == 3u);
  CHECK(holds_acked_writes(c, c.replicas[1]));
  // 1026 still holds every acknowledged write: 1025 may go, 1026 may not.
  as<cmd_drop_replica>(validate_drop_replica(v, g.ctx(), 400, 1025));
  // Confirming the lagging replica at v6 is fine while nobody writes at v6...
  CHECK(as<cmd_confirm_replicas>(validate_confirm_replicas(v, g.ctx(), 400, 6, {1025, 1026})).cs ==
        std::vector<cs_id>{1025, 1026});
  auto m = mark_written_if_needed(c);
  REQUIRE(m);
  CHECK(m->version == 6u);
  // ...but once v6 was handed out for writing, it is left out (writers'
  // chains lack it) and the floor makes it stale.
  c.written_version = 6;
  CHECK_FALSE(mark_written_if_needed(c));
  CHECK_FALSE(holds_acked_writes(c, c.replicas[1]));
  CHECK(as<cmd_confirm_replicas>(validate_confirm_replicas(v, g.ctx(), 400, 6, {1025, 1026})).cs ==
        std::vector<cs_id>{1025});
  expect_error(validate_confirm_replicas(v, g.ctx(), 400, 6, {1026}), ESTALE, "given out for writing");
  expect_error(validate_drop_replica(v, g.ctx(), 400, 1025), EBUSY, "no other sound up-to-date copy");
}

TEST_CASE("a failed write is fenced out instead of dropped only when dropping would leave some, but fewer than MIN") {
  chunk_info c{1, 2, 0, 5, {{1025, 5}, {1026, 5}, {1027, 4}}, {}};
  auto all = [](cs_id) { return true; };
  CHECK(fence_out_instead_of_drop(c, {1026}, 2, all));         // 1 live left (1027 is lagging) < MIN 2
  CHECK_FALSE(fence_out_instead_of_drop(c, {1026}, 1, all));   // 1 left = MIN 1: drop
  CHECK_FALSE(fence_out_instead_of_drop(c, {1025, 1026}, 2, all));  // none left: the drop rule keeps the last
  c.replicas[2].version = 5;
  CHECK_FALSE(fence_out_instead_of_drop(c, {1026}, 2, all));   // 2 left = MIN 2: drop
  CHECK(fence_out_instead_of_drop(c, {1026}, 2, [](cs_id cs) { return cs != 1027; }));  // 1027 inactive
}
