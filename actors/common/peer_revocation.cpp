// peer_revocation.cpp — peer_revocation.hpp.
#include "actors/common/peer_revocation.hpp"

#include <atomic>
#include <cerrno>
#include <memory>
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

revoke_verdict judge_revoke_request(const std::string& host_id, bool force,
                                    const std::map<std::string, std::string>& known,
                                    const std::set<std::string>& revoked) {
  if (host_id.empty()) return {EINVAL, "no host id given (`pstorage stat --json` lists each CS's host_id)"};
  for (char c : host_id)
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\'' || c == '"' || static_cast<unsigned char>(c) >= 0x7f)
      return {EINVAL, "'" + host_id + "' is not a host id (printable characters without spaces, '/' or quotes)"};
  if (host_id.size() > 128) return {EINVAL, "a host id is at most 128 characters"};
  if (revoked.count(host_id)) return {EEXIST, "host " + host_id + " is already revoked"};
  if (!known.count(host_id) && !force)
    return {ENOENT, "no chunk server of this cluster runs on a host with id " + host_id +
                        " (`pstorage stat --json` lists each CS's host_id); to revoke a host that runs only mounts or "
                        "an MDS, give --force"};
  return {};
}

namespace tls_gate {
namespace {
// The list is an immutable snapshot: set_revoked builds a new set and swaps
// the pointer under the mutex; judge copies the pointer under it and reads
// the set afterwards. Nothing the TLS callback (multiplexer thread) reads is
// ever changed in place by an actor thread.
using snapshot = std::shared_ptr<const std::set<std::string>>;
struct gate_state {
  std::mutex mu;
  snapshot revoked = std::make_shared<const std::set<std::string>>();
  uint64_t generation = 0;
  std::atomic<uint64_t> published{0};  // = generation, read without the lock (every TLS read and write)
  std::string revoked_by;  // the first peer that refused our certificate as revoked
  std::string hold;  // while generation == 0: why accepted handshakes are refused ("" = no hold)
  std::map<std::tuple<std::string, std::string, std::string>, refusal> refusals;
};
gate_state& gate() {
  static gate_state g;
  return g;
}
snapshot current() {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  return g.revoked;
}
}  // namespace

bool set_revoked(const std::set<std::string>& host_ids) {
  auto next = std::make_shared<const std::set<std::string>>(host_ids);  // built outside the lock
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  if (g.generation != 0 && *g.revoked == host_ids) return false;
  g.revoked = std::move(next);
  ++g.generation;
  g.published.store(g.generation, std::memory_order_release);
  g.hold.clear();
  return true;
}

std::set<std::string> revoked() { return *current(); }

uint64_t generation() { return gate().published.load(std::memory_order_acquire); }

void hold_accepted_until_set(const std::string& why) {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  if (g.generation == 0) g.hold = why.empty() ? "the revocation list is not known yet" : why;
}

bool active() {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  return g.generation != 0 || !g.hold.empty();
}

std::optional<std::string> judge(const peer_certificate& peer, bool accepted) {
  snapshot list;
  {
    auto& g = gate();
    std::lock_guard<std::mutex> lock(g.mu);
    if (g.generation == 0) {
      if (accepted && !g.hold.empty()) return g.hold;
      return std::nullopt;
    }
    list = g.revoked;
  }
  return refuse_peer(peer, *list);
}

void note_refusal(const peer_certificate& peer, const std::string& reason, const std::string& where) {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  if (g.refusals.size() >= 1000) return;  // bounded until taken (the CA signs few hosts)
  auto& r = g.refusals[{peer.host_id, reason, where}];
  r.host_id = peer.host_id;
  r.common_name = peer.common_name;
  r.reason = reason;
  r.where = where;
  ++r.count;
}

void note_revoked_by_peer(const std::string& where) {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  if (g.revoked_by.empty()) g.revoked_by = where.empty() ? "a peer" : where;
}

std::string revoked_by_peer() {
  auto& g = gate();
  std::lock_guard<std::mutex> lock(g.mu);
  return g.revoked_by;
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

std::string tls_gate::refusal_line(const refusal& r) {
  return "revocation: refused " + std::to_string(r.count) + " TLS handshake(s), " + r.where + ": " + r.reason;
}

}  // namespace pstorage::security
