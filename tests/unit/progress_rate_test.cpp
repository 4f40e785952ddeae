// Rates and ETA of long work from samples of what is left
// (frontends/common/progress_rate.hpp): rm-cs --wait, top's replication.
#include <doctest/doctest.h>

#include "frontends/common/progress_rate.hpp"

using namespace pstorage::frontend;

TEST_CASE("the rate is what went down over the window, the ETA what is left at that rate") {
  progress_rate p;
  CHECK_FALSE(p.per_second());
  p.observe(0, 100);
  CHECK_FALSE(p.per_second());  // one sample: no rate
  p.observe(0.5, 95);
  CHECK_FALSE(p.per_second());  // under a second apart
  p.observe(2, 90);
  REQUIRE(p.per_second());
  CHECK(*p.per_second() == doctest::Approx(5));
  CHECK(*p.eta_s() == doctest::Approx(18));
  CHECK(eta_text(p.eta_s()) == "ETA 18s");
  CHECK(chunk_rate_text(p.per_second()) == "5.0 chunks/s");
}

TEST_CASE("only the last 20 s count: a stall shows as no rate, never a negative one") {
  progress_rate p;
  for (int t = 0; t <= 10; ++t) p.observe(t, 1000 - 10 * t);  // 10 chunks/s
  CHECK(*p.per_second() == doctest::Approx(10));
  for (int t = 11; t <= 40; ++t) p.observe(t, 900);  // stalled for 30 s
  CHECK_FALSE(p.per_second());
  CHECK_FALSE(p.eta_s());
  CHECK(eta_text(p.eta_s()) == "ETA -");
  CHECK(chunk_rate_text(p.per_second()).empty());
  p.observe(41, 1200);  // more work queued: left grew
  CHECK_FALSE(p.per_second());
  for (int t = 42; t <= 70; ++t) p.observe(t, 1200 - 2 * (t - 41));
  CHECK(*p.per_second() == doctest::Approx(2));  // the window forgot the growth
  CHECK(eta_text(p.eta_s()) == "ETA 9m 31s");      // 1142 / 2 = 571 s
}

TEST_CASE("done ends the episode: the next work starts a fresh rate") {
  progress_rate p;
  p.observe(0, 10);
  p.observe(1, 0);
  CHECK(p.left() == 0);
  CHECK_FALSE(p.per_second());
  p.observe(2, 50);
  p.observe(3, 49);
  CHECK(*p.per_second() == doctest::Approx(1));  // not (10 - 49) / 3
}

TEST_CASE("a counter's rate over the window; a counter that went back (a new master) starts again") {
  counter_rate c;
  c.observe(0, 0);
  CHECK_FALSE(c.per_second());
  c.observe(4, 4 << 20);
  CHECK(*c.per_second() == doctest::Approx(1 << 20));
  c.observe(5, 1000);  // restarted
  CHECK_FALSE(c.per_second());
  c.observe(7, 3000);
  CHECK(*c.per_second() == doctest::Approx(1000));
  // A sample far after the previous one still gives a rate (over the whole gap).
  c.observe(100, 96000);
  CHECK(*c.per_second() == doctest::Approx(1000));
}
