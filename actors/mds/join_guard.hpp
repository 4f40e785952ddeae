// join_guard.hpp — what the master remembers about `auth-node` attempts
// (issue 14: "auth-node is rate-limited per peer and logs failures as
// events"). Pure: the MDS actor passes the time and the random challenge.
//
// Rules (docs/security.md "auth-node"):
// - a challenge is for one peer (its address, as the HTTP gateway saw it),
//   single use, and expires `challenge_ttl` after it was issued; at most
//   `max_challenges` are outstanding (the oldest is dropped for a new one);
// - a peer with `max_failures` failed attempts (wrong proof, unknown or
//   expired challenge) within `failure_window` is refused until the oldest
//   of them leaves the window, without a challenge being spent; the refusal
//   says how long to wait.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace pstorage::mds {

class join_guard {
 public:
  struct limits {
    int64_t challenge_ttl_ns = 60'000'000'000;
    size_t max_challenges = 1024;
    size_t max_failures = 5;
    int64_t failure_window_ns = 60'000'000'000;
  };
  join_guard() = default;
  explicit join_guard(limits l) : limits_(l) {}

  // nullopt: the peer may try; else the refusal text ("too many failed
  // auth-node attempts from PEER: N within 60 s; try again in S s").
  std::optional<std::string> refusal(const std::string& peer, int64_t now_ns);
  // Remembers `challenge` as issued to `peer` now.
  void issue(const std::string& peer, const std::string& challenge, int64_t now_ns);
  // Spends the challenge: true when it was issued to this peer and has not
  // expired; false otherwise (then the caller counts a failure).
  bool take(const std::string& peer, const std::string& challenge, int64_t now_ns);
  void failed(const std::string& peer, int64_t now_ns);
  size_t outstanding() const { return challenges_.size(); }

 private:
  struct issued {
    std::string peer;
    int64_t at = 0;
  };
  void forget_old(const std::string& peer, int64_t now_ns);
  limits limits_;
  std::map<std::string, issued> challenges_;  // by challenge bytes
  std::deque<std::string> order_;             // challenges, oldest first
  std::map<std::string, std::deque<int64_t>> failures_;  // by peer
};

}  // namespace pstorage::mds
