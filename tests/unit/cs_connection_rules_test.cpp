// pstorage-csd's connection guard rules (frontends/csd/connection_rules.hpp):
// a connection that does not deliver one BASP header within the deadline is
// closed with a reason; one that did is never judged again.
#include <doctest/doctest.h>

#include "frontends/csd/connection_rules.hpp"

using namespace pstorage::csd;
constexpr int64_t s = 1'000'000'000;

TEST_CASE("a silent connection is closed once the deadline passed, with its peer and byte count") {
  connection_rules r(32, 5 * s);
  std::vector<open_connection> open{{11, "127.0.0.1:40000", 0}};
  CHECK(r.scan(open, 0).empty());
  CHECK(r.scan(open, 4 * s).empty());
  auto c = r.scan(open, 5 * s);
  REQUIRE(c.size() == 1);
  CHECK(c[0].id == 11);
  CHECK(c[0].reason ==
        "closing connection from 127.0.0.1:40000: no complete message header within 5 s (0 bytes received)");
}

TEST_CASE("a slow writer that has not completed a header by the deadline is closed too") {
  connection_rules r(32, 5 * s);
  CHECK(r.scan({{7, "p", 5}}, 0).empty());
  CHECK(r.scan({{7, "p", 20}}, 3 * s).empty());
  auto c = r.scan({{7, "p", 31}}, 5 * s);
  REQUIRE(c.size() == 1);
  CHECK(c[0].reason.find("(31 bytes received)") != std::string::npos);
}

TEST_CASE("a connection that spoke in time stays, however long it is idle afterwards") {
  connection_rules r(32, 5 * s);
  CHECK(r.scan({{3, "p", 0}}, 0).empty());
  CHECK(r.scan({{3, "p", 96}}, 1 * s).empty());
  CHECK(r.scan({{3, "p", 96}}, 3600 * s).empty());
}

TEST_CASE("closed or vanished sockets are forgotten; a new socket with a reused id starts afresh") {
  connection_rules r(32, 5 * s);
  CHECK(r.scan({{5, "p", 0}}, 0).empty());
  CHECK(r.scan({}, 1 * s).empty());           // gone
  CHECK(r.scan({{5, "q", 0}}, 4 * s).empty());  // same inode, a new connection: its own deadline
  CHECK(r.scan({{5, "q", 0}}, 8 * s).empty());
  CHECK(r.scan({{5, "q", 0}}, 9 * s).size() == 1);
  CHECK(r.scan({{5, "q", 0}}, 10 * s).empty());  // ordered closed: judged afresh if it lingers
}

TEST_CASE("the defaults: one 32-byte header within 10 s") {
  connection_rules r;
  CHECK(r.scan({{1, "p", 31}}, 0).empty());
  CHECK(r.scan({{1, "p", 31}}, 9 * s).empty());
  CHECK(r.scan({{1, "p", 31}}, 10 * s).size() == 1);
  connection_rules ok;
  CHECK(ok.scan({{2, "p", 32}}, 0).empty());
  CHECK(ok.scan({{2, "p", 32}}, 60 * s).empty());
}
