# MDS <-> chunk server. Request/answer pairs named by direction.
@0xd0e369e4fd75187b;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pstorage::proto");
using Common = import "common.capnp";

# A CS starting up introduces itself. csId 0 asks for a new id (1025 and up,
# guide: "Monitoring Chunk Servers"); a known id re-registers after restart.
struct CsToMdsRegister {
  credentials @0 :Common.Credentials;
  csId @1 :UInt32;
  repoUuid @2 :Text;      # random id of the repository, guards against id theft
  info @3 :Common.CsInfo; # address, host, space, tier, flags
}
struct MdsToCsRegister {
  status @0 :Common.Status;
  csId @1 :UInt32;
  heartbeatMs @2 :UInt32; # how often the MDS wants heartbeats
  epoch @3 :UInt64;       # the master's epoch (docs/election.md): orders of lower epochs are refused
  revokedHosts @4 :List(Text);  # the journaled revocation list (host ids), as in MdsToCsHeartbeat: the CS's
                                # TLS gate holds every accepted handshake until it has this (docs/security.md)
}

# Periodic liveness + space report from a registered CS.
struct CsToMdsHeartbeat {
  csId @0 :UInt32;
  totalBytes @1 :UInt64;
  freeBytes @2 :UInt64;
  flags @3 :Text;
  chunksVerified @4 :UInt64;   # scrubbing progress since start
  io @5 :Common.CsIoStats;     # I/O figures over the last 20 s (docs/monitoring.md)
  scrub @6 :Common.ScrubProgress;  # its scrubbing (`pstorage scrub status`)
}
struct MdsToCsHeartbeat {
  status @0 :Common.Status;   # statusNotFound: re-register
  verifyChunksPerMinute @1 :UInt32;  # mds.wd.verify_chunks: scrubbing rate (guide: "Configuring Data Scrubbing")
  mdses @2 :List(Text);   # every MDS (ADDR:PORT, as bs.list): the CS's locator searches them too
  revokedHosts @3 :List(Text);  # the journaled revocation list (host ids): the CS's TLS gate refuses them
}

# ---- chunk management (issue 3) -----------------------------------------------

# Create an empty replica at `version` (allocation, before any client writes).
struct MdsToCsCreateChunk {
  chunkId @0 :UInt64;
  version @1 :UInt64;
  epoch @2 :UInt64;          # the sender's master epoch; a CS refuses one below the highest it saw (statusStale)
}
struct CsToMdsCreateChunk {
  status @0 :Common.Status;
}

# Move a replica from `oldVersion` to `newVersion` (a replica of the chain
# failed; the survivors move on so the lost copy is stale forever). Also used
# with length to cut a chunk on truncate.
struct MdsToCsSetVersion {
  chunkId @0 :UInt64;
  oldVersion @1 :UInt64;
  newVersion @2 :UInt64;
  truncateTo @3 :UInt64;     # bytes to keep when truncating
  truncate @4 :Bool;
  epoch @5 :UInt64;          # as in MdsToCsCreateChunk
}
struct CsToMdsSetVersion {
  status @0 :Common.Status;
}

# Delete a replica (file deleted, replica stale or overcommitted).
struct MdsToCsDeleteChunk {
  chunkId @0 :UInt64;
  epoch @1 :UInt64;          # as in MdsToCsCreateChunk
}
struct CsToMdsDeleteChunk {
  status @0 :Common.Status;
}

# The CS found bad data in a replica (read or scrub): flag h (checksum) or H.
struct CsToMdsBadReplica {
  csId @0 :UInt32;
  chunkId @1 :UInt64;
  version @2 :UInt64;
  checksum @3 :Bool;
  message @4 :Text;
  pages @5 :List(UInt64);  # checksum: the bad pages found (a read: the first; scrubbing: all)
}
struct MdsToCsBadReplica {
  status @0 :Common.Status;
}

# Repair: copy the chunk at `version` from `source` into a new local replica
# (issue 4). Answers when the copy is complete and synced. `bandwidth`: at
# most this many bytes/s for this copy (mds.repl.bandwidth), 0 = unlimited.
# `length`: bytes to copy, the cluster's chunk size (0 = this CS's largest
# chunk size; without it a 1 MiB chunk was read as 64 MiB, mostly zeros).
struct MdsToCsReplicate {
  chunkId @0 :UInt64;
  version @1 :UInt64;
  source @2 :Common.ReplicaLocation;
  bandwidth @3 :UInt64;
  length @4 :UInt64;
  epoch @5 :UInt64;          # as in MdsToCsCreateChunk
  # Other holders at `version`, asked for a page the source has bad; when
  # none has it good it is carried over marked bad (docs/chunk-versions.md,
  # "A bad page in a copy").
  alternates @6 :List(Common.ReplicaLocation);
}
struct CsToMdsReplicate {
  status @0 :Common.Status;
  badPages @1 :List(UInt64);  # pages carried over marked bad (reads of them fail)
}

# `pstorage scrub start`: verify every replica now, one after the other
# (guide: "Configuring Data Scrubbing"; actors/cs/scrub_run.hpp). A run in
# progress goes on (answered OK). Progress in CsToMdsHeartbeat.scrub.
struct MdsToCsScrub {
  epoch @0 :UInt64;          # as in MdsToCsCreateChunk: a deposed master's order is refused
  chunksPerSecond @1 :UInt32;  # pace of the run (`scrub start --rate`), 0 = as fast as the disk goes
}
struct CsToMdsScrub {
  status @0 :Common.Status;
  chunksTotal @1 :UInt64;    # replicas the run verifies
}
