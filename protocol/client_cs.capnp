# Client <-> chunk server (data path). Bulk data travels in the envelope's
# payload beside these headers (protocol/wire.hpp), never inside Cap'n Proto.
@0xa6c33b3e0c2277c5;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pstorage::proto");
using Common = import "common.capnp";

# Liveness probe of a CS's data endpoint.
struct ClientToCsPing {
  nonce @0 :UInt64;
}
struct CsToClientPing {
  status @0 :Common.Status;
  nonce @1 :UInt64;
  csId @2 :UInt32;
}

# Write data (in the envelope's payload) at `offset` of a chunk replica, then
# forward the same write to `chain` (the rest of the replica list, in order).
# The answer returns only when this CS and every CS down the chain have the
# data (durably when `sync`). A CS refuses a version other than its own
# (statusStale) and never creates a chunk on write (the MDS creates replicas).
#
# `extents` (optional): several byte ranges of the chunk in one message, applied
# in list order; the payload is their bytes concatenated and `offset` is
# unused. The client's write-behind sends a window's pieces of one chunk so.
struct ClientToCsWrite {
  chunkId @0 :UInt64;
  version @1 :UInt64;
  offset @2 :UInt64;
  chain @3 :List(Common.ReplicaLocation);
  sync @4 :Bool;
  extents @5 :List(WriteExtent);
}
struct WriteExtent {
  offset @0 :UInt64;
  length @1 :UInt32;
}
# failedCsId: the first CS in the chain that failed (0: none). A failure of
# this CS itself names its own id.
struct CsToClientWrite {
  status @0 :Common.Status;
  failedCsId @1 :UInt32;
}

# Read `length` bytes at `offset`; the data is the envelope's payload.
# statusChecksum when a page fails its CRC (the CS also reports it to the MDS).
struct ClientToCsRead {
  chunkId @0 :UInt64;
  version @1 :UInt64;
  offset @2 :UInt64;
  length @3 :UInt32;
}
struct CsToClientRead {
  status @0 :Common.Status;
}

# fsync of a chunk down the chain: returns when every replica is on disk.
struct ClientToCsSync {
  chunkId @0 :UInt64;
  version @1 :UInt64;
  chain @2 :List(Common.ReplicaLocation);
}
struct CsToClientSync {
  status @0 :Common.Status;
  failedCsId @1 :UInt32;
}
