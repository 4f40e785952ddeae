# Client (CLI, mount) <-> MDS. Request/answer pairs named by direction.
@0xc0daa9c84e88f362;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pstorage::proto");
using Common = import "common.capnp";

# CLI asks the MDS for the cluster overview (`pstorage stat`).
struct ClientToMdsStat {
  credentials @0 :Common.Credentials;
}
# MDS answers with cluster identity, MDS list and CS list.
struct MdsToClientStat {
  status @0 :Common.Status;
  cluster @1 :Text;
  mdses @2 :List(Common.MdsInfo);
  css @3 :List(Common.CsInfo);
  clusterStatus @4 :Text;          # healthy | degraded | failure | unknown
  chunks @5 :List(ChunkStateCount);  # the guide's "Chunks:" line
  replication @6 :Replication;
  struct ChunkStateCount { state @0 :Text; count @1 :UInt64; }
  # running: repair copies; movesRunning / chunksMoved: rebalancing moves
  # (mds.repl.rebalance_jobs); bytesCopied counts both.
  struct Replication {
    queued @0 :UInt64; running @1 :UInt64; bytesCopied @2 :UInt64;
    movesRunning @3 :UInt64; chunksMoved @4 :UInt64;
  }
  # The replicated journal (docs/election.md): the master's epoch, how long
  # ago it was elected, the committed index. With no master anywhere (too
  # few MDSs up) the answering MDS says so in `masterProblem`, and the CS
  # list may be empty or stale.
  epoch @7 :UInt64;
  epochAgeMs @8 :UInt64;
  commitIndex @9 :UInt64;
  masterProblem @10 :Text;
  license @11 :LicenseState;       # the guide's "License:" line
  # The guide's "IO:" header line ("Monitoring General Cluster Parameters"):
  # the sum over the active CSs of their latest heartbeat's figures
  # (CsInfo.io), over the CSs' last 20 s.
  io @12 :ClusterIo;
  # The guide's clients table ("Monitoring Clients"): every mount that sent
  # its figures (ClientToMdsWatch.io) to this master in the last 60 s.
  # `id`: the master's short number for the mount (CLID; stable while this
  # master serves), `clientId` the mount's own id, `ageMs` how old its
  # latest figures are. Empty on a follower.
  clients @13 :List(ClientInfo);
  struct ClientInfo { id @0 :UInt32; clientId @1 :Text; io @2 :ClientIoStats; ageMs @3 :UInt64; }
  # The guide's "Replication:  3 norm,  2 limit" header line: the root
  # directory's replicas (what new files inherit unless set-attr says
  # otherwise), 0 from an MDS that predates them.
  replicationNorm @14 :UInt32;
  replicationLimit @15 :UInt32;
  # The FS line of `top`'s V key (guide "Viewing space occupied by data
  # chunks": "FS:  1GB in 51 files, 51 inodes, ..."): the logical space of
  # data chunks without replicas (md_store::data_chunk_bytes, the license's
  # usage), regular files and all inodes.
  fs @16 :FsUsage;
  struct FsUsage { dataBytes @0 :UInt64; files @1 :UInt64; inodes @2 :UInt64; }
  struct ClusterIo {
    readBytesPerSec @0 :UInt64; writeBytesPerSec @1 :UInt64;
    readOpsPerSec @2 :Float64; writeOpsPerSec @3 :Float64;
  }
}

# The cluster's license as the master's checker judges it now
# (actors/license/license_checker.hpp; guide "Checking the License Status").
struct LicenseState {
  hwid @0 :Text;               # the cluster's HWID (stat --license-hwid)
  status @1 :Text;             # NONE (evaluation mode) | ACTIVE | GRACED | EXPIRED | INVALID
  reason @2 :Text;             # why not ACTIVE (empty then)
  keyNumber @3 :Text;          # PCSS.XXXXXXXX.XXXX ("" without a license)
  capacityBytes @4 :UInt64;    # licensed capacity (evaluation: 100 GB)
  allocatableBytes @5 :UInt64; # data chunks may use up to this now (0: no new data)
  usedBytes @6 :UInt64;        # logical space of data chunks (chunks x chunk size)
  replicasMax @7 :UInt32;
  autorecovery @8 :Bool;
  autorebalance @9 :Bool;
  text @10 :Text;              # the installed license (file form), for view-license
}

# `auth-node` (docs/security.md "auth-node"): challenge-response, then the
# master signs the node's certificate with the cluster CA. The host reaches
# the master's HTTP port (PORT+2, POST /auth-node/challenge and /auth-node,
# no TLS: it has no certificate yet); pstorage-mdsd passes these messages to
# its MDS actor with `peer` set to the connecting address (rate limit).
# Step 1: the salt the cluster password is digested with, and a one-time
# challenge (32 random bytes, valid 60 s, for this peer only).
struct ClientToMdsAuthSalt {
  cluster @0 :Text;
  peer @1 :Text;
}
struct MdsToClientAuthSalt {
  status @0 :Common.Status;
  salt @1 :Data;
  iterations @2 :UInt32;
  challenge @3 :Data;
}

# Step 2: proof = HMAC-SHA256(digest, transcript of cluster, host, challenge,
# clientNonce, publicKey) (persistence/auth_join.hpp): neither the password
# nor its digest travels. `credentials` stays empty (an old client that
# sends its digest there is refused). The answer carries the node's
# certificate, the CA's, and the master's proof over both, which the host
# checks before it writes anything.
struct ClientToMdsAuthNode {
  credentials @0 :Common.Credentials;
  host @1 :Text;
  peer @2 :Text;
  cluster @3 :Text;
  challenge @4 :Data;
  clientNonce @5 :Data;
  publicKey @6 :Text;     # PEM, the key pair the host made for this cluster
  proof @7 :Data;
}
struct MdsToClientAuthNode {
  status @0 :Common.Status;
  certificate @1 :Text;   # PEM, signed by the cluster CA
  caCertificate @2 :Text; # PEM, the cluster CA
  proof @3 :Data;         # HMAC-SHA256(digest, server transcript)
}

# ---- file system (issue 3) --------------------------------------------------

# Namespace request from a mount or the CLI. Paths are absolute within the
# cluster ("/", "/vm/disk.img"). `clientId` names the mount session (leases).
struct ClientToMdsFileOp {
  credentials @0 :Common.Credentials;
  clientId @1 :Text;
  op :union {
    lookup @2 :Text;                  # path -> attr
    getattr @3 :UInt64;               # ino -> attr (works for open, unlinked files)
    readdir @4 :Text;                 # path -> entries
    mkdir @5 :PathMode;
    create @6 :PathMode;              # create a file (EEXIST if present)
    unlink @7 :Text;
    rmdir @8 :Text;
    rename @9 :Rename;
    setattr @10 :SetAttr;
    setRepl @11 :SetRepl;             # pstorage set-attr
    open @12 :Open;                   # -> attr (+ write lease)
    release @13 :UInt64;              # ino: this client closed its last handle
    statfs @14 :Void;
    setSize @15 :SetSize;             # writer reports a larger size (fsync/close)
    sync @16 :Void;                   # make every namespace change so far power-loss durable (fsync/fsyncdir)
  }
  # Unique per clientId for each namespace change; a retry of the same
  # request (its answer lost, the master changed) sends the same id and is
  # answered from the first outcome, never applied twice. 0: none.
  requestId @17 :UInt64;
  # openForWrite (create only): also open the new file for writing, as Open
  # would (write lease, leaseMs in the answer): one round trip, not two.
  struct PathMode { path @0 :Text; mode @1 :UInt32; openForWrite @2 :Bool; }
  struct Rename { from @0 :Text; to @1 :Text; }
  struct SetAttr {
    path @0 :Text;          # empty: use ino
    ino @1 :UInt64;
    setMode @2 :Bool; mode @3 :UInt32;
    setSize @4 :Bool; size @5 :UInt64;
    setAtime @6 :Bool; atimeNs @7 :Int64; atimeNow @8 :Bool;
    setMtime @9 :Bool; mtimeNs @10 :Int64; mtimeNow @11 :Bool;
  }
  struct SetRepl { path @0 :Text; assignments @1 :List(Text); recursive @2 :Bool; }
  struct Open { path @0 :Text; write @1 :Bool; ino @2 :UInt64; }
  struct SetSize { ino @0 :UInt64; size @1 :UInt64; }
}
# Answer: status (errno set on failure), and what the op returns.
struct MdsToClientFileOp {
  status @0 :Common.Status;
  attr @1 :Common.FileAttr;
  entries @2 :List(Common.DirEntry);
  statfs @3 :StatFs;
  leaseMs @4 :UInt32;           # open(write): renew before this expires
  struct StatFs { totalBytes @0 :UInt64; freeBytes @1 :UInt64; files @2 :UInt64; }
}

# The chunk map of a file range. forWrite allocates missing chunks (placement)
# and requires this client's write lease.
struct ClientToMdsChunkMap {
  credentials @0 :Common.Credentials;
  clientId @1 :Text;
  ino @2 :UInt64;
  firstIndex @3 :UInt64;
  count @4 :UInt32;
  forWrite @5 :Bool;
}
struct MdsToClientChunkMap {
  status @0 :Common.Status;
  chunkSize @1 :UInt64;
  chunks @2 :List(Common.ChunkLocation);   # only existing chunks (holes omitted)
}

# A replica failed during a write or read. The MDS drops it and bumps the
# version of the survivors (so the stale copy never serves reads) and answers
# with the new location. statusUnavailable: live replicas are below MIN;
# the client waits and asks again (writes block, they do not fail).
struct ClientToMdsReplicaFailed {
  credentials @0 :Common.Credentials;
  clientId @1 :Text;
  chunkId @2 :UInt64;
  version @3 :UInt64;
  failedCsIds @4 :List(UInt32);
  checksumError @5 :Bool;   # a read found bad data (flag h)
}
struct MdsToClientReplicaFailed {
  status @0 :Common.Status;
  chunk @1 :Common.ChunkLocation;
}

# Keeps the client's write leases alive (sent every leaseMs/3 while the
# client has any file open). `held`: the inodes this client has open for
# write; right after a master change (the new master's grace,
# docs/election.md "Leases across a master change") they re-claim the leases
# the old master granted, otherwise they are ignored. `opened`: every inode
# the client has open (for reading or writing); in the same grace they count
# as open again on the new master, so an unlinked file a client still reads
# is not purged as an orphan nobody has open (docs/operations.md "Client
# sessions and orphans").
struct ClientToMdsRenewLease {
  credentials @0 :Common.Credentials;
  clientId @1 :Text;
  held @2 :List(UInt64);
  opened @3 :List(UInt64);
}
struct MdsToClientRenewLease {
  status @0 :Common.Status;
}

# Cache invalidation (docs/consistency.md): a mount keeps one Watch waiting
# at the master. The master answers when another client changed a file this
# mount has open (size, data, attributes), or after holdMs with nothing. The
# mount drops the kernel's cached attributes and pages of every listed inode,
# then sends its next Watch with ackedSeq = the answer's seq: the master
# answers the writer's fsync/close/truncate only once every mount that has
# the file open acknowledged (or after the attribute timeout, 1 s, when one
# does not), so a read that starts after it returned sees the change.
struct ClientToMdsWatch {
  credentials @0 :Common.Credentials;
  clientId @1 :Text;
  ackedSeq @2 :UInt64;   # every invalidation up to this one was carried out
  io @3 :ClientIoStats;  # the mount's own figures, for stat/top's clients table
}

# A mount's own I/O over its last 20 seconds, as it measured it
# (actors/client/client_io.hpp; guide "Monitoring Clients": LEASES, READ,
# WRITE, RD_OPS, WR_OPS, FSYNCS, IOLAT, HOST). Sent with every Watch (at
# least every 5 s); the master keeps the latest per client in memory.
struct ClientIoStats {
  readBytesPerSec @0 :UInt64;
  writeBytesPerSec @1 :UInt64;
  readOpsPerSec @2 :Float64;
  writeOpsPerSec @3 :Float64;
  fsyncsPerSec @4 :Float64;
  latencyAvgMs @5 :Float64;    # IOLAT avg/max of the ops that finished in the window
  latencyMaxMs @6 :Float64;
  openFiles @7 :Float64;       # LEASES: files open, averaged over the window
  host @8 :Text;               # the mount's host name
  windowS @9 :Float64;         # the window's length (< 20 s in the first 20 s); 0: no figures
}
struct MdsToClientWatch {
  status @0 :Common.Status;
  seq @1 :UInt64;        # the newest invalidation in inos (0: none yet)
  inos @2 :List(UInt64); # drop these inodes' cached attributes and pages
  mdses @3 :List(Text);  # every MDS of the cluster (ADDR:PORT, as bs.list):
                         # the mount keeps its list current with it, so it
                         # finds a new master even if bs.list names only one MDS
  revokedHosts @4 :List(Text);  # the journaled revocation list (host ids,
                         # `pstorage revoke-node`): the mount's TLS gate refuses them
}

# ---- administration (issue 4) -------------------------------------------------

# pstorage set-config NAME=VALUE... / get-config [NAME...]
struct ClientToMdsConfig {
  credentials @0 :Common.Credentials;
  set @1 :List(Text);      # "NAME=VALUE" assignments; empty: only read
  get @2 :List(Text);      # names to read; empty: all
}
struct MdsToClientConfig {
  status @0 :Common.Status;
  params @1 :List(Common.ConfigParam);
}

# pstorage get-event: events after `afterId`, at most `limit`.
struct ClientToMdsEvents {
  credentials @0 :Common.Credentials;
  afterId @1 :Int64;
  limit @2 :UInt32;
}
struct MdsToClientEvents {
  status @0 :Common.Status;
  events @1 :List(Common.Event);
}

# pstorage rm-cs [--wait] CSID / --cancel / -f (guide: "Removing Chunk Servers").
struct ClientToMdsRmCs {
  credentials @0 :Common.Credentials;
  csId @1 :UInt32;
  mode @2 :Mode;
  enum Mode {
    release @0;   # evacuate its data, then drop it
    cancel @1;    # stop a release in progress
    force @2;     # drop now (the CS is lost): its replicas are re-replicated
  }
}
# remainingChunks: replicas still on the CS (0: done, it is dropped).
struct MdsToClientRmCs {
  status @0 :Common.Status;
  remainingChunks @1 :UInt64;
  csStatus @2 :Text;
}

# ---- MDS membership (issue 12; guide "Adding MDS Servers", "Removing MDS
# Servers") -------------------------------------------------------------------

# `pstorage make-mds` on a new server asks the master to add an MDS at
# `add` (ADDR:PORT); `pstorage rm-mds ID` asks it to remove MDS `remove`.
# One change at a time; a change that would leave the running MDSs without
# a majority is refused with the reason.
struct ClientToMdsMembership {
  credentials @0 :Common.Credentials;
  change :union {
    add @1 :Text;
    remove @2 :UInt32;
  }
}
# mdsId: the id given to the added MDS; members: the membership as journaled.
struct MdsToClientMembership {
  status @0 :Common.Status;
  mdsId @1 :UInt32;
  members @2 :List(Common.MdsInfo);
  chunkSize @3 :UInt64;   # the cluster's chunk size (a new MDS repository records it)
  # The cluster CA (PEM key and certificate) for the added MDS, which signs
  # auth-node certificates when it is master. Only over an encrypted
  # connection (docs/security.md "Keys and certificates"); empty otherwise.
  caKey @4 :Text;
  caCertificate @5 :Text;
}

# ---- licensing (issue 17; guide "Managing Parallels Cloud Storage Licenses") --

# `pstorage load-license -p KEY | -f FILE` sends the license in `load` (file
# or key form); `view-license` and `stat --license-hwid` send nothing and only
# read. The master checks a license before installing it (signature with the
# vendor key, this cluster's HWID, start and expiration) and journals it
# (cmd_set_license), or refuses with the reason (STATUS_BAD_REQUEST).
struct ClientToMdsLicense {
  credentials @0 :Common.Credentials;
  load @1 :Text;
}
# `state`: the cluster's license after the request (the loaded one if any).
struct MdsToClientLicense {
  status @0 :Common.Status;
  state @1 :LicenseState;
}

# ---- scrubbing (issue 16) -----------------------------------------------------

# `pstorage scrub start [--cs ID ...]`: the master orders each named CS (none:
# every active CS) to scrub now (MdsToCsScrub). `scrub status` reads the
# progress from stat (CsInfo.scrub).
struct ClientToMdsScrub {
  credentials @0 :Common.Credentials;
  csIds @1 :List(UInt32);
  chunksPerSecond @2 :UInt32;  # MdsToCsScrub.chunksPerSecond (0: unlimited)
}
# started: the CSs that took the order; failed: "CS#N: why" for the others.
struct MdsToClientScrub {
  status @0 :Common.Status;
  started @1 :List(UInt32);
  failed @2 :List(Text);
}

# ---- revocation (issue 14; docs/security.md "Revocation") ----------------------

# `pstorage revoke-node HOST_ID`: the master journals cmd_revoke_node and
# answers once it is applied. From then on no MDS, CS or mount accepts a TLS
# connection whose certificate names the host id, and the master drops the
# host's CSs (offline at once: their replicas are re-replicated). A host id
# no CS of the cluster reported is refused (STATUS_NOT_FOUND) unless `force`
# (a host that runs only mounts or an MDS); an already revoked one is
# statusBadRequest with posixError EEXIST.
struct ClientToMdsRevokeNode {
  credentials @0 :Common.Credentials;
  hostId @1 :Text;
  force @2 :Bool;
}
struct MdsToClientRevokeNode {
  status @0 :Common.Status;
  hostId @1 :Text;
  host @2 :Text;               # the host name the master knew for it ("" if none)
  timeNs @3 :Int64;            # when it was revoked (master's wall clock)
  droppedCs @4 :List(UInt32);  # the host's CSs, now offline
  revokedHosts @5 :List(Text); # the whole list after the request
}
