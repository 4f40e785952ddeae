// election_wire.hpp — conversions between the consensus core's types
// (raft_core.hpp), their Cap'n Proto messages (protocol/mds_mds.capnp) and
// the journal file's records (persistence/journal_store.hpp). Pure: no CAF.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "actors/election/raft_core.hpp"
#include "persistence/journal_store.hpp"
#include "protocol/messages.hpp"

namespace pstorage::election {

// The snapshot-transfer fields of an MdsToMdsRaft (protocol/mds_mds.capnp,
// actors/election/snapshot_transfer.hpp): a chunk of a `snapshot` message
// (bytes [offset, offset + size) of `total`), or a `snapshot_resp` that
// acknowledges `acked` bytes (chunk_ack).
struct snapshot_chunk {
  uint64_t offset = 0;
  uint64_t total = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool chunk_ack = false;
};

msg::mds_to_mds_raft to_wire(const message& m, const std::string& cluster, const std::string& from_address,
                             const snapshot_chunk* chunk = nullptr);
// A decoded MdsToMdsRaft (wire::decode validated it).
message from_wire(proto::MdsToMdsRaft::Reader r);

persistence::journal_record to_record(const entry& e);
entry from_record(const persistence::journal_record& r);
persistence::journal_snapshot to_record(const snapshot_meta& s);
snapshot_meta from_record(const persistence::journal_snapshot& s);

// ElectionToMdsCommitted: `committed` and who is master now; members are
// listed with `address_of(id)`.
msg::election_to_mds_committed committed_message(const raft_core& core, const std::vector<entry>& committed,
                                                 const std::function<std::string(node_id)>& address_of,
                                                 int64_t lease_until_ns = 0);

}  // namespace pstorage::election
