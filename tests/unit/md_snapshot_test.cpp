// md_store snapshots (persistence/md_snapshot.cpp): the image of one store
// installed into another gives the same state (canonical_dump) and applied
// index, survives reopening, and an image of another chunk size or no image
// at all is refused with the state unchanged; forgetting stored entries.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "actors/mds/md_validate.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;
using pstorage::persistence::md_store_options;
using pstorage::persistence::store_error;
namespace fs = std::filesystem;

namespace {

struct scratch {
  fs::path dir;
  explicit scratch(const std::string& name)
      : dir(fs::temp_directory_path() / ("pstorage_md_snapshot_test_" + std::to_string(getpid()) + "_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  std::string db(const std::string& n) const { return (dir / n).string(); }
};

md_store_options small() {
  md_store_options o;
  o.chunk_size = 1024;
  return o;
}

// Creates files f0..f(n-1) in the root, each its own journal entry.
void create_files(md_store& st, int n, const std::string& prefix = "f") {
  for (int i = 0; i < n; ++i) {
    inode_id next = st.max_inode_id() + 1;
    decision_context c;
    c.now = 1000 + i;
    c.new_inode = [&] { return next++; };
    c.new_chunk = [] { return chunk_id{1}; };
    auto o = validate_create(st, c, root_inode, prefix + std::to_string(i), 0644);
    REQUIRE(o.ok());
    auto r = st.commit_local(make_entry(st.last_index() + 1, 1, o.value()));
    REQUIRE(r.ok());
  }
}

}  // namespace

TEST_CASE("a snapshot installed into another store gives the same state and applied index, also after reopening") {
  scratch s("install");
  md_store master(s.db("master.db"), small());
  create_files(master, 20);
  auto image = master.export_snapshot();
  {
    md_store follower(s.db("follower.db"), small());
    create_files(follower, 3, "stale");  // whatever it held is replaced
    follower.install_snapshot(image);
    CHECK(follower.applied_index() == master.applied_index());
    CHECK(follower.canonical_dump() == master.canonical_dump());
    // it goes on applying after the snapshot like the master
    create_files(master, 2, "g");
    create_files(follower, 2, "g");
    CHECK(follower.canonical_dump() == master.canonical_dump());
  }
  md_store reopened(s.db("follower.db"), small());
  CHECK(reopened.applied_index() == master.applied_index());
  CHECK(reopened.canonical_dump() == master.canonical_dump());
}

TEST_CASE("an image of another chunk size, or not an image, is refused and the state stays") {
  md_store other(":memory:", md_store_options{});
  create_files(other, 2);
  md_store st(":memory:", small());
  create_files(st, 1);
  const auto before = st.canonical_dump();
  CHECK_THROWS_AS(st.install_snapshot(other.export_snapshot()), store_error);
  const std::vector<uint8_t> junk(4096, 7);
  CHECK_THROWS_AS(st.install_snapshot(junk), store_error);
  CHECK(st.canonical_dump() == before);
}

TEST_CASE("forgetting stored entries keeps the state and the next index") {
  md_store st(":memory:", small());
  create_files(st, 5);
  const auto before = st.canonical_dump();
  const auto last = st.last_index();
  st.forget_entries_through(3);
  CHECK(st.first_stored_index() == 4);
  CHECK_FALSE(st.entry(3));
  CHECK(st.entry(4));
  CHECK(st.last_index() == last);
  st.forget_entries_through(100);  // clamped to the applied index
  CHECK(st.last_index() == last);
  create_files(st, 1, "after");
  CHECK(st.applied_index() == last + 1);
  CHECK(st.canonical_dump() != before);
}
