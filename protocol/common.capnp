# Types shared by every link. Ids are never reused (DESIGN.md principle 4).
@0xcb6d7bb62f7af09f;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pstorage::proto");

# Outcome of a request. code 0 means success; otherwise message says what
# went wrong and how to fix it, ready to print for an operator.
struct Status {
  code @0 :UInt32;
  message @1 :Text;
  posixError @2 :Int32;   # for file-system requests: the errno a mount returns (0: none)
  # code statusNotMaster: the MDS that answered is a follower; the master's
  # ADDR:PORT when it knows one (clients and CSs go there and retry).
  masterAddress @3 :Text;
}

# Status codes carried in Status.code.
const statusOk :UInt32 = 0;
const statusBadRequest :UInt32 = 1;      # malformed or invalid request
const statusAuthFailed :UInt32 = 2;      # wrong password / digest
const statusWrongCluster :UInt32 = 3;    # peer belongs to another cluster
const statusNotFound :UInt32 = 4;
const statusNoSpace :UInt32 = 5;
const statusIoError :UInt32 = 6;
const statusUnavailable :UInt32 = 7;     # try again later / elsewhere
const statusStale :UInt32 = 8;           # version or epoch too old
const statusBusy :UInt32 = 9;            # e.g. another client holds the write lease
const statusChecksum :UInt32 = 10;       # data failed its CRC32C check
const statusNotMaster :UInt32 = 11;      # ask the master (Status.masterAddress), or retry while one is elected
# File-system errors carry the errno value in Status.posixError as well.

# Proof that a node passed `pstorage auth-node` (guide: "Password-based
# Authentication"): the salted digest from the host's auth_digest.key.
struct Credentials {
  cluster @0 :Text;
  digest @1 :Data;
}

# Chunk-server state as the MDS sees it (guide: "Monitoring Chunk Servers").
enum CsStatus {
  active @0;
  inactive @1;
  offline @2;
  dropped @3;
}

# Metadata-server state (guide: "Monitoring Metadata Servers").
enum MdsStatus {
  avail @0;
  inactive @1;
}

struct CsInfo {
  id @0 :UInt32;
  status @1 :CsStatus;
  totalBytes @2 :UInt64;
  freeBytes @3 :UInt64;
  host @4 :Text;          # host name the CS runs on
  address @5 :Text;       # ADDR:PORT the CS serves on
  hostId @6 :Text;        # /etc/pstorage/host_id of its host
  tier @7 :UInt8;
  checksums @8 :Bool;     # flag C
  flags @9 :Text;         # guide's FLAGS column, e.g. "C"
  httpPort @10 :UInt16;
  location @11 :Text;     # room.row.rack from the host's location file
  replicas @12 :UInt64;   # replicas stored on it (guide: REPLICAS column)
  releasing @13 :Bool;    # rm-cs in progress
  # The CS's own I/O figures from its latest heartbeat (CsToMdsHeartbeat.io),
  # as the master keeps them in memory (actors/mds/cs_registry.hpp); all zero
  # while the CS is not active, and on a follower MDS (it gets no heartbeats).
  io @14 :CsIoStats;
  # Its scrubbing (CsToMdsHeartbeat.scrub, latest heartbeat; docs/monitoring.md
  # "Scrubbing"); empty on a follower MDS.
  scrub @15 :ScrubProgress;
}

# A chunk server's scrubbing (guide: "Configuring Data Scrubbing";
# `pstorage scrub start|status`, actors/cs/scrub_run.hpp). `state`: idle
# (periodic scrubbing off, no run), scheduled (mds.wd.verify_chunks > 0, no
# on-demand run), running (an on-demand run: the figures are its progress).
struct ScrubProgress {
  state @0 :Text;
  chunksDone @1 :UInt64;       # of the run (last run when not running)
  chunksTotal @2 :UInt64;      # replicas listed when the run started
  bytesDone @3 :UInt64;
  bytesTotal @4 :UInt64;
  startedNs @5 :Int64;         # wall clock of the CS when the run started (0: never)
  elapsedMs @6 :UInt64;        # since the run started (its own steady clock; whole run when done)
  badFound @7 :UInt64;         # replicas with bad pages found by the run
  lastCompletedNs @8 :Int64;   # wall clock when the last run, or periodic cycle, completed (0: never)
  lastCycleMs @9 :UInt64;      # how long that run took (0: a periodic cycle or never)
}

# A chunk server's I/O over the last 20 seconds, as it measured them
# (actors/cs/io_stats.hpp; guide: "Monitoring Chunk Servers" IOWAIT, IOLAT,
# QDEPTH; "Monitoring General Cluster Parameters" IO line).
struct CsIoStats {
  readBytesPerSec @0 :UInt64;
  writeBytesPerSec @1 :UInt64;
  readOpsPerSec @2 :Float64;
  writeOpsPerSec @3 :Float64;
  syncOpsPerSec @4 :Float64;
  latencyAvgUs @5 :UInt64;    # IOLAT avg, microseconds
  latencyMaxUs @6 :UInt64;    # IOLAT max, microseconds
  queueDepth @7 :Float64;     # QDEPTH
  iowaitPercent @8 :Float64;  # IOWAIT, 0..100
}

struct MdsInfo {
  id @0 :UInt32;
  status @1 :MdsStatus;
  address @2 :Text;       # ADDR:PORT of its MDS<->MDS port (clients use PORT+1)
  isMaster @3 :Bool;
  httpPort @4 :UInt16;
  # As the master sees it (docs/election.md): the journal index this MDS
  # holds, how many entries it is behind the master's last one, and how long
  # ago it last answered the master (0 for the master itself).
  matchIndex @5 :UInt64;
  lag @6 :UInt64;
  lastAckMs @7 :UInt64;
}

# ---- data path (issue 3) -----------------------------------------------------

# Where one replica of a chunk lives.
struct ReplicaLocation {
  csId @0 :UInt32;
  address @1 :Text;   # ADDR:PORT of the CS actor
}

# One chunk of a file: bytes [index*chunkSize, (index+1)*chunkSize).
# `replicas` is the write chain, in order; every listed replica holds
# `version` (stale copies are never listed).
struct ChunkLocation {
  chunkId @0 :UInt64;
  index @1 :UInt64;
  version @2 :UInt64;
  replicas @3 :List(ReplicaLocation);
  # How long the client may read with this location, from when it sent the
  # request (actors/mds/map_leases.hpp); then it asks again. 0: 3000.
  validMs @4 :UInt32;
}

# Replication attributes of a file or directory (guide: "Cluster Parameters
# Overview"): replicas=NORM:MIN, tier, failure-domain.
struct ReplicationAttrs {
  replicas @0 :UInt8;
  minReplicas @1 :UInt8;
  tier @2 :UInt8;
  failureDomain @3 :Text;  # disk|host|rack|row|room
}

# File attributes as a mount sees them (not POSIX: no uid/gid, no links).
struct FileAttr {
  ino @0 :UInt64;
  isDir @1 :Bool;
  size @2 :UInt64;
  mode @3 :UInt32;        # permission bits
  atimeNs @4 :Int64;
  mtimeNs @5 :Int64;
  ctimeNs @6 :Int64;
  nlink @7 :UInt32;
  repl @8 :ReplicationAttrs;
}

struct DirEntry {
  name @0 :Text;
  ino @1 :UInt64;
  isDir @2 :Bool;
}

# A cluster event (guide: "Exploring Basic Events").
struct Event {
  id @0 :Int64;
  timeNs @1 :Int64;
  severity @2 :Text;   # info | warn | err
  source @3 :Text;     # MDS | JRN
  text @4 :Text;
  epoch @5 :UInt64;    # the master's epoch when it recorded the event
}

# One cluster parameter (pstorage get-config).
struct ConfigParam {
  name @0 :Text;
  value @1 :Int64;
  defaultValue @2 :Int64;
  unit @3 :Text;
  description @4 :Text;
}
