// mds_locator_policy.hpp — which MDS to try next when looking for the master
// (docs/ports.md, docs/election.md). Pure: no CAF, no sockets, no clocks; the
// CLI (mds_client), the mount (session) and the CS's locator carry it out.
//
// Addresses. An MDS address ADDR:PORT (bs.list, masterAddress, mds.db) names
// the MDS<->MDS port PORT (default 2510, guide "Parallels Cloud Storage
// Ports"); the MDS actor that clients, CSs and the CLI talk to listens on
// PORT+1 (service_endpoint).
//
// One search = rounds over the candidates: a round tries every bs.list
// address once, in order; a follower's NOT_MASTER answer naming the master
// puts that address first (if it was not tried yet in this round). When a
// round is exhausted the caller backs off (round_backoff) and starts the next
// round, within its own deadline; report() names every MDS tried and why.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "protocol/endpoint.hpp"

namespace pstorage::mds_locate {

inline constexpr uint16_t default_mds_port = 2510;  // persistence::default_mds_port

// The MDS address with its port filled in (0 -> 2510).
endpoint mds_address(endpoint e);

// Where the MDS actor of MDS address `e` listens: PORT+1.
endpoint service_endpoint(const endpoint& e);

// Status.masterAddress -> the master's MDS address; nullopt when empty or bad.
std::optional<endpoint> parse_master_address(const std::string& s);

// The MDSs a search tries: the configured ones (bs.list or DNS) in their
// order, then those the master listed (Watch / heartbeat answers) that are
// not among them.
std::vector<endpoint> candidates(const std::vector<endpoint>& configured, const std::vector<endpoint>& learned);

// Backoff between rounds: 100, 200, 400, 800 ms, then 1 s.
std::chrono::milliseconds round_backoff(unsigned round);

class master_search {
 public:
  explicit master_search(std::vector<endpoint> listed);

  // The next MDS address to try in this round (port filled in), or nullopt
  // when every candidate was tried in this round: back off, then
  // next_round().
  std::optional<endpoint> next();
  void next_round();
  unsigned round() const { return round_; }

  // What the MDS at `tried` (as returned by next()) answered.
  // NOT_MASTER: `master` (Status.masterAddress) is tried next in this round
  // unless it is empty, unparsable or already tried in this round.
  void on_not_master(const endpoint& tried, const std::string& master);
  // Unreachable, no answer, or no master elected yet: why.
  void on_failure(const endpoint& tried, const std::string& why);
  // A master redirection seen before the search starts (e.g. the last
  // NOT_MASTER of a connection that was just dropped): tried first.
  void prefer(const std::string& master_address);

  // "  ADDR:PORT: why" lines, one per MDS, the latest reason of each.
  std::string report() const;

 private:
  std::vector<endpoint> listed_;
  std::deque<endpoint> queue_;
  std::vector<endpoint> tried_;  // this round
  std::vector<std::pair<endpoint, std::string>> why_;
  std::optional<endpoint> named_;  // the master named last
  unsigned round_ = 0;
  void note(const endpoint& e, const std::string& why);
};

}  // namespace pstorage::mds_locate
