// The journaled CS registry (md_command.hpp cmd_register_cs / cmd_drop_cs,
// persistence/md_store.hpp md_css): ids never reused, a repository copy
// refused, a dropped CS stays dropped, deterministic encoding.
#include <doctest/doctest.h>

#include <cerrno>

#include "protocol/md_model/md_command.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;

namespace {
pstorage::persistence::apply_result run(md_store& s, const md_command& c) {
  return s.commit_local(make_entry(s.last_index() + 1, 1, c));
}
cmd_register_cs cs(uint32_t id, const std::string& uuid, const std::string& address = "127.0.0.1:4000") {
  return cmd_register_cs{id, uuid, "host-a", "hid-a", address, "r1.row2.rack3", 1, true, 8080};
}
}  // namespace

TEST_CASE("register_cs and drop_cs encode deterministically and decode back") {
  md_command a = cs(1025, "u-1");
  CHECK(decode_command(encode_command(a)) == a);
  CHECK(encode_command(a) == encode_command(md_command(cs(1025, "u-1"))));
  md_command d = cmd_drop_cs{1026};
  CHECK(decode_command(encode_command(d)) == d);
  CHECK(std::string(command_name(d)) == "drop_cs");
  CHECK(durable_at_once(a));
}

TEST_CASE("the CS registry: new ids above every id given, updates by the same repository") {
  md_store s(":memory:");
  CHECK(run(s, cs(1025, "u-1")).ok());
  CHECK(run(s, cs(1026, "u-2")).ok());
  // the same CS with a new address: an update
  CHECK(run(s, cs(1025, "u-1", "127.0.0.1:5000")).ok());
  auto list = s.css();
  REQUIRE(list.size() == 2);
  CHECK(list[0].address == "127.0.0.1:5000");
  CHECK(list[0].location == "r1.row2.rack3");
  CHECK(list[0].tier == 1);
  CHECK(list[0].http_port == 8080);
  // a copy of repository u-1 under another uuid, an id reused or below 1025
  auto copy = run(s, cs(1025, "u-other"));
  REQUIRE(copy.rejected);
  CHECK(copy.rejected->code == EEXIST);
  CHECK(run(s, cs(1024, "u-3")).rejected);
  CHECK(s.css().size() == 2);
  // dropped: stays, its id refused
  CHECK(run(s, cmd_drop_cs{1026}).ok());
  CHECK(s.css()[1].dropped);
  CHECK(run(s, cs(1026, "u-2")).rejected->code == ENOENT);
  CHECK(run(s, cmd_drop_cs{1999}).rejected->code == ENOENT);
  CHECK(run(s, cs(1027, "u-4")).ok());
  CHECK(s.canonical_dump().find("cs 1026 u-2") != std::string::npos);
}
