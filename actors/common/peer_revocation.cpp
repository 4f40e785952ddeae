// peer_revocation.cpp — peer_revocation.hpp.
#include "actors/common/peer_revocation.hpp"

#include <mutex>
#include <tuple>

namespace pstorage::security {

std::optional<std::string> refuse_peer(const peer_certificate& peer, const std::set<std::string>& revoked) {
  if (revoked.empty()) return std::nullopt;
  if (peer.host_id.empty())
    return "certificate '" + peer.common_name +
           "' names no host id (issued before revocation); the cluster revokes hosts, so it is refused: run "
           "auth-node on that host again";
  if (revoked.count(peer.host_id))
    return "host " + peer.host_id + " ('" + peer.common_name + "') is revoked (pstorage revoke-node)";
  return std::nullopt;
}

namespace tls_gate {
namespace {
struct gate_state {
  std::mutex mu;
  std::set<std::string> revoked;
  uint64_t generation = 0;
  std::map<std::tuple<std::string, std::string, std::string>, refusal> refusals;
};
gate_state& gate() {
  static gate_state g;
  return g;
}
}  // namespace

bool set_revoked(const std::set<std::string>& host_ids) {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  if (g.generation != 0 && g.revoked == host_ids) return false;
  g.revoked = host_ids;
  ++g.generation;
  return true;
}

std::set<std::string> revoked() {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  return g.revoked;
}

uint64_t generation() {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  return g.generation;
}

std::optional<std::string> judge(const peer_certificate& peer) {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  return refuse_peer(peer, g.revoked);
}

void note_refusal(const peer_certificate& peer, const std::string& reason, const std::string& where) {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  auto& r = g.refusals[{peer.host_id, reason, where}];
  r.host_id = peer.host_id;
  r.common_name = peer.common_name;
  r.reason = reason;
  r.where = where;
  ++r.count;
}

std::vector<refusal> take_refusals() {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  std::vector<refusal> out;
  for (auto& [k, r] : g.refusals) out.push_back(r);
  g.refusals.clear();
  return out;
}

}  // namespace tls_gate
}  // namespace pstorage::security
