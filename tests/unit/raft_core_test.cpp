// Unit cases of the Raft core that are not transcripts (actors/election/raft_core.hpp):
// the membership encoding, bootstrap, restart state, the ready contract.
#include <doctest/doctest.h>

#include <stdexcept>

#include "actors/election/raft_core.hpp"

using namespace pstorage::election;

namespace {
membership three() { return membership{{{1, "a:1"}, {2, "b:2"}, {3, "c:3"}}}; }
}  // namespace

TEST_CASE("membership encoding is deterministic and strict") {
  auto m = three();
  auto bytes = encode_membership(m);
  CHECK(bytes == encode_membership(m));
  auto back = decode_membership(bytes);
  REQUIRE(back);
  CHECK(*back == m);
  CHECK(decode_membership(std::vector<uint8_t>{}) == std::nullopt);
  auto truncated = bytes;
  truncated.pop_back();
  CHECK(decode_membership(truncated) == std::nullopt);
  auto trailing = bytes;
  trailing.push_back(0);
  CHECK(decode_membership(trailing) == std::nullopt);
  membership unsorted{{{2, "b"}, {1, "a"}}};
  CHECK(decode_membership(encode_membership(unsorted)) == std::nullopt);
  CHECK(unsorted.normalize());
  CHECK(unsorted.ids() == std::vector<node_id>{1, 2});
  membership dup{{{1, "a"}, {1, "b"}}};
  CHECK_FALSE(dup.normalize());
  CHECK(three().quorum() == 2);
}

TEST_CASE("bootstrap: one committed config entry, emitted once") {
  auto p = raft_core::bootstrap(three());
  CHECK(p.hs == hard_state{1, 0, 1});
  REQUIRE(p.entries.size() == 1);
  CHECK(p.entries[0].index == 1);
  CHECK(p.entries[0].term == 1);
  CHECK(p.entries[0].kind == entry_kind::config);
  raft_core c(config{.id = 2}, p);
  CHECK(c.members() == three());
  CHECK(c.get_role() == role::follower);
  REQUIRE(c.has_ready());
  auto r = c.take_ready();
  CHECK_FALSE(r.hs);  // nothing new to persist
  CHECK(r.entries.empty());
  REQUIRE(r.committed.size() == 1);
  CHECK_FALSE(c.has_ready());
}

TEST_CASE("restart keeps term, vote, commit and re-emits above applied") {
  auto p = raft_core::bootstrap(three());
  p.entries.push_back(entry{2, 2, entry_kind::noop, {}});
  p.entries.push_back(entry{3, 2, entry_kind::command, {'x'}});
  p.entries.push_back(entry{4, 2, entry_kind::command, {'y'}});
  p.hs = hard_state{2, 1, 3};
  p.applied = 2;
  raft_core c(config{.id = 3}, p);
  CHECK(c.term() == 2);
  CHECK(c.vote() == 1);
  CHECK(c.commit_index() == 3);
  CHECK(c.last_index() == 4);
  auto r = c.take_ready();
  REQUIRE(r.committed.size() == 1);
  CHECK(r.committed[0].index == 3);
  CHECK_FALSE(r.hs);
}

TEST_CASE("non-contiguous persisted entries are refused") {
  auto p = raft_core::bootstrap(three());
  p.entries.push_back(entry{3, 1, entry_kind::noop, {}});
  CHECK_THROWS_AS(raft_core(config{.id = 1}, p), std::invalid_argument);
}

TEST_CASE("a vote is in the same ready as its answer, hard state first") {
  raft_core c(config{.id = 2, .pre_vote = false}, raft_core::bootstrap(three()));
  c.take_ready();
  message m;
  m.type = msg_type::vote;
  m.from = 1;
  m.to = 2;
  m.term = 2;
  m.log_index = 1;
  m.log_term = 1;
  c.step(m);
  auto r = c.take_ready();
  REQUIRE(r.hs);
  CHECK(*r.hs == hard_state{2, 1, 1});
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].type == msg_type::vote_resp);
  CHECK_FALSE(r.messages[0].reject);
  // messages for someone else are ignored
  m.to = 3;
  m.term = 9;
  c.step(m);
  CHECK_FALSE(c.has_ready());
  CHECK(c.term() == 2);
}

TEST_CASE("election timeouts are drawn from e to 2e-1 ticks and depend on the seed") {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    raft_core c(config{.id = 1, .election_ticks = 10, .seed = seed}, raft_core::bootstrap(membership{{{1, "a"}}}));
    int ticks = 0;
    while (c.get_role() != role::leader && ticks < 100) {
      c.tick();
      ++ticks;
    }
    CHECK(ticks >= 10);
    CHECK(ticks < 20);
  }
}
