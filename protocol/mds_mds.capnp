# MDS <-> MDS (journal replication and master election; grows with HA).
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
