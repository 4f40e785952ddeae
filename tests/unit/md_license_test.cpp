// The cluster's license journaled through cmd_set_license (protocol/md_model
// md_command.hpp; persistence/md_store.hpp license(), newest_recorded_time(),
// chunk_count()): replaced by a newer one, kept across a reopen and in a
// snapshot (a new master or a resynced MDS has it).
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "persistence/md_store.hpp"
#include "protocol/md_model/md_command.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;
namespace fs = std::filesystem;

namespace {
void commit(md_store& s, const md_command& c) {
  auto r = s.commit_local(make_entry(s.last_index() + 1, 1, c));
  REQUIRE(r.ok());
}
}  // namespace

TEST_CASE("set_license encodes and decodes, any text bytes included") {
  md_command c = cmd_set_license{"PCSSTOR\n\thwid=\"X\"\n", 1234};
  CHECK(std::string(command_name(c)) == "set_license");
  CHECK(decode_command(encode_command(c)) == c);
}

TEST_CASE("the license replaces the earlier one, survives a reopen and travels in a snapshot") {
  auto dir = fs::temp_directory_path() / ("pstorage_md_license_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto path = (dir / "md.db").string();
  std::vector<uint8_t> image;
  {
    md_store s(path);
    CHECK_FALSE(s.license());
    CHECK(s.newest_recorded_time() == 0);
    CHECK(s.chunk_count() == 0);
    commit(s, cmd_set_license{"first", 100});
    commit(s, cmd_set_license{"second", 200});
    commit(s, cmd_event{150, "info", "MDS", "x", 1});
    REQUIRE(s.license());
    CHECK(s.license()->text == "second");
    CHECK(s.license()->time == 200);
    CHECK(s.newest_recorded_time() == 200);
    commit(s, cmd_event{300, "info", "MDS", "y", 1});
    CHECK(s.newest_recorded_time() == 300);
    commit(s, cmd_create{root_inode, "f", 2, 0644, 1, {}});
    commit(s, cmd_alloc_chunk{2, 0, 1, 1, {1025}});
    commit(s, cmd_alloc_chunk{2, 1, 2, 1, {1025}});
    CHECK(s.chunk_count() == 2);
    image = s.export_snapshot();
  }
  md_store reopened(path);
  REQUIRE(reopened.license());
  CHECK(reopened.license()->text == "second");
  md_store other(":memory:");
  other.install_snapshot(image);
  REQUIRE(other.license());
  CHECK(other.license()->text == "second");
  CHECK(other.chunk_count() == 2);
  CHECK(other.canonical_dump() == reopened.canonical_dump());
  auto r = other.commit_local(make_entry(other.last_index() + 1, 1, cmd_set_license{"", 1}));
  CHECK(r.ok() == false);
  fs::remove_all(dir);
}

TEST_CASE("the license's usage: whole chunks below the file size, the last one up to the end, unsized ones whole") {
  pstorage::persistence::md_store_options o;
  o.chunk_size = 1000;
  md_store s(":memory:", o);
  CHECK(s.data_chunk_bytes() == 0);
  commit(s, cmd_create{root_inode, "f", 2, 0644, 1, {}});
  for (uint64_t i = 0; i < 3; ++i) commit(s, cmd_alloc_chunk{2, i, 10 + i, 1, {1025}});
  CHECK(s.data_chunk_bytes() == 3000);  // size 0: a write in progress counts whole chunks
  commit(s, cmd_set_size{2, 2500, 2});
  CHECK(s.data_chunk_bytes() == 2500);  // 1000 + 1000 + 500
  commit(s, cmd_create{root_inode, "small", 3, 0644, 1, {}});
  commit(s, cmd_alloc_chunk{3, 0, 20, 1, {1025}});
  commit(s, cmd_set_size{3, 10, 3});
  CHECK(s.data_chunk_bytes() == 2510);
  commit(s, cmd_alloc_chunk{2, 7, 21, 1, {1025}});  // past the end (sparse write not sized yet)
  CHECK(s.data_chunk_bytes() == 3510);
}
