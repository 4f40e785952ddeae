#include "actors/election/election_wire.hpp"

namespace pstorage::election {
namespace p = proto;

namespace {
void fill_entry(p::RaftEntry::Builder b, const entry& e) {
  b.setIndex(e.index);
  b.setTerm(e.term);
  b.setKind(static_cast<uint8_t>(e.kind));
  b.setData(kj::arrayPtr(e.data.data(), e.data.size()));
}
void fill_members(capnp::List<p::RaftMember>::Builder l, const membership& ms) {
  for (unsigned i = 0; i < ms.members.size(); ++i) {
    l[i].setId(ms.members[i].id);
    l[i].setAddress(ms.members[i].address);
  }
}
entry read_entry(p::RaftEntry::Reader r) {
  entry e;
  e.index = r.getIndex();
  e.term = r.getTerm();
  e.kind = static_cast<entry_kind>(r.getKind());
  auto d = r.getData();
  e.data.assign(d.begin(), d.end());
  return e;
}
}  // namespace

msg::mds_to_mds_raft to_wire(const message& m, const std::string& cluster, const std::string& from_address,
                             const snapshot_chunk* chunk) {
  return wire::make<p::MdsToMdsRaft>([&](auto b) {
    b.setCluster(cluster);
    b.setType(static_cast<uint8_t>(m.type));
    b.setFromId(m.from);
    b.setToId(m.to);
    b.setTerm(m.term);
    b.setLogIndex(m.log_index);
    b.setLogTerm(m.log_term);
    auto l = b.initEntries(static_cast<unsigned>(m.entries.size()));
    for (unsigned i = 0; i < m.entries.size(); ++i) fill_entry(l[i], m.entries[i]);
    b.setCommit(m.commit);
    b.setReject(m.reject);
    b.setIndex(m.index);
    b.setSnapshotIndex(m.snapshot.index);
    b.setSnapshotTerm(m.snapshot.term);
    fill_members(b.initSnapshotConfig(static_cast<unsigned>(m.snapshot.config.members.size())), m.snapshot.config);
    b.setFromAddress(from_address);
    b.setContext(m.context);
    if (chunk) {
      b.setSnapshotOffset(chunk->offset);
      b.setSnapshotTotal(chunk->total);
      if (chunk->size) b.setSnapshotData(kj::arrayPtr(chunk->data, chunk->size));
      b.setChunkAck(chunk->chunk_ack);
    }
  });
}

message from_wire(p::MdsToMdsRaft::Reader r) {
  message m;
  m.type = static_cast<msg_type>(r.getType());
  m.from = r.getFromId();
  m.to = r.getToId();
  m.term = r.getTerm();
  m.log_index = r.getLogIndex();
  m.log_term = r.getLogTerm();
  for (auto e : r.getEntries()) m.entries.push_back(read_entry(e));
  m.commit = r.getCommit();
  m.reject = r.getReject();
  m.index = r.getIndex();
  m.snapshot.index = r.getSnapshotIndex();
  m.snapshot.term = r.getSnapshotTerm();
  for (auto mem : r.getSnapshotConfig()) m.snapshot.config.members.push_back(member{mem.getId(), mem.getAddress()});
  m.context = r.getContext();
  return m;
}

persistence::journal_record to_record(const entry& e) {
  return {e.index, e.term, static_cast<uint8_t>(e.kind), e.data};
}
entry from_record(const persistence::journal_record& r) {
  entry e;
  e.index = r.index;
  e.term = r.term;
  e.kind = static_cast<entry_kind>(r.kind);
  e.data = r.data;
  return e;
}
persistence::journal_snapshot to_record(const snapshot_meta& s) {
  return {s.index, s.term, encode_membership(s.config)};
}
snapshot_meta from_record(const persistence::journal_snapshot& s) {
  snapshot_meta m;
  m.index = s.index;
  m.term = s.term;
  if (auto ms = decode_membership(s.config)) m.config = *ms;
  return m;
}

msg::election_to_mds_committed committed_message(const raft_core& core, const std::vector<entry>& committed,
                                                 const std::function<std::string(node_id)>& address_of,
                                                 int64_t lease_until_ns) {
  return wire::make<p::ElectionToMdsCommitted>([&](auto b) {
    auto l = b.initEntries(static_cast<unsigned>(committed.size()));
    for (unsigned i = 0; i < committed.size(); ++i) fill_entry(l[i], committed[i]);
    b.setTerm(core.term());
    b.setLeaderId(core.leader());
    b.setIsLeader(core.get_role() == role::leader);
    auto ms = core.members();
    for (auto& m : ms.members) m.address = address_of(m.id);
    fill_members(b.initMembers(static_cast<unsigned>(ms.members.size())), ms);
    b.setCommit(core.commit_index());
    b.setLastIndex(core.last_index());
    b.setLeaseUntilNs(lease_until_ns);
  });
}

}  // namespace pstorage::election
