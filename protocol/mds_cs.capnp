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
}

# Periodic liveness + space report from a registered CS.
struct CsToMdsHeartbeat {
  csId @0 :UInt32;
  totalBytes @1 :UInt64;
  freeBytes @2 :UInt64;
  flags @3 :Text;
}
struct MdsToCsHeartbeat {
  status @0 :Common.Status;   # statusNotFound: re-register
}
