#include <doctest/doctest.h>

#include "actors/common/mds_locator_policy.hpp"

using namespace pstorage;
using namespace pstorage::mds_locate;

namespace {
endpoint ep(const std::string& s) { return *parse_endpoint(s); }
}  // namespace

TEST_CASE("an MDS address names the MDS<->MDS port; its MDS actor is on PORT+1") {
  CHECK(service_endpoint(ep("10.0.0.1:4110")) == ep("10.0.0.1:4111"));
  CHECK(service_endpoint(ep("10.0.0.1")) == ep("10.0.0.1:2511"));
  CHECK(mds_address(ep("10.0.0.1")) == ep("10.0.0.1:2510"));
  CHECK(parse_master_address("") == std::nullopt);
  CHECK(parse_master_address("[::1]") == ep("[::1]:2510"));
  CHECK(parse_master_address("a:b") == std::nullopt);
}

TEST_CASE("a round tries every listed MDS once, in order, without duplicates") {
  master_search s({ep("h1:2510"), ep("h2"), ep("h1")});
  CHECK(s.next() == ep("h1:2510"));
  CHECK(s.next() == ep("h2:2510"));
  CHECK(s.next() == std::nullopt);
  s.next_round();
  CHECK(s.round() == 1);
  CHECK(s.next() == ep("h1:2510"));
}

TEST_CASE("a follower's NOT_MASTER answer sends the search to the master next") {
  master_search s({ep("h1:2510"), ep("h2:2510"), ep("h3:2510")});
  auto a = s.next();
  s.on_not_master(*a, "h3:2510");
  CHECK(s.next() == ep("h3:2510"));
  CHECK(s.next() == ep("h2:2510"));  // the rest of the round
  CHECK(s.next() == std::nullopt);
}

TEST_CASE("a master named but already tried in this round goes first in the next round") {
  master_search s({ep("h1:2510"), ep("h2:2510")});
  s.on_failure(*s.next(), "connection refused");  // h1
  s.on_not_master(*s.next(), "h1:2510");           // h2 names h1, tried already
  CHECK(s.next() == std::nullopt);
  s.next_round();
  CHECK(s.next() == ep("h1:2510"));
  CHECK(s.next() == ep("h2:2510"));
  CHECK(s.next() == std::nullopt);
}

TEST_CASE("an empty masterAddress (no master elected yet) just moves on") {
  master_search s({ep("h1:2510"), ep("h2:2510")});
  s.on_not_master(*s.next(), "");
  CHECK(s.next() == ep("h2:2510"));
  CHECK(s.report().find("knows no master yet") != std::string::npos);
}

TEST_CASE("prefer puts a known master first; a master outside bs.list is tried too") {
  master_search s({ep("h1:2510")});
  s.prefer("h9:4110");
  CHECK(s.next() == ep("h9:4110"));
  CHECK(s.next() == ep("h1:2510"));
}

TEST_CASE("the report names every MDS tried with its latest reason and actor port") {
  master_search s({ep("h1:4110"), ep("h2:2510")});
  s.on_failure(*s.next(), "refused");
  s.on_failure(*s.next(), "timeout");
  s.next_round();
  s.on_failure(*s.next(), "refused again");
  auto r = s.report();
  CHECK(r.find("h1:4110 (MDS actor on port 4111): refused again") != std::string::npos);
  CHECK(r.find("h2:2510 (MDS actor on port 2511): timeout") != std::string::npos);
  CHECK(r.find("refused\n") == std::string::npos);
}

TEST_CASE("rounds back off from 100 ms to 1 s") {
  CHECK(round_backoff(0) == std::chrono::milliseconds(100));
  CHECK(round_backoff(3) == std::chrono::milliseconds(800));
  CHECK(round_backoff(50) == std::chrono::milliseconds(1000));
}

TEST_CASE("candidates: the configured MDSs in order, then the learned ones not among them") {
  std::vector<endpoint> conf{{"10.0.0.1", 2510}, {"10.0.0.2", 2510}};
  std::vector<endpoint> learned{{"10.0.0.2", 2510}, {"10.0.0.3", 2510}, {"10.0.0.1", 2520}};
  auto c = candidates(conf, learned);
  REQUIRE(c.size() == 4);
  CHECK(c[0] == endpoint{"10.0.0.1", 2510});
  CHECK(c[1] == endpoint{"10.0.0.2", 2510});
  CHECK(c[2] == endpoint{"10.0.0.3", 2510});
  CHECK(c[3] == endpoint{"10.0.0.1", 2520});
  CHECK(candidates({}, learned).size() == 3);
  CHECK(candidates(conf, {}) == conf);
}
