// connection_rules.hpp — which connections to the CS's port are closed
// because they never start speaking (docs/security.md, "Half-open and slow
// connections"). Pure: no sockets, time is a parameter.
//
// CAF 0.17 keeps a connection that never delivers a complete 32-byte BASP
// header forever, and logs nothing. An honest peer sends its handshake (a
// header and its node id) right after connecting. So a connection must have
// received at least `min_bytes` (one BASP header) within `deadline` of when
// the guard first saw it; otherwise it is closed with a reason. Once it has,
// it is never judged again: an idle honest connection (a quiet mount) stays.
//
// What this does not catch: a peer that sends a valid header quickly and then
// trickles its payload, or announces a huge one (CAF allocates the announced
// length at once): only a gate that parses BASP framing closes those.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pstorage::csd {

struct open_connection {
  uint64_t id = 0;               // the socket's inode: unique while it is open
  std::string peer;              // ADDR:PORT, for the reason
  uint64_t bytes_received = 0;   // from the kernel (TCP_INFO)
};

struct close_order {
  uint64_t id = 0;
  std::string reason;
};

class connection_rules {
 public:
  using ns = int64_t;
  explicit connection_rules(uint64_t min_bytes = 32, ns deadline = 10'000'000'000)
      : min_bytes_(min_bytes), deadline_(deadline) {}

  // The connections open at `now`; returns those to close. Forgets the ones
  // no longer listed.
  std::vector<close_order> scan(const std::vector<open_connection>& open, ns now) {
    std::map<uint64_t, entry> next;
    std::vector<close_order> out;
    for (auto& c : open) {
      auto it = seen_.find(c.id);
      entry e = it == seen_.end() ? entry{now, false} : it->second;
      if (!e.spoke && c.bytes_received >= min_bytes_) e.spoke = true;
      if (!e.spoke && now - e.first_seen >= deadline_) {
        out.push_back({c.id, "closing connection from " + c.peer + ": no complete message header within " +
                                 std::to_string(deadline_ / 1'000'000'000) + " s (" +
                                 std::to_string(c.bytes_received) + " bytes received)"});
        continue;  // forgotten: a socket that is still open next time is judged afresh
      }
      next[c.id] = e;
    }
    seen_ = std::move(next);
    return out;
  }

 private:
  struct entry {
    ns first_seen;
    bool spoke;
  };
  uint64_t min_bytes_;
  ns deadline_;
  std::map<uint64_t, entry> seen_;
};

}  // namespace pstorage::csd
