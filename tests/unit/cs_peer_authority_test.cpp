// The CS's authorisation decision (actors/cs/peer_authority.hpp) and the
// rate limit of its refusal log lines (actors/cs/refusal_log.hpp).
#include <doctest/doctest.h>

#include <limits>

#include "actors/cs/peer_authority.hpp"
#include "actors/cs/refusal_log.hpp"
#include "protocol/common.capnp.h"

using namespace pstorage::cs;
namespace p = pstorage::proto;

namespace {

sender_facts from(sender_origin o, bool master_known = true) {
  sender_facts s;
  s.origin = o;
  s.node = o == sender_origin::anonymous ? "" : "node-" + std::to_string(static_cast<int>(o));
  s.master_known = master_known;
  if (master_known) s.master_node = "master-node";
  return s;
}

constexpr request_kind orders[] = {request_kind::create_chunk, request_kind::set_version, request_kind::delete_chunk,
                                   request_kind::replicate, request_kind::scrub};
constexpr request_kind client_requests[] = {request_kind::client_write, request_kind::client_read,
                                            request_kind::client_sync, request_kind::ping};

}  // namespace

TEST_CASE("only the master's node and the CS's own process may give master orders") {
  for (auto k : orders) {
    CAPTURE(request_name(k));
    CHECK(is_master_order(k));
    master_epoch e(5);
    auto d = authorize(k, from(sender_origin::master_node), 5, e, 1025);
    CHECK(d.allowed);
    CHECK_FALSE(d.epoch_raised);
    d = authorize(k, from(sender_origin::this_process), 5, e, 1025);
    CHECK(d.allowed);

    d = authorize(k, from(sender_origin::other_node), 5, e, 1025);
    CHECK_FALSE(d.allowed);
    CHECK(d.status == p::STATUS_AUTH_FAILED);
    CHECK(d.reason.find(std::string("CS#1025 refuses ") + request_name(k) + " from node node-3") == 0);
    CHECK(d.reason.find("master-node") != std::string::npos);

    d = authorize(k, from(sender_origin::anonymous), 5, e, 1025);
    CHECK_FALSE(d.allowed);
    CHECK(d.status == p::STATUS_AUTH_FAILED);
    CHECK(d.reason.find("anonymous sender") != std::string::npos);
  }
}

TEST_CASE("an order from another node is refused even while the CS knows no master") {
  master_epoch e;
  auto d = authorize(request_kind::delete_chunk, from(sender_origin::other_node, false), 1, e, 1025);
  CHECK_FALSE(d.allowed);
  CHECK(d.status == p::STATUS_AUTH_FAILED);
  CHECK(d.reason.find("has not located one yet") != std::string::npos);
}

TEST_CASE("a stranger's order cannot raise the epoch the CS remembers") {
  master_epoch e(7);
  const uint64_t huge = std::numeric_limits<uint64_t>::max();
  auto d = authorize(request_kind::delete_chunk, from(sender_origin::other_node), huge, e, 1025);
  CHECK_FALSE(d.allowed);
  CHECK(e.highest() == 7);  // untouched: the real master's next order still passes
  d = authorize(request_kind::delete_chunk, from(sender_origin::master_node), 7, e, 1025);
  CHECK(d.allowed);
}

TEST_CASE("the master's node is still held to the epoch (a deposed master on the same node)") {
  master_epoch e(7);
  auto d = authorize(request_kind::set_version, from(sender_origin::master_node), 6, e, 1025);
  CHECK_FALSE(d.allowed);
  CHECK(d.status == p::STATUS_STALE);
  CHECK(d.reason == e.refusal(1025, 6));
  d = authorize(request_kind::set_version, from(sender_origin::master_node), 8, e, 1025);
  CHECK(d.allowed);
  CHECK(d.epoch_raised);
  CHECK(e.highest() == 8);
  d = authorize(request_kind::set_version, from(sender_origin::this_process), 7, e, 1025);
  CHECK_FALSE(d.allowed);
  CHECK(d.status == p::STATUS_STALE);
}

TEST_CASE("client requests pass from any sender and never touch the epoch") {
  for (auto k : client_requests) {
    CAPTURE(request_name(k));
    CHECK_FALSE(is_master_order(k));
    for (auto o : {sender_origin::anonymous, sender_origin::this_process, sender_origin::master_node,
                   sender_origin::other_node}) {
      master_epoch e(3);
      auto d = authorize(k, from(o), 99, e, 1025);
      CHECK(d.allowed);
      CHECK(e.highest() == 3);
    }
  }
}

TEST_CASE("the CS's own timer messages pass only from its own process") {
  for (auto o : {sender_origin::anonymous, sender_origin::master_node, sender_origin::other_node}) {
    master_epoch e;
    auto d = authorize(request_kind::own_timer, from(o), 0, e, 1025);
    CHECK_FALSE(d.allowed);
    CHECK(d.status == p::STATUS_AUTH_FAILED);
    CHECK(d.reason.find("only the CS itself sends it") != std::string::npos);
  }
  master_epoch e;
  CHECK(authorize(request_kind::own_timer, from(sender_origin::this_process), 0, e, 1025).allowed);
}

TEST_CASE("the start is taken once, from the daemon (anonymous or this process), never from a peer") {
  master_epoch e;
  auto before = [](sender_origin o) {
    auto s = from(o);
    s.started = false;
    return s;
  };
  CHECK(authorize(request_kind::start, before(sender_origin::anonymous), 0, e, 0).allowed);
  CHECK(authorize(request_kind::start, before(sender_origin::this_process), 0, e, 0).allowed);
  auto d = authorize(request_kind::start, before(sender_origin::other_node), 0, e, 0);
  CHECK_FALSE(d.allowed);
  CHECK(d.reason.find("only its daemon starts it") != std::string::npos);
  CHECK_FALSE(authorize(request_kind::start, before(sender_origin::master_node), 0, e, 0).allowed);
  for (auto o : {sender_origin::anonymous, sender_origin::this_process, sender_origin::other_node}) {
    auto s = from(o);
    s.started = true;
    d = authorize(request_kind::start, s, 0, e, 1025);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.find("has started already") != std::string::npos);
  }
}

TEST_CASE("refusals are logged at most `burst` times per window, and the next line counts the rest") {
  refusal_log log(3, 1000);
  CHECK(log.note(0).write);
  CHECK(log.note(1).write);
  CHECK(log.note(2).write);
  for (int i = 0; i < 50; ++i) CHECK_FALSE(log.note(10 + i).write);
  auto v = log.note(999);
  CHECK_FALSE(v.write);
  v = log.note(1000);  // a new window
  CHECK(v.write);
  CHECK(v.left_out == 51);
  v = log.note(1001);
  CHECK(v.write);
  CHECK(v.left_out == 0);
}
