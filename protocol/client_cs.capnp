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
