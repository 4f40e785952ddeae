// update-license's KA server (frontends/cli/ka_server_setting.hpp;
// docs/licensing.md "update-license and the KA server"): --server, then
// $PSTORAGE_KA_SERVER, then the host setting CONFIG/ka_server, then the
// build default; none: a message naming all of them.
#include <doctest/doctest.h>

#include "frontends/cli/ka_server_setting.hpp"

using namespace pstorage::cli;

TEST_CASE("the KA server: flag, environment, host setting, build default, in that order") {
  const std::string file = "/etc/pstorage/ka_server";
  auto c = choose_ka_server("a:1", "b:2", std::string("c:3"), file, "d:4");
  REQUIRE(c);
  CHECK(c->server == "a:1");
  CHECK(c->origin == "--server");
  c = choose_ka_server("", "b:2", std::string("c:3"), file, "d:4");
  CHECK(c->server == "b:2");
  CHECK(c->origin == "$PSTORAGE_KA_SERVER");
  c = choose_ka_server("", " ", std::string(" c:3 "), file, "d:4");
  CHECK(c->server == "c:3");
  CHECK(c->origin == file);
  c = choose_ka_server("", nullptr, std::nullopt, file, "d:4");
  CHECK(c->server == "d:4");
  CHECK(c->origin == "the build default");
  CHECK_FALSE(choose_ka_server("", nullptr, std::nullopt, file, ""));
  CHECK_FALSE(choose_ka_server(" ", "", std::string(""), file, " "));
  const auto m = no_ka_server_message(file);
  CHECK(m.find("--server") != std::string::npos);
  CHECK(m.find("PSTORAGE_KA_SERVER") != std::string::npos);
  CHECK(m.find(file) != std::string::npos);
}
