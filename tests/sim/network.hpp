// network.hpp — the simulated network's rules and verdicts (pure: no CAF).
// Every message between nodes passes a link proxy (proxy.hpp) which asks
// network::verdict() what to do with it: deliver after a delay, drop it,
// or deliver it twice. Requests and their answers are judged separately, so
// an answer can be lost while its request was processed ("the reply was
// lost": the caller times out although the callee acted).
//
// Links are directed ("cs1" -> "mds1"). Faults act on them:
//   partition(A)   cuts every link between A and the rest, both ways
//   one_way(a, b)  loses every message a -> b (b -> a still flows)
//   clog(a, b, ms) adds a fixed extra delay a -> b (FoundationDB's "clog")
//   heal()         removes every fault; base loss/delay/dup stay
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "tests/sim/rng.hpp"

namespace pstorage::sim {

struct base_link_rules {
  int64_t max_delay_ms = 0;      // each message: uniform delay in [0, max]
  uint32_t loss_permille = 0;    // random loss of a request or an answer
  uint32_t dup_permille = 0;     // a request delivered twice
  uint32_t reorder_permille = 0; // extra delay of up to 4 * max to overtake
  // MDS<->MDS links only (both ends named "mds..."): a message delivered
  // twice. The consensus messages tolerate it; client requests are not
  // idempotent, so dup_permille stays 0 where clients mutate.
  uint32_t peer_dup_permille = 0;
};

struct verdict {
  bool drop = false;
  bool duplicate = false;
  int64_t delay_ms = 0;
  const char* why = "";  // "partition", "one-way loss", "random loss"
};

class network {
 public:
  network(rng& r, base_link_rules base) : rng_(r), base_(base) {}

  verdict judge(const std::string& from, const std::string& to, bool is_answer);

  void partition(const std::set<std::string>& side) { partitioned_ = side; }
  void heal_partition() { partitioned_.clear(); }
  void one_way(const std::string& from, const std::string& to) { lossy_.insert({from, to}); }
  void heal_one_way(const std::string& from, const std::string& to) { lossy_.erase({from, to}); }
  void clog(const std::string& from, const std::string& to, int64_t ms) { clogged_[{from, to}] = ms; }
  void unclog(const std::string& from, const std::string& to) { clogged_.erase({from, to}); }
  void heal() {
    partitioned_.clear();
    lossy_.clear();
    clogged_.clear();
  }
  // No random loss or duplication (once faults stop); delays stay.
  void calm(bool on) { calm_ = on; }
  bool cut(const std::string& from, const std::string& to) const;
  const base_link_rules& base() const { return base_; }

 private:
  rng& rng_;
  base_link_rules base_;
  bool calm_ = false;
  std::set<std::string> partitioned_;
  std::set<std::pair<std::string, std::string>> lossy_;
  std::map<std::pair<std::string, std::string>, int64_t> clogged_;
};

}  // namespace pstorage::sim
