// The replicated event log (protocol/md_model cmd_event, md_store events):
// the codec keeps every field, applied events come back oldest first with
// after_id / limit like get-event asks, and two stores that apply the same
// entries agree (canonical_dump includes the events).
#include <doctest/doctest.h>

#include "persistence/md_store.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;

namespace {
void apply_event(md_store& st, const cmd_event& e) {
  auto r = st.commit_local(make_entry(st.last_index() + 1, e.epoch, e));
  REQUIRE(r.ok());
}
}  // namespace

TEST_CASE("an event command keeps every field through the journal codec") {
  cmd_event e{1234, "err", "JRN", "MDS#2 (127.0.0.1:2520) state is outdated and will do a full resync", 7};
  auto data = encode_command(e);
  CHECK(decode_command(data) == md_command(e));
  CHECK_FALSE(durable_at_once(e));
}

TEST_CASE("applied events are listed oldest first, after an id, the newest `limit` of them") {
  md_store a(":memory:"), b(":memory:");
  for (int i = 1; i <= 5; ++i) {
    cmd_event e{1000 + i, "info", "MDS", "event " + std::to_string(i), uint64_t(i < 3 ? 1 : 2)};
    apply_event(a, e);
    apply_event(b, e);
  }
  auto all = a.events(0, 100);
  REQUIRE(all.size() == 5);
  CHECK(all.front().text == "event 1");
  CHECK(all.back().text == "event 5");
  CHECK(all.back().epoch == 2);
  CHECK(all.back().time == 1005);
  auto after = a.events(all[1].id, 100);
  REQUIRE(after.size() == 3);
  CHECK(after.front().text == "event 3");
  auto newest = a.events(0, 2);
  REQUIRE(newest.size() == 2);
  CHECK(newest[0].text == "event 4");
  CHECK(newest[1].text == "event 5");
  CHECK(a.canonical_dump() == b.canonical_dump());
}
