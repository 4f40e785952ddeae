// raft_types.cpp — the plain types of raft_core.hpp: membership helpers, the
// deterministic membership encoding carried by config entries, names.
#include <algorithm>

#include "actors/election/raft_core.hpp"

namespace pstorage::election {

bool membership::contains(node_id id) const { return find(id) != nullptr; }

const member* membership::find(node_id id) const {
  auto it = std::lower_bound(members.begin(), members.end(), id,
                             [](const member& m, node_id v) { return m.id < v; });
  return it != members.end() && it->id == id ? &*it : nullptr;
}

std::vector<node_id> membership::ids() const {
  std::vector<node_id> v;
  v.reserve(members.size());
  for (const auto& m : members) v.push_back(m.id);
  return v;
}

bool membership::normalize() {
  auto sorted = members;
  std::sort(sorted.begin(), sorted.end(), [](const member& a, const member& b) { return a.id < b.id; });
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i].id == 0 || (i > 0 && sorted[i].id == sorted[i - 1].id)) return false;
  members = std::move(sorted);
  return true;
}

namespace {

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

bool get32(std::span<const uint8_t> in, size_t& pos, uint32_t& v) {
  if (in.size() - pos < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(in[pos + i]) << (8 * i);
  pos += 4;
  return true;
}

constexpr uint8_t kMagic[4] = {'P', 'S', 'M', '1'};

}  // namespace

std::vector<uint8_t> encode_membership(const membership& m) {
  std::vector<uint8_t> out(std::begin(kMagic), std::end(kMagic));
  put32(out, static_cast<uint32_t>(m.members.size()));
  for (const auto& mb : m.members) {
    put32(out, mb.id);
    put32(out, static_cast<uint32_t>(mb.address.size()));
    out.insert(out.end(), mb.address.begin(), mb.address.end());
  }
  return out;
}

std::optional<membership> decode_membership(std::span<const uint8_t> in) {
  if (in.size() < 8 || !std::equal(std::begin(kMagic), std::end(kMagic), in.begin())) return std::nullopt;
  size_t pos = 4;
  uint32_t n = 0;
  if (!get32(in, pos, n)) return std::nullopt;
  if (n > (in.size() - pos) / 8) return std::nullopt;  // each member takes >= 8 bytes
  membership m;
  for (uint32_t i = 0; i < n; ++i) {
    member mb;
    uint32_t len = 0;
    if (!get32(in, pos, mb.id) || !get32(in, pos, len) || in.size() - pos < len) return std::nullopt;
    mb.address.assign(reinterpret_cast<const char*>(in.data() + pos), len);
    pos += len;
    m.members.push_back(std::move(mb));
  }
  if (pos != in.size()) return std::nullopt;
  auto copy = m;
  if (!copy.normalize() || copy != m) return std::nullopt;  // must be sorted, unique, non-zero
  return m;
}

bool ready::empty() const {
  return !hs && !snapshot && !truncate_after && entries.empty() && messages.empty() && committed.empty();
}

const char* to_string(msg_type t) {
  switch (t) {
    case msg_type::pre_vote: return "pre_vote";
    case msg_type::pre_vote_resp: return "pre_vote_resp";
    case msg_type::vote: return "vote";
    case msg_type::vote_resp: return "vote_resp";
    case msg_type::append: return "append";
    case msg_type::append_resp: return "append_resp";
    case msg_type::snapshot: return "snapshot";
    case msg_type::snapshot_resp: return "snapshot_resp";
  }
  return "?";
}

const char* to_string(role r) {
  switch (r) {
    case role::follower: return "follower";
    case role::pre_candidate: return "pre_candidate";
    case role::candidate: return "candidate";
    case role::leader: return "leader";
  }
  return "?";
}

const char* to_string(progress_state s) {
  switch (s) {
    case progress_state::probe: return "probe";
    case progress_state::replicate: return "replicate";
    case progress_state::snapshot: return "snapshot";
  }
  return "?";
}

}  // namespace pstorage::election
