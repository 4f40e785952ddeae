// The per-address limit of failed TLS handshakes
// (actors/common/handshake_limit.hpp; docs/security.md "Failed handshakes
// from one address").
#include <doctest/doctest.h>

#include "actors/common/handshake_limit.hpp"

using namespace pstorage::security;
using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;

TEST_CASE("N failures within the window refuse the address for refuse_for; others are not touched") {
  handshake_limit l({3, 10s, 60s, 100});
  CHECK_FALSE(l.failed("10.0.0.9", ns(1s), "no certificate"));
  CHECK_FALSE(l.failed("10.0.0.9", ns(2s), "no certificate"));
  CHECK_FALSE(l.refuse("10.0.0.9", ns(2s)));
  auto line = l.failed("10.0.0.9", ns(3s), "peer did not return a certificate");
  REQUIRE(line);
  CHECK(line->find("10.0.0.9") != std::string::npos);
  CHECK(line->find("3 failed handshakes within 10 s") != std::string::npos);
  CHECK(line->find("peer did not return a certificate") != std::string::npos);
  std::string log;
  CHECK(l.refuse("10.0.0.9", ns(4s), &log));
  CHECK(log.find("refusing a TLS connection from 10.0.0.9") != std::string::npos);
  log.clear();
  CHECK(l.refuse("10.0.0.9", ns(5s), &log));
  CHECK(log.empty());  // logged once per refusal period
  CHECK_FALSE(l.refuse("10.0.0.8", ns(5s)));
  CHECK(l.refuse("10.0.0.9", ns(62s)));
  CHECK_FALSE(l.refuse("10.0.0.9", ns(63s)));  // 60 s after the last failure
}

TEST_CASE("failures spread wider than the window never refuse") {
  handshake_limit l({3, 10s, 60s, 100});
  for (int i = 0; i < 20; ++i) CHECK_FALSE(l.failed("a", ns(std::chrono::seconds(6 * i)), "x"));
  CHECK_FALSE(l.refuse("a", ns(200s)));
}

TEST_CASE("a new refusal period logs again; the tracked addresses stay bounded") {
  handshake_limit l({2, 10s, 5s, 4});
  l.failed("a", ns(1s), "x");
  CHECK(l.failed("a", ns(1s), "x"));
  std::string log;
  CHECK(l.refuse("a", ns(2s), &log));
  CHECK_FALSE(log.empty());
  CHECK_FALSE(l.refuse("a", ns(7s)));
  l.failed("a", ns(8s), "x");
  CHECK(l.failed("a", ns(8s), "x"));
  log.clear();
  CHECK(l.refuse("a", ns(9s), &log));
  CHECK_FALSE(log.empty());
  for (int i = 0; i < 100; ++i) l.failed("s" + std::to_string(i), ns(10s), "x");
  CHECK(l.tracked() <= 4);
  CHECK(l.refuse("a", ns(10s)));  // a refused address is evicted last
}
