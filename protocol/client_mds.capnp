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
}

# `auth-node`, step 1: ask for the salt the cluster password is digested with.
struct ClientToMdsAuthSalt {
  cluster @0 :Text;
}
struct MdsToClientAuthSalt {
  status @0 :Common.Status;
  salt @1 :Data;
  iterations @2 :UInt32;
}

# `auth-node`, step 2: present the digest of the typed password; the MDS
# compares it with the stored one. The clear password never travels.
struct ClientToMdsAuthNode {
  credentials @0 :Common.Credentials;
  host @1 :Text;
}
struct MdsToClientAuthNode {
  status @0 :Common.Status;
}
