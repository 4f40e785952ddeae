// The journaled HA state (protocol/md_model/md_ha_commands.hpp;
// persistence/md_ha.cpp): the four commands encode and decode, apply with
// their deterministic rejections, survive a reopen and travel in a snapshot
// (a new master or a resynced MDS has every assignment: docs/ha.md
// "Journaled state").
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "persistence/md_store.hpp"
#include "protocol/md_model/md_command.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;
namespace fs = std::filesystem;

namespace {
bool commit(md_store& s, const md_command& c) {
  return s.commit_local(make_entry(s.last_index() + 1, 1, c)).ok();
}
cmd_ha_add_resource web() { return {"web", "start.sh", "stop.sh", "", "a", "", "10.1.2.3/24", "round-robin"}; }
}  // namespace

TEST_CASE("the HA commands encode and decode, any bytes in names and commands included") {
  std::vector<md_command> cs = {
      cmd_ha_add_resource{"r\xff", "sh -c 'x \"y\"'", "stop", "check", "a", "b", "1.2.3.4/32", "backup"},
      cmd_ha_remove_resource{"r"},
      cmd_ha_assign{"r", "b", "a", "b"},
      cmd_ha_set_node{"n1", false, true, 7},
  };
  const char* names[] = {"ha_add_resource", "ha_remove_resource", "ha_assign", "ha_set_node"};
  for (size_t i = 0; i < cs.size(); ++i) {
    CHECK(std::string(command_name(cs[i])) == names[i]);
    CHECK(decode_command(encode_command(cs[i])) == cs[i]);
    CHECK(durable_at_once(cs[i]));
  }
}

TEST_CASE("resources: added once, assigned with a stop to confirm, removed; bad input rejected") {
  md_store s(":memory:");
  CHECK(s.ha_resources().empty());
  CHECK(s.ha_cursor().empty());
  REQUIRE(commit(s, web()));
  CHECK_FALSE(commit(s, web()));  // the name exists
  auto bad = web();
  bad.name = "x";
  bad.stop_cmd = "";
  CHECK_FALSE(commit(s, bad));
  bad = web();
  bad.name = "y";
  bad.policy = "random";
  CHECK_FALSE(commit(s, bad));
  CHECK_FALSE(commit(s, cmd_ha_assign{"nope", "a", "", ""}));
  CHECK_FALSE(commit(s, cmd_ha_assign{"web", "a", "a", ""}));  // stop and start on one node
  REQUIRE(s.ha_resources().size() == 1);
  CHECK(s.ha_resources()[0].node.empty());

  REQUIRE(commit(s, cmd_ha_assign{"web", "a", "", "a"}));
  CHECK(s.ha_resources()[0].node == "a");
  CHECK(s.ha_cursor() == "a");
  REQUIRE(commit(s, cmd_ha_assign{"web", "b", "a", ""}));  // planned move: a stops first
  auto r = s.ha_resources()[0];
  CHECK(r.node == "b");
  CHECK(r.from == "a");
  CHECK(s.ha_cursor() == "a");  // an empty cursor keeps the stored one
  CHECK(r.def == web());
  REQUIRE(commit(s, cmd_ha_assign{"web", "b", "", ""}));  // a confirmed the stop
  CHECK(s.ha_resources()[0].from.empty());

  REQUIRE(commit(s, cmd_ha_remove_resource{"web"}));
  CHECK(s.ha_resources().empty());
  CHECK_FALSE(commit(s, cmd_ha_remove_resource{"web"}));
}

TEST_CASE("nodes: created, enabled/disabled, parked, limit") {
  md_store s(":memory:");
  REQUIRE(commit(s, cmd_ha_set_node{"b", true, false, 0}));
  REQUIRE(commit(s, cmd_ha_set_node{"a", true, false, 3}));
  REQUIRE(commit(s, cmd_ha_set_node{"b", false, true, 2}));
  CHECK_FALSE(commit(s, cmd_ha_set_node{"", true, false, 0}));
  auto n = s.ha_nodes();
  REQUIRE(n.size() == 2);
  CHECK(n[0] == cmd_ha_set_node{"a", true, false, 3});
  CHECK(n[1] == cmd_ha_set_node{"b", false, true, 2});
}

TEST_CASE("the HA state survives a reopen and travels in a snapshot") {
  auto dir = fs::temp_directory_path() / ("pstorage_md_ha_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto path = (dir / "md.db").string();
  std::vector<uint8_t> image;
  {
    md_store s(path);
    REQUIRE(commit(s, web()));
    REQUIRE(commit(s, cmd_ha_set_node{"a", true, false, 0}));
    REQUIRE(commit(s, cmd_ha_assign{"web", "b", "a", "b"}));
    image = s.export_snapshot();
  }
  md_store reopened(path);
  REQUIRE(reopened.ha_resources().size() == 1);
  CHECK(reopened.ha_resources()[0].from == "a");
  CHECK(reopened.ha_cursor() == "b");
  md_store other(":memory:");
  other.install_snapshot(image);
  CHECK(other.canonical_dump() == reopened.canonical_dump());
  CHECK(other.canonical_dump().find("ha_resource 'web'") != std::string::npos);
  CHECK(other.canonical_dump().find("ha_cursor 'b'") != std::string::npos);
  fs::remove_all(dir);
}
