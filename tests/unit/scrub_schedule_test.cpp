// The scrubbing scheduler (guide: "Configuring Data Scrubbing") and the
// timing decorator behind flags T / H (guide: "Failed Chunk Servers").
#include <doctest/doctest.h>

#include <map>

#include "actors/cs/scrub_schedule.hpp"
#include "actors/cs/timed_storage.hpp"
#include "persistence/memory_chunk_storage.hpp"

using namespace pstorage;
using namespace std::chrono_literals;
using cs::scrub_chunk;
using cs::scrub_schedule;

namespace {
std::vector<uint64_t> order(scrub_schedule& s, const std::vector<scrub_chunk>& chunks, int n) {
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) {
    auto c = s.pick(chunks);
    if (!c) break;
    out.push_back(c->id);
    s.done(c->id);
  }
  return out;
}
}  // namespace

TEST_CASE("default rate is two chunks per minute, 30 s apart") {
  scrub_schedule s;
  CHECK(s.rate() == 2);
  CHECK(s.enabled());
  CHECK(s.interval() == 30s);
  s.set_rate(3);
  CHECK(s.interval() == 20s);
  s.set_rate(6000);
  CHECK(s.interval() == 10ms);
  s.set_rate(0);
  CHECK_FALSE(s.enabled());
  CHECK(s.interval() == 0ns);
}

TEST_CASE("round-robin by id whatever the list order") {
  scrub_schedule s;
  std::vector<scrub_chunk> chunks{{30, 1}, {10, 5}, {20, 2}};
  CHECK(order(s, chunks, 7) == std::vector<uint64_t>{10, 20, 30, 10, 20, 30, 10});
  CHECK(s.verified() == 7);
  CHECK(s.rounds() == 2);
  auto c = s.pick(chunks);
  REQUIRE(c);
  CHECK(*c == scrub_chunk{20, 2});  // carries the version
}

TEST_CASE("pick does not move the cursor; done does") {
  scrub_schedule s;
  std::vector<scrub_chunk> chunks{{1, 1}, {2, 1}};
  CHECK(s.pick(chunks)->id == 1);
  CHECK(s.pick(chunks)->id == 1);
  s.done(1);
  CHECK(s.pick(chunks)->id == 2);
  CHECK(s.cursor() == 1u);
}

TEST_CASE("the round resumes where it was when the list changes") {
  scrub_schedule s;
  std::vector<scrub_chunk> chunks{{10, 1}, {20, 1}, {30, 1}, {40, 1}};
  CHECK(order(s, chunks, 2) == std::vector<uint64_t>{10, 20});
  // 20 deleted, 25 created, 5 created (before the cursor: next round).
  chunks = {{5, 1}, {10, 1}, {25, 1}, {30, 1}, {40, 1}};
  CHECK(order(s, chunks, 5) == std::vector<uint64_t>{25, 30, 40, 5, 10});
  // The cursor's own chunk removed: continue after its id.
  chunks = {{5, 1}, {25, 1}, {40, 1}};
  CHECK(order(s, chunks, 2) == std::vector<uint64_t>{25, 40});
}

TEST_CASE("fair: every chunk present for a round is verified exactly once in it") {
  scrub_schedule s;
  std::vector<scrub_chunk> chunks;
  for (uint64_t i = 0; i < 50; ++i) chunks.push_back({(i * 7919) % 101, 1});  // scrambled order
  std::map<uint64_t, int> seen;
  for (auto id : order(s, chunks, 50)) ++seen[id];
  CHECK(seen.size() == 50);
  for (auto& [id, n] : seen) CHECK(n == 1);
}

TEST_CASE("nothing to pick when off or empty") {
  scrub_schedule s;
  CHECK_FALSE(s.pick({}));
  s.set_rate(0);
  CHECK_FALSE(s.pick({{1, 1}}));
  CHECK_FALSE(s.start(scrub_schedule::time_point{}));
  CHECK_FALSE(s.after_tick(scrub_schedule::time_point{}));
}

TEST_CASE("ticks stay on a grid; falling behind restarts it; a rate change restarts it") {
  scrub_schedule s(6);  // 10 s
  scrub_schedule::time_point t0{};
  CHECK(s.start(t0) == 10s);
  // The tick ran 1 s late and verifying took 2 s: next one still at t0 + 20 s.
  CHECK(s.after_tick(t0 + 13s) == 7s);
  // Way behind (tick at t0 + 45 s): no burst, next one a full interval later.
  CHECK(s.after_tick(t0 + 45s) == 10s);
  CHECK(s.after_tick(t0 + 55s) == 10s);
  CHECK(s.set_rate(60));
  CHECK_FALSE(s.set_rate(60));
  CHECK(s.start(t0 + 57s) == 1s);
}

TEST_CASE("timed_storage passes results through and reports durations and statuses") {
  auto mem = std::make_shared<persistence::memory_chunk_storage>();
  scrub_schedule::time_point now{};
  struct call {
    std::string op;
    std::chrono::nanoseconds took;
    persistence::storage_errc code;
  };
  std::vector<call> calls;
  cs::storage_observer obs;
  obs.now = [&] { return now; };
  obs.on_call = [&](const char* op, std::chrono::nanoseconds took, const persistence::storage_status& st) {
    calls.push_back({op, took, st.code});
  };
  cs::timed_storage t(mem, obs);
  CHECK(t.create(1, 1));
  CHECK(t.read(2, 1, 0, 1).status.code == persistence::storage_errc::not_found);
  mem->fail_next(1, persistence::storage_errc::io_error);
  CHECK(t.sync(1).code == persistence::storage_errc::io_error);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].op == "create");
  CHECK(calls[1].code == persistence::storage_errc::not_found);
  CHECK(calls[2].op == "sync");
  CHECK(calls[2].code == persistence::storage_errc::io_error);
  // A slow call: the clock moves while it runs.
  obs.now = [&] {
    auto r = now;
    now += 6s;
    return r;
  };
  cs::timed_storage slow(mem, obs);
  calls.clear();
  auto v = slow.verify(1);
  CHECK(v);
  CHECK(v.value.empty());
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].op == "verify");
  CHECK(calls[0].took == 6s);
}
