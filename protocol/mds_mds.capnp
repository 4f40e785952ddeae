# MDS <-> MDS: journal replication and master election (docs/election.md),
# and the messages between an MDS actor and its own election actor.
@0xb3ef4c3227353544;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pstorage::proto");
using Common = import "common.capnp";

# A peer MDS probes another: who are you, which epoch do you know.
struct MdsToMdsPing {
  fromId @0 :UInt32;
  epoch @1 :UInt64;
}
struct MdsToMdsPong {
  status @0 :Common.Status;
  fromId @1 :UInt32;
  epoch @2 :UInt64;
}

# One journal entry (actors/election/raft_core.hpp entry): kind 0 command
# (an encoded md_command), 1 noop (a new master's first entry), 2 config
# (the MDS membership, RaftMember list encoded by encode_membership).
struct RaftEntry {
  index @0 :UInt64;
  term @1 :UInt64;
  kind @2 :UInt8;
  data @3 :Data;
}
struct RaftMember {
  id @0 :UInt32;
  address @1 :Text;
}

# One consensus message between election actors of two MDSs (one-way; the
# answer is another MdsToMdsRaft). `type` is election::msg_type. A snapshot
# message carries the MDS state (md.db) as the payload beside the header.
struct MdsToMdsRaft {
  cluster @0 :Text;
  type @1 :UInt8;
  fromId @2 :UInt32;
  toId @3 :UInt32;
  term @4 :UInt64;
  logIndex @5 :UInt64;
  logTerm @6 :UInt64;
  entries @7 :List(RaftEntry);
  commit @8 :UInt64;
  reject @9 :Bool;
  index @10 :UInt64;
  snapshotIndex @11 :UInt64;
  snapshotTerm @12 :UInt64;
  snapshotConfig @13 :List(RaftMember);
  fromAddress @14 :Text;   # where the sender's election actor listens
  # Snapshot transfer (actors/election/snapshot_transfer.hpp), handled by the
  # election actors, not the consensus core: a `snapshot` message carries
  # bytes [snapshotOffset, snapshotOffset + size(snapshotData)) of an MDS
  # state of snapshotTotal bytes (md.db as of snapshotIndex); the receiver
  # answers each with a `snapshot_resp` with chunkAck set and `index` = the
  # bytes it holds in order. The core sees one `snapshot` message, once the
  # whole state is stored.
  snapshotOffset @15 :UInt64;
  snapshotTotal @16 :UInt64;
  snapshotData @17 :Data;
  chunkAck @18 :Bool;
  context @19 :UInt64;   # election::message::context (the leader lease)
}

# ---- inside one MDS process: the MDS actor and its election actor ----------

# The MDS proposes one encoded md_command. durable: fsync the journal before
# the entry counts (false only for namespace changes on a 1-MDS cluster,
# md_command.hpp durable_at_once).
struct MdsToElectionPropose {
  data @0 :Data;
  durable @1 :Bool;
}
# Accepted at (index, term): the entry is applied later, when committed; if
# the entry applied at `index` has another term, the proposal was lost.
# Refused: status NOT_MASTER (with the master's address when known).
struct ElectionToMdsPropose {
  status @0 :Common.Status;
  index @1 :UInt64;
  term @2 :UInt64;
}

# Committed entries to apply, in order, and who is master now.
struct ElectionToMdsCommitted {
  entries @0 :List(RaftEntry);
  term @1 :UInt64;
  leaderId @2 :UInt32;
  isLeader @3 :Bool;
  members @4 :List(RaftMember);
  commit @5 :UInt64;
  lastIndex @6 :UInt64;
  # The master may answer from its state until then (actor clock, ns since
  # its epoch; docs/election.md "Reads on the master"); 0: no lease.
  leaseUntilNs @7 :Int64;
}

# Make every entry appended so far power-loss durable (fsync/fsyncdir on a
# mount, before deleting replicas an unlink freed).
struct MdsToElectionSync {
  unused @0 :Bool;
}
struct ElectionToMdsSync {
  status @0 :Common.Status;
}

# What the election actor knows now (stat, /status, lag events).
struct MdsToElectionStatus {
  unused @0 :Bool;
  applied @1 :UInt64;   # md.db is applied up to here: the journal may be compacted below it
}
struct ElectionToMdsStatus {
  term @0 :UInt64;
  leaderId @1 :UInt32;
  isLeader @2 :Bool;
  commit @3 :UInt64;
  lastIndex @4 :UInt64;
  members @5 :List(RaftMember);
  peers @6 :List(PeerProgress);   # the master's view of the others
  tickMs @7 :UInt32;
  struct PeerProgress {
    id @0 :UInt32;
    match @1 :UInt64;
    ticksSinceAck @2 :UInt32;
    resync @3 :Bool;   # it is sent a snapshot (full resync)
  }
  snapshotIndex @8 :UInt64;  # the journal is compacted up to here
}

# The master proposes a new MDS membership (one MDS added or removed).
struct MdsToElectionConfig {
  members @0 :List(RaftMember);
}
# Accepted at (index, term) — in force once committed — or refused with why.
struct ElectionToMdsConfig {
  status @0 :Common.Status;
  index @1 :UInt64;
  term @2 :UInt64;
}

# ---- snapshots (docs/election.md "Snapshots and compaction") ---------------

# The master's election actor needs the MDS state to send to MDS#peerId,
# whose entries are compacted away ("state is outdated and will do a full
# resync"). The MDS answers with md.db as of its applied index.
struct ElectionToMdsSnapshotExport {
  peerId @0 :UInt32;
  peerAddress @1 :Text;
}
struct MdsToElectionSnapshotExport {
  status @0 :Common.Status;
  index @1 :UInt64;   # md.db's applied index
  term @2 :UInt64;    # the term of the entry at `index`
  data @3 :Data;      # the whole md.db (SQLite image)
}

# A follower's election actor received a snapshot at (index, term) and made
# it durable in journal.db: the MDS replaces md.db with it before applying
# any later entry.
struct ElectionToMdsSnapshotInstall {
  index @0 :UInt64;
  term @1 :UInt64;
  data @2 :Data;
}
struct MdsToElectionSnapshotInstall {
  status @0 :Common.Status;
  applied @1 :UInt64;
}
