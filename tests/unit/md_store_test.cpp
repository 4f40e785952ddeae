// The metadata store (persistence/md_store.hpp): commands applied and
// queried, journal replay after a crash, idempotent re-apply, atomicity,
// determinism, inheritance, truncate, rename edge cases.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <set>

#include "protocol/md_model/md_command.hpp"
#include "actors/mds/md_validate.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage::mds;
using pstorage::persistence::apply_result;
using pstorage::persistence::md_store;
using pstorage::persistence::md_store_options;
using pstorage::persistence::store_error;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t small_chunk = 1024;

// A scratch directory, removed at the end of the test.
struct scratch {
  fs::path dir;
  explicit scratch(const std::string& name)
      : dir(fs::temp_directory_path() / ("pstorage_md_store_test_" + std::to_string(getpid()) + "_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  std::string db() const { return (dir / "md.db").string(); }
};

// The master's side: validate against the store, then commit locally.
struct master {
  md_store& st;
  uint64_t term = 1;
  time_ns now = 1000;
  std::set<inode_id> open;
  inode_id next_ino;
  chunk_id next_chunk;

  explicit master(md_store& s) : st(s), next_ino(s.max_inode_id() + 1), next_chunk(s.max_chunk_id() + 1) {}

  decision_context ctx() {
    decision_context c;
    c.now = ++now;
    c.new_inode = [this] { return next_ino++; };
    c.new_chunk = [this] { return next_chunk++; };
    c.is_open = [this](inode_id i) { return open.count(i) > 0; };
    return c;
  }
  apply_result run(const md_outcome& o) {
    REQUIRE_MESSAGE(o.ok(), (o.ok() ? "" : o.error().message));
    auto r = st.commit_local(make_entry(st.last_index() + 1, term, o.value()));
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.rejected->message));
    return r;
  }
  inode_id mkdir(inode_id parent, const std::string& name) {
    auto o = validate_mkdir(st, ctx(), parent, name, 0755);
    run(o);
    return std::get<cmd_mkdir>(o.value()).ino;
  }
  inode_id create(inode_id parent, const std::string& name) {
    auto o = validate_create(st, ctx(), parent, name, 0644);
    run(o);
    return std::get<cmd_create>(o.value()).ino;
  }
  chunk_id alloc(inode_id ino, uint64_t index, std::vector<cs_id> css) {
    auto o = validate_alloc_chunk(st, ctx(), ino, index, css);
    run(o);
    return std::get<cmd_alloc_chunk>(o.value()).chunk;
  }
  void set_size(inode_id ino, uint64_t size) { run(validate_set_size(st, ctx(), ino, size)); }
  void set_repl(inode_id ino, std::vector<std::string> a, bool recursive) {
    run(validate_set_repl(st, ctx(), ino, a, recursive));
  }
  md_error fails(const md_outcome& o) {
    REQUIRE_FALSE(o.ok());
    return o.error();
  }
};

std::vector<std::string> names(const std::vector<dir_entry>& es) {
  std::vector<std::string> out;
  for (auto& e : es) out.push_back(e.name);
  return out;
}

std::vector<cs_id> css_of(const chunk_info& c) {
  std::vector<cs_id> out;
  for (auto& r : c.replicas) out.push_back(r.cs);
  return out;
}

}  // namespace

TEST_CASE("a new store has the root directory with the guide's defaults") {
  md_store st(":memory:");
  CHECK(st.chunk_size() == 64ull << 20);
  auto root = st.getattr(root_inode);
  REQUIRE(root);
  CHECK(root->is_dir());
  CHECK(root->mode == 0755u);
  CHECK(root->nlink == 2u);
  CHECK(root->parent == 0);
  // "Configuring Replication Parameters": replicas=1:1 on a new cluster;
  // "Cluster Parameters Overview": tier 0, failure domain host by default.
  CHECK(root->repl.replicas_norm == 1u);
  CHECK(root->repl.replicas_min == 1u);
  CHECK(root->repl.tier == 0u);
  CHECK(root->repl.domain == failure_domain::host);
  CHECK(st.readdir(root_inode).empty());
  CHECK(st.applied_index() == 0);
  CHECK(st.committed_index() == 0);
  CHECK(st.last_index() == 0);
  CHECK(st.max_inode_id() == root_inode);
  CHECK(st.max_chunk_id() == 0);
}

TEST_CASE("the chunk size is fixed at creation") {
  scratch s("chunksize");
  { md_store st(s.db(), md_store_options{small_chunk}); }
  {
    md_store st(s.db());  // unspecified: the stored one
    CHECK(st.chunk_size() == small_chunk);
  }
  { md_store st(s.db(), md_store_options{small_chunk}); }
  CHECK_THROWS_AS(md_store(s.db(), md_store_options{4096}), store_error);
  CHECK_THROWS_AS(md_store(":memory:", md_store_options{0}), store_error);
}

TEST_CASE("namespace commands applied and queried") {
  md_store st(":memory:", md_store_options{small_chunk});
  master m(st);

  inode_id vm = m.mkdir(root_inode, "vm");
  inode_id f = m.create(vm, "disk.img");
  inode_id g = m.create(vm, "b.conf");
  inode_id sub = m.mkdir(vm, "snap");
  CHECK(vm == 2);
  CHECK(f == 3);
  CHECK(st.applied_index() == 4);
  CHECK(st.committed_index() == 4);
  CHECK(st.last_index() == 4);
  CHECK(st.max_inode_id() == 5);

  auto a = st.getattr(f);
  REQUIRE(a);
  CHECK_FALSE(a->is_dir());
  CHECK(a->mode == 0644u);
  CHECK(a->parent == vm);
  CHECK(a->nlink == 1u);
  CHECK(a->size == 0u);
  CHECK(a->ctime == a->mtime);
  auto d = st.getattr(vm);
  CHECK(d->nlink == 3u);  // 2 + one subdirectory
  CHECK(d->mtime == st.getattr(sub)->ctime);  // parent touched by the last create

  CHECK(st.lookup(vm, "disk.img")->ino == f);
  CHECK(st.lookup(vm, "disk.img")->type == inode_type::file);
  CHECK(st.lookup(vm, "snap")->type == inode_type::dir);
  CHECK_FALSE(st.lookup(vm, "nope"));
  CHECK(names(st.readdir(vm)) == std::vector<std::string>{"b.conf", "disk.img", "snap"});
  CHECK(names(st.readdir(vm, "b.conf", 1)) == std::vector<std::string>{"disk.img"});
  CHECK_FALSE(st.dir_empty(vm));
  CHECK(st.dir_empty(sub));
  CHECK(resolve_path(st, "/vm/snap").value() == sub);
  const std::string raw("zz\xe9");  // Latin-1 bytes, not UTF-8
  inode_id r = m.create(vm, raw);
  CHECK(st.lookup(vm, raw)->ino == r);
  CHECK(st.readdir(vm).back().name == raw);
  m.run(validate_unlink(st, m.ctx(), vm, raw));

  SUBCASE("setattr mode and times") {
    setattr_request r;
    r.mode = 0600;
    r.atime = 55;
    r.mtime = 66;
    m.run(validate_setattr(st, m.ctx(), f, r));
    auto b = st.getattr(f);
    CHECK(b->mode == 0600u);
    CHECK(b->atime == 55);
    CHECK(b->mtime == 66);
    CHECK(b->ctime == m.now);
  }
  SUBCASE("unlink deletes the file and its chunks") {
    chunk_id c = m.alloc(f, 0, {1025});
    m.run(validate_unlink(st, m.ctx(), vm, "disk.img"));
    CHECK_FALSE(st.lookup(vm, "disk.img"));
    CHECK_FALSE(st.getattr(f));
    CHECK_FALSE(st.chunk_by_id(c));
    CHECK(st.chunks_on(1025).empty());
    CHECK(st.orphans().empty());
    CHECK(st.getattr(vm)->mtime == m.now);
  }
  SUBCASE("unlink of an open file orphans it; purge deletes it") {
    chunk_id c = m.alloc(f, 0, {1025});
    m.open.insert(f);
    m.run(validate_unlink(st, m.ctx(), vm, "disk.img"));
    CHECK_FALSE(st.lookup(vm, "disk.img"));
    auto o = st.getattr(f);
    REQUIRE(o);
    CHECK(o->orphan);
    CHECK(o->nlink == 0u);
    CHECK(o->parent == 0);
    CHECK(st.chunk_by_id(c));  // data survives until released
    CHECK(st.orphans() == std::vector<inode_id>{f});
    // An open orphan can still grow.
    m.set_size(f, 700);
    CHECK(st.getattr(f)->size == 700u);
    m.run(validate_purge_orphan(st, m.ctx(), f));
    CHECK_FALSE(st.getattr(f));
    CHECK_FALSE(st.chunk_by_id(c));
    CHECK(st.orphans().empty());
  }
  SUBCASE("rmdir") {
    CHECK(m.fails(validate_rmdir(st, m.ctx(), root_inode, "vm")).code == ENOTEMPTY);
    m.run(validate_rmdir(st, m.ctx(), vm, "snap"));
    CHECK_FALSE(st.getattr(sub));
    CHECK(st.getattr(vm)->nlink == 2u);
    CHECK(names(st.readdir(vm)) == std::vector<std::string>{"b.conf", "disk.img"});
  }
  SUBCASE("errors from the store as view") {
    CHECK(m.fails(validate_mkdir(st, m.ctx(), vm, "snap", 0755)).code == EEXIST);
    CHECK(m.fails(validate_create(st, m.ctx(), f, "x", 0644)).code == ENOTDIR);
    CHECK(m.fails(validate_unlink(st, m.ctx(), vm, "snap")).code == EISDIR);
    CHECK(m.fails(validate_rmdir(st, m.ctx(), vm, "b.conf")).code == ENOTDIR);
    CHECK(m.fails(validate_create(st, m.ctx(), 999, "x", 0644)).code == ENOENT);
  }
  (void)g;
}

TEST_CASE("chunk map: allocate, drop a failed replica (version bump), add after repair, set size") {
  md_store st(":memory:", md_store_options{small_chunk});
  master m(st);
  inode_id f = m.create(root_inode, "f");

  chunk_id c0 = m.alloc(f, 0, {1026, 1025, 1027});
  chunk_id c1 = m.alloc(f, 1, {1025});
  CHECK(c1 > c0);
  CHECK(st.max_chunk_id() == c1);
  auto ch = st.chunk_at(f, 0);
  REQUIRE(ch);
  CHECK(ch->id == c0);
  CHECK(ch->version == 1u);
  CHECK(css_of(*ch) == std::vector<cs_id>{1026, 1025, 1027});  // master's chain order
  for (auto& r : ch->replicas) CHECK(r.version == 1u);
  CHECK(st.chunk_by_id(c0) == ch);
  CHECK(st.chunks(f).size() == 2);
  CHECK(st.chunks_on(1025) == std::vector<chunk_id>{c0, c1});
  CHECK(st.chunks_on(1026) == std::vector<chunk_id>{c0});
  CHECK(m.fails(validate_alloc_chunk(st, m.ctx(), f, 0, {1025})).code == EEXIST);

  CHECK(st.unconfirmed_chunks().empty());
  m.run(validate_drop_replica(st, m.ctx(), c0, 1025));
  ch = st.chunk_by_id(c0);
  CHECK(ch->version == 2u);  // fenced
  CHECK(css_of(*ch) == std::vector<cs_id>{1026, 1027});
  for (auto& r : ch->replicas) CHECK(r.version == 1u);  // survivors not confirmed yet
  CHECK(st.chunks_on(1025) == std::vector<chunk_id>{c1});
  CHECK(st.unconfirmed_chunks() == std::vector<chunk_id>{c0});

  // Step 2: 1026 answered SetVersion; a repair copy on 1028 is confirmed with it.
  m.run(validate_confirm_replicas(st, m.ctx(), c0, 2, {1026, 1028}));
  ch = st.chunk_by_id(c0);
  CHECK(ch->version == 2u);
  CHECK(css_of(*ch) == std::vector<cs_id>{1026, 1027, 1028});
  CHECK(ch->replicas[0].version == 2u);
  CHECK(ch->replicas[1].version == 1u);  // 1027 did not answer: stale from now on
  CHECK(ch->replicas[2].version == 2u);
  CHECK(st.unconfirmed_chunks().empty());
  CHECK(m.fails(validate_confirm_replicas(st, m.ctx(), c0, 1, {1027})).code == ESTALE);

  // 1027 missed the round but no write: it is at the write floor (1, the
  // allocation) and still holds every acknowledged write.
  CHECK(st.chunk_by_id(c0)->written_version == 1u);
  CHECK(st.lagging_chunks_on(1027) == std::vector<chunk_id>{c0});
  // Handed out for writing at v2: the floor rises, 1027 is stale for good.
  auto mark = mark_written_if_needed(*st.chunk_by_id(c0));
  REQUIRE(mark);
  m.run(md_outcome(md_command(*mark)));
  CHECK(st.chunk_by_id(c0)->written_version == 2u);
  CHECK_FALSE(mark_written_if_needed(*st.chunk_by_id(c0)));
  CHECK(st.lagging_chunks_on(1027).empty());

  // Never forget the last up-to-date copy (unless forced: rm-cs -f).
  m.run(validate_drop_replica(st, m.ctx(), c0, 1026));
  CHECK(m.fails(validate_drop_replica(st, m.ctx(), c0, 1028)).code == EBUSY);
  m.run(validate_drop_replica(st, m.ctx(), c0, 1028, drop_mode::forced));
  CHECK(css_of(*st.chunk_by_id(c0)) == std::vector<cs_id>{1027});

  // A fence without a drop (repair copy), then promotion of the newest holder.
  m.run(validate_fence_chunk(st, m.ctx(), c1));
  CHECK(st.chunk_by_id(c1)->version == 2u);
  CHECK(st.chunk_by_id(c1)->replicas[0].version == 1u);
  m.run(validate_confirm_replicas(st, m.ctx(), c1, 2, {1025}));
  CHECK(st.chunk_by_id(c1)->replicas[0].version == 2u);

  m.set_size(f, 1500);
  CHECK(st.getattr(f)->size == 1500u);
  CHECK(st.getattr(f)->mtime == m.now);
  m.set_size(f, 10);  // fsync of an older write: never shrinks
  CHECK(st.getattr(f)->size == 1500u);
}

TEST_CASE("truncate drops chunks beyond the new size and cuts the last one") {
  md_store st(":memory:", md_store_options{small_chunk});
  master m(st);
  inode_id f = m.create(root_inode, "f");
  std::vector<chunk_id> ids;
  for (uint64_t i = 0; i < 4; ++i) ids.push_back(m.alloc(f, i, {1025, 1026}));
  m.set_size(f, 4 * small_chunk);
  auto truncate = [&](uint64_t size) {
    setattr_request r;
    r.size = size;
    m.run(validate_setattr(st, m.ctx(), f, r));
    CHECK(st.getattr(f)->size == size);
  };

  truncate(5000);  // growing: sparse, nothing dropped
  CHECK(st.chunks(f).size() == 4);

  truncate(1500);  // chunk 1 is cut, 2 and 3 dropped
  auto cs = st.chunks(f);
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].version == 1u);
  CHECK(cs[1].id == ids[1]);
  CHECK(cs[1].version == 2u);
  CHECK(cs[1].cut_len == 1500 - small_chunk);  // pending until a round confirms it
  for (auto& r : cs[1].replicas) CHECK(r.version == 1u);
  m.run(validate_confirm_replicas(st, m.ctx(), ids[1], 2, {1025}));
  CHECK_FALSE(st.chunk_by_id(ids[1])->cut_len);
  // The cut changed the data at v2: 1026 (not truncated) is below the floor.
  CHECK(st.chunk_by_id(ids[1])->written_version == 2u);
  CHECK(st.lagging_chunks_on(1026).empty());
  CHECK_FALSE(st.chunk_by_id(ids[2]));
  CHECK_FALSE(st.chunk_by_id(ids[3]));
  CHECK(st.chunks_on(1025) == std::vector<chunk_id>{ids[0], ids[1]});

  truncate(1024);  // exactly one chunk: chunk 1 dropped, chunk 0 untouched
  cs = st.chunks(f);
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].id == ids[0]);
  CHECK(cs[0].version == 1u);

  truncate(0);
  CHECK(st.chunks(f).empty());
  // The index is free again: a later write allocates a new chunk there.
  chunk_id again = m.alloc(f, 0, {1025});
  CHECK(again > ids[3]);
}

TEST_CASE("replication attributes: inheritance and recursive set-attr") {
  md_store st(":memory:", md_store_options{small_chunk});
  master m(st);
  inode_id a = m.mkdir(root_inode, "a");
  inode_id a_f = m.create(a, "f");

  m.set_repl(a, {"replicas=3", "tier=1", "failure-domain=rack"}, false);
  auto ra = st.getattr(a)->repl;
  CHECK(ra == repl_attrs{3, 2, 1, failure_domain::rack});
  CHECK(st.getattr(a_f)->repl == repl_attrs{});  // non-recursive: children untouched
  CHECK(st.getattr(root_inode)->repl == repl_attrs{});

  // New children inherit the parent directory's attributes at creation.
  inode_id b = m.mkdir(a, "b");
  inode_id b_f = m.create(b, "g");
  CHECK(st.getattr(b)->repl == ra);
  CHECK(st.getattr(b_f)->repl == ra);

  // A file's own attributes.
  m.set_repl(b_f, {"replicas=2:1"}, false);
  CHECK(st.getattr(b_f)->repl == repl_attrs{2, 1, 1, failure_domain::rack});

  // Recursive from the root: only the given attribute changes, everywhere.
  m.set_repl(root_inode, {"failure-domain=disk"}, true);
  for (inode_id i : {root_inode, a, a_f, b, b_f}) CHECK(st.getattr(i)->repl.domain == failure_domain::disk);
  CHECK(st.getattr(b_f)->repl.replicas_norm == 2u);
  CHECK(st.getattr(a)->repl.tier == 1u);
  CHECK(st.getattr(root_inode)->repl.tier == 0u);

  // Recursive on a subtree leaves the rest alone (guide: set-attr -R DIR replicas=3).
  m.set_repl(b, {"replicas=5:3", "tier=3"}, true);
  CHECK(st.getattr(b)->repl == repl_attrs{5, 3, 3, failure_domain::disk});
  CHECK(st.getattr(b_f)->repl == repl_attrs{5, 3, 3, failure_domain::disk});
  CHECK(st.getattr(a)->repl == repl_attrs{3, 2, 1, failure_domain::disk});
  CHECK(st.getattr(a_f)->repl.replicas_norm == 1u);

  CHECK(m.fails(validate_set_repl(st, m.ctx(), a, {"replicas=0"}, true)).code == EINVAL);
  CHECK(m.fails(validate_set_repl(st, m.ctx(), a, {"bogus=1"}, true)).code == EINVAL);
}

TEST_CASE("rename edge cases") {
  md_store st(":memory:", md_store_options{small_chunk});
  master m(st);
  inode_id a = m.mkdir(root_inode, "a");
  inode_id b = m.mkdir(a, "b");
  inode_id f1 = m.create(root_inode, "f1");
  inode_id f2 = m.create(root_inode, "f2");
  chunk_id c2 = m.alloc(f2, 0, {1025});
  inode_id empty = m.mkdir(root_inode, "empty");
  inode_id full = m.mkdir(root_inode, "full");
  m.create(full, "x");

  SUBCASE("move across directories") {
    m.run(validate_rename(st, m.ctx(), root_inode, "f1", b, "moved"));
    CHECK_FALSE(st.lookup(root_inode, "f1"));
    CHECK(st.lookup(b, "moved")->ino == f1);
    CHECK(st.getattr(f1)->parent == b);
    CHECK(st.getattr(f1)->ctime == m.now);
    CHECK(st.getattr(b)->mtime == m.now);
    CHECK(st.getattr(root_inode)->mtime == m.now);
  }
  SUBCASE("directory move updates parent and link counts") {
    m.run(validate_rename(st, m.ctx(), a, "b", root_inode, "b"));
    CHECK(st.getattr(b)->parent == root_inode);
    CHECK(st.getattr(a)->nlink == 2u);
    CHECK(st.getattr(root_inode)->nlink == 2u + 4u);  // a, empty, full, b
    CHECK(resolve_path(st, "/b").value() == b);
  }
  SUBCASE("overwrite a file target: the old file and its chunks go") {
    m.run(validate_rename(st, m.ctx(), root_inode, "f1", root_inode, "f2"));
    CHECK(st.lookup(root_inode, "f2")->ino == f1);
    CHECK_FALSE(st.lookup(root_inode, "f1"));
    CHECK_FALSE(st.getattr(f2));
    CHECK_FALSE(st.chunk_by_id(c2));
  }
  SUBCASE("overwrite an open file target: orphaned, data kept") {
    m.open.insert(f2);
    m.run(validate_rename(st, m.ctx(), root_inode, "f1", root_inode, "f2"));
    CHECK(st.lookup(root_inode, "f2")->ino == f1);
    CHECK(st.getattr(f2)->orphan);
    CHECK(st.chunk_by_id(c2));
    CHECK(st.orphans() == std::vector<inode_id>{f2});
  }
  SUBCASE("directory over an empty directory") {
    m.run(validate_rename(st, m.ctx(), root_inode, "a", root_inode, "empty"));
    CHECK(st.lookup(root_inode, "empty")->ino == a);
    CHECK_FALSE(st.getattr(empty));
    CHECK(resolve_path(st, "/empty/b").value() == b);
  }
  SUBCASE("refusals") {
    auto before = st.canonical_dump();
    CHECK(m.fails(validate_rename(st, m.ctx(), root_inode, "a", b, "a")).code == EINVAL);
    CHECK(m.fails(validate_rename(st, m.ctx(), root_inode, "a", a, "self")).code == EINVAL);
    CHECK(m.fails(validate_rename(st, m.ctx(), root_inode, "empty", root_inode, "full")).code == ENOTEMPTY);
    CHECK(m.fails(validate_rename(st, m.ctx(), root_inode, "f1", root_inode, "empty")).code == EISDIR);
    CHECK(m.fails(validate_rename(st, m.ctx(), root_inode, "empty", root_inode, "f1")).code == ENOTDIR);
    CHECK(m.fails(validate_rename(st, m.ctx(), root_inode, "nope", root_inode, "x")).code == ENOENT);
    CHECK(st.canonical_dump() == before);
  }
  SUBCASE("rename onto itself changes nothing") {
    auto before = st.getattr(f1);
    m.run(validate_rename(st, m.ctx(), root_inode, "f1", root_inode, "f1"));
    CHECK(st.getattr(f1) == before);
    CHECK(st.lookup(root_inode, "f1")->ino == f1);
  }
  SUBCASE("a stale rename (target changed after validation) is rejected on apply") {
    auto o = validate_rename(st, m.ctx(), root_inode, "f1", root_inode, "new");
    m.create(root_inode, "new");  // another request got in first
    auto before = st.canonical_dump();
    auto r = st.commit_local(make_entry(st.last_index() + 1, 1, o.value()));
    REQUIRE(r.rejected);
    CHECK(r.rejected->code == EEXIST);
    // State unchanged apart from the applied index.
    CHECK(st.lookup(root_inode, "f1")->ino == f1);
    CHECK(st.applied_index() == r.index);
    (void)before;
  }
}

TEST_CASE("journal: append, commit, apply are separable; replay on reopen") {
  scratch s("replay");
  std::vector<journal_entry> log;
  {
    md_store st(s.db(), md_store_options{small_chunk});
    log.push_back(make_entry(1, 1, cmd_mkdir{root_inode, "d", 2, 0755, 10, repl_attrs{}}));
    log.push_back(make_entry(2, 1, cmd_create{2, "f", 3, 0644, 11, repl_attrs{}}));
    log.push_back(make_entry(3, 2, cmd_alloc_chunk{3, 0, 1, 1, {1025}}));
    for (auto& e : log) st.append(e);
    CHECK(st.last_index() == 3);
    CHECK(st.last_term() == 2);
    CHECK(st.applied_index() == 0);
    CHECK_FALSE(st.lookup(root_inode, "d"));
    CHECK(st.entries(1, 3) == log);
    CHECK(st.entry(2) == log[1]);
    st.commit(2);  // entries 1..2 committed, then "kill -9" before applying
  }
  {
    md_store st(s.db());  // reopening replays the committed, unapplied entries
    CHECK(st.applied_index() == 2);
    CHECK(st.committed_index() == 2);
    CHECK(st.last_index() == 3);
    CHECK(st.lookup(root_inode, "d")->ino == 2);
    CHECK(st.lookup(2, "f")->ino == 3);
    CHECK_FALSE(st.chunk_by_id(1));  // entry 3 is not committed: not applied
    CHECK(st.max_inode_id() == 3);
    CHECK(st.outcome(2)->ok());
    CHECK_FALSE(st.outcome(3));

    // Uncommitted suffix can be replaced (a new master); committed cannot.
    CHECK_THROWS_AS(st.truncate_after(1), store_error);
    st.truncate_after(2);
    CHECK(st.last_index() == 2);
    auto e3 = make_entry(3, 3, cmd_alloc_chunk{3, 0, 7, 1, {1026}});
    st.append(e3);
    CHECK(st.apply(e3).ok());  // applying implies committed
    CHECK(st.committed_index() == 3);
    CHECK(st.chunk_by_id(7)->replicas[0].cs == 1026u);
  }
  {
    md_store st(s.db());
    CHECK(st.applied_index() == 3);
    CHECK(st.chunk_at(3, 0)->id == 7);
  }
}

TEST_CASE("journal refuses gaps, foreign entries and term regressions") {
  md_store st(":memory:");
  auto e1 = make_entry(1, 5, cmd_mkdir{root_inode, "d", 2, 0755, 10, repl_attrs{}});
  auto e2 = make_entry(2, 5, cmd_mkdir{root_inode, "e", 3, 0755, 10, repl_attrs{}});
  CHECK_THROWS_AS(st.append(e2), store_error);  // gap
  st.append(e1);
  CHECK_THROWS_AS(st.append(e1), store_error);  // duplicate index
  CHECK_THROWS_AS(st.append(make_entry(2, 4, cmd_purge_orphan{9})), store_error);  // term went back
  CHECK_THROWS_AS(st.apply(e2), store_error);  // not in the journal, and a gap
  auto other = make_entry(1, 5, cmd_mkdir{root_inode, "zzz", 2, 0755, 10, repl_attrs{}});
  CHECK_THROWS_AS(st.apply(other), store_error);  // differs from the journal's entry 1
  CHECK_THROWS_AS(st.commit(2), store_error);     // beyond the last entry
  CHECK(st.applied_index() == 0);
  CHECK(st.apply(e1).ok());
}

TEST_CASE("re-applying an applied index is a no-op") {
  md_store st(":memory:", md_store_options{small_chunk});
  auto e1 = make_entry(1, 1, cmd_create{root_inode, "f", 2, 0644, 10, repl_attrs{}});
  auto e2 = make_entry(2, 1, cmd_set_size{2, 100, 20});
  CHECK(st.commit_local(e1).ok());
  CHECK(st.commit_local(e2).ok());
  auto dump = st.canonical_dump();
  for (auto* e : {&e1, &e2, &e1}) {
    auto r = st.apply(*e);
    CHECK(r.duplicate);
    CHECK(r.ok());
    CHECK(r.index == e->index);
  }
  CHECK(st.apply_committed().empty());
  CHECK(st.canonical_dump() == dump);
  CHECK(st.applied_index() == 2);
  CHECK_THROWS_AS(st.apply(make_entry(0, 1, cmd_purge_orphan{2})), store_error);
}

TEST_CASE("a rejected command leaves the state untouched and its outcome is recorded") {
  scratch s("reject");
  {
    md_store st(s.db(), md_store_options{small_chunk});
    CHECK(st.commit_local(make_entry(1, 1, cmd_mkdir{root_inode, "d", 2, 0755, 10, repl_attrs{}})).ok());
    CHECK(st.commit_local(make_entry(2, 1, cmd_create{root_inode, "f", 3, 0644, 10, repl_attrs{}})).ok());
    auto dump = st.canonical_dump();
    // Crafted commands whose preconditions do not hold (validation skipped).
    struct bad {
      md_command c;
      int code;
    };
    std::vector<bad> bads = {
        {cmd_mkdir{root_inode, "d", 4, 0755, 11, repl_attrs{}}, EEXIST},
        {cmd_mkdir{root_inode, "x", 2, 0755, 11, repl_attrs{}}, EINVAL},    // inode id reused
        {cmd_create{99, "x", 4, 0644, 11, repl_attrs{}}, ENOENT},
        {cmd_create{root_inode, "x", 4, 0644, 11, repl_attrs{16, 1, 0, failure_domain::host}}, EINVAL},
        {cmd_alloc_chunk{3, 0, 1, 1, {1025, 1026, 1025}}, EINVAL},  // fails after the chunk row is written
        {cmd_setattr{2, std::nullopt, 5, std::nullopt, 10u, std::nullopt, 12}, EISDIR},
        {cmd_unlink{root_inode, "d", 2, false, 12}, EISDIR},
        {cmd_rmdir{root_inode, "d", 5, 12}, ENOENT},
        {cmd_alloc_chunk{2, 0, 1, 1, {1025}}, EISDIR},
        {cmd_drop_replica{1, 1025, 2}, ENOENT},
        {cmd_purge_orphan{2}, EINVAL},
        {cmd_set_repl{2, false, 3u, 4u, std::nullopt, std::nullopt}, EINVAL},
    };
    uint64_t idx = 3;
    for (auto& b : bads) {
      auto r = st.commit_local(make_entry(idx, 1, b.c));
      REQUIRE_MESSAGE(r.rejected, describe(b.c));
      CHECK_MESSAGE(r.rejected->code == b.code, describe(b.c), " -> ", r.rejected->message);
      CHECK_FALSE(r.rejected->message.empty());
      CHECK(st.applied_index() == idx);
      ++idx;
    }
    // Only the applied index moved.
    auto now = st.canonical_dump();
    CHECK(now.substr(now.find("max_inode")) == dump.substr(dump.find("max_inode")));
  }
  md_store st(s.db());
  CHECK_FALSE(st.chunk_at(3, 0));
  auto o = st.outcome(3);
  REQUIRE(o);
  REQUIRE(o->rejected);
  CHECK(o->rejected->code == EEXIST);
  CHECK(st.outcome(1)->ok());
  CHECK(st.outcome(2)->ok());
  auto dup = st.apply(*st.entry(3));  // re-apply reports the recorded outcome
  CHECK(dup.duplicate);
  CHECK(dup.rejected->code == EEXIST);
}

TEST_CASE("a failure in the middle of a command rolls back the whole commit") {
  md_store st(":memory:", md_store_options{small_chunk});
  master m(st);
  inode_id f = m.create(root_inode, "f");
  auto dump = st.canonical_dump();
  const uint64_t last = st.last_index();
  // Injected storage failure after the chunk row is written, while its
  // replicas are being inserted.
  st.db().exec(
      "CREATE TEMP TRIGGER boom BEFORE INSERT ON md_replicas WHEN NEW.cs = 666 "
      "BEGIN SELECT RAISE(ABORT, 'injected disk failure'); END");
  auto o = validate_alloc_chunk(st, m.ctx(), f, 0, {1025, 666});
  REQUIRE(o.ok());
  CHECK_THROWS_AS(st.commit_local(make_entry(last + 1, 1, o.value())), store_error);
  CHECK(st.canonical_dump() == dump);   // no half command
  CHECK(st.last_index() == last);       // and no journal entry either
  CHECK_FALSE(st.entry(last + 1));
  CHECK_FALSE(st.chunk_at(f, 0));
  st.db().exec("DROP TRIGGER boom");
  CHECK(st.commit_local(make_entry(last + 1, 1, o.value())).ok());
  CHECK(st.chunk_at(f, 0)->replicas.size() == 2);
}

TEST_CASE("kill -9 after acknowledged commits loses nothing") {
  scratch s("kill9");
  { md_store st(s.db(), md_store_options{small_chunk}); }
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: commit (acknowledge) 20 creates, then die without any cleanup.
    try {
      md_store st(s.db());
      for (uint64_t i = 0; i < 20; ++i)
        st.commit_local(make_entry(i + 1, 1, cmd_create{root_inode, "f" + std::to_string(i), i + 2, 0644, 1, {}}));
    } catch (...) {
      _exit(3);
    }
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  md_store st(s.db());
  CHECK(st.applied_index() == 20);
  CHECK(st.readdir(root_inode).size() == 20);
  CHECK(st.lookup(root_inode, "f19")->ino == 21);
}

TEST_CASE("determinism: the same journal gives the same state") {
  scratch s("determinism");
  md_store a(s.db(), md_store_options{small_chunk});
  master m(a);
  inode_id d = m.mkdir(root_inode, "d");
  inode_id f = m.create(d, "f");
  m.alloc(f, 0, {1025, 1026});
  m.alloc(f, 1, {1026, 1027});
  m.set_size(f, 2000);
  m.set_repl(root_inode, {"replicas=3", "tier=2"}, true);
  m.run(validate_drop_replica(a, m.ctx(), a.chunk_at(f, 0)->id, 1025));
  m.run(validate_rename(a, m.ctx(), d, "f", root_inode, "g"));
  m.open.insert(f);
  m.create(root_inode, "h");
  m.run(validate_rename(a, m.ctx(), root_inode, "h", root_inode, "g"));  // orphans f
  setattr_request r;
  r.size = 100;
  m.run(validate_setattr(a, m.ctx(), m.next_ino - 1, r));
  m.run(validate_rmdir(a, m.ctx(), root_inode, "d"));

  // Replay the journal into a fresh store, twice, and compare.
  auto log = a.entries(1, a.last_index());
  REQUIRE(log.size() == a.applied_index());
  for (int round = 0; round < 2; ++round) {
    md_store b(":memory:", md_store_options{small_chunk});
    for (auto& e : log) {
      b.append(e);
      b.commit(e.index);
    }
    b.apply_committed();
    CHECK(b.canonical_dump() == a.canonical_dump());
  }
  // Re-encoding the decoded commands gives the very same bytes.
  for (auto& e : log) CHECK(encode_command(decode_command(e.data)) == e.data);
}

TEST_CASE("an md-2 store (no write floor) opens as md-3 with the floor at each chunk's version") {
  scratch s("md2");
  {
    md_store st(s.db(), md_store_options{small_chunk});
    st.commit_local(make_entry(1, 1, cmd_create{root_inode, "f", 2, 0644, 1, {}}));
    st.commit_local(make_entry(2, 1, cmd_alloc_chunk{2, 0, 7, 1, {1025, 1026}}));
    st.commit_local(make_entry(3, 1, cmd_fence_chunk{7, 4}));
  }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(s.db().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "ALTER TABLE md_chunks DROP COLUMN written; UPDATE md_meta SET value = 'md-2' WHERE key = 'format'",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  md_store st(s.db());
  auto c = st.chunk_by_id(7);
  REQUIRE(c);
  CHECK(c->version == 4u);
  CHECK(c->written_version == 4u);  // conservative: every version may have been written
  CHECK(st.lagging_chunks_on(1025).empty());
}

// md_command.hpp durable_at_once: namespace changes are fsynced lazily,
// everything the chunk servers act on at once.
TEST_CASE("namespace changes are durable lazily, chunk and size changes at once") {
  CHECK_FALSE(durable_at_once(cmd_mkdir{root_inode, "d", 2, 0755, 10, repl_attrs{}}));
  CHECK_FALSE(durable_at_once(cmd_create{2, "f", 3, 0644, 11, repl_attrs{}}));
  CHECK_FALSE(durable_at_once(cmd_unlink{}));
  CHECK_FALSE(durable_at_once(cmd_rename{}));
  cmd_setattr mode_only;
  mode_only.mode = 0600;
  CHECK_FALSE(durable_at_once(mode_only));
  cmd_setattr truncate = mode_only;
  truncate.size = 0;
  CHECK(durable_at_once(truncate));
  CHECK(durable_at_once(cmd_alloc_chunk{3, 0, 1, 1, {1025}}));
  CHECK(durable_at_once(cmd_set_size{}));
  CHECK(durable_at_once(cmd_set_param{"mds.x", 1}));
}

TEST_CASE("a lazy commit is applied at once, counted unsynced until a sync or a durable commit, and kept on reopen") {
  scratch s("lazy");
  {
    md_store st(s.db());
    CHECK_FALSE(st.unsynced());
    auto r = st.commit_local(make_entry(1, 1, cmd_mkdir{root_inode, "d", 2, 0755, 10, repl_attrs{}}), false);
    REQUIRE(r.ok());
    CHECK(st.unsynced());
    CHECK(st.lookup(root_inode, "d"));  // applied: readers see it before it is fsynced
    st.sync();
    CHECK_FALSE(st.unsynced());
    st.sync();  // nothing left: no-op
    REQUIRE(st.commit_local(make_entry(2, 1, cmd_create{2, "f", 3, 0644, 11, repl_attrs{}}), false).ok());
    CHECK(st.unsynced());
    REQUIRE(st.commit_local(make_entry(3, 1, cmd_alloc_chunk{3, 0, 1, 1, {1025}})).ok());
    CHECK_FALSE(st.unsynced());  // a durable commit fsyncs the journal, earlier entries included
    REQUIRE(st.commit_local(make_entry(4, 1, cmd_mkdir{root_inode, "e", 4, 0755, 12, repl_attrs{}}), false).ok());
  }
  md_store again(s.db());  // closed without a sync: still there (the OS had it)
  CHECK(again.lookup(root_inode, "d"));
  CHECK(again.lookup(root_inode, "e"));
  CHECK(again.chunk_at(3, 0));
  CHECK(again.applied_index() == 4);
}
