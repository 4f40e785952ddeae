# HA agent (pstorage-shamand) and the `pstorage ha` CLI <-> the master MDS
# (issue 18; docs/ha.md). Request/answer pairs named by direction. Every
# request carries the host's credentials (auth_digest.key) and is answered
# only by the serving master (statusNotMaster otherwise, like the others).
@0x8a714d1ba9fb5f8c;
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pstorage::proto");
using Common = import "common.capnp";

# One HA resource as journaled (protocol/md_model/md_ha_commands.hpp).
struct HaResource {
  name @0 :Text;
  startCmd @1 :Text;
  stopCmd @2 :Text;
  checkCmd @3 :Text;
  preferredNode @4 :Text;
  backupNode @5 :Text;
  ip @6 :Text;              # ADDR/PREFIX, "" none
  policy @7 :Text;          # round-robin | backup
  node @8 :Text;            # assigned node, "" none
  from @9 :Text;            # node that must confirm its stop first, "" none
  running @10 :Bool;        # `node`'s agent reported it running
}

# One HA node as the master sees it.
struct HaNode {
  name @0 :Text;
  enabled @1 :Bool;
  parked @2 :Bool;          # its agent stopped cleanly (resources stay, do not run)
  lease @3 :Text;           # alive | expiring | failed (node_lease.hpp master_view)
  running @4 :UInt32;       # resources its agent reported running
  limit @5 :UInt32;         # 0: none
}

# `pstorage ha OP ...`: op is add | remove | relocate | enable-node |
# disable-node | list. add: `resource` (name, commands, preferredNode,
# backupNode, ip); remove: resource.name; relocate: resource.name to `node`;
# enable-node / disable-node: `node`, `limit` (enable-node only).
struct ClientToMdsHa {
  credentials @0 :Common.Credentials;
  op @1 :Text;
  resource @2 :HaResource;
  node @3 :Text;
  limit @4 :UInt32;
}
# status: OK, or why the request was refused (statusBadRequest, with the
# fix); message: what was done ("Relocating web from a to b"); the table after
# the request.
struct MdsToClientHa {
  status @0 :Common.Status;
  message @1 :Text;
  resources @2 :List(HaResource);
  nodes @3 :List(HaNode);
}

# The agent's renewal, every renew period (node_lease.hpp). `running`: the
# resources it runs now; `started` / `failed`: what happened since its last
# answered renewal (the master emits the guide's events); leaving: a clean
# stop (SIGTERM): its resources are stopped and the node is parked, not
# failed: nothing is relocated.
struct AgentToMdsHaRenew {
  credentials @0 :Common.Credentials;
  node @1 :Text;
  leaving @2 :Bool;
  running @3 :List(Text);
  started @4 :List(Text);
  failed @5 :List(Failure);
  struct Failure { resource @0 :Text; reason @1 :Text; }
}
# granted: the lease runs from the time the agent sent the request, for
# leaseNs (its own clock; docs/ha.md "Lease and margins"); assigned: exactly
# the resources it is to run (anything else it stops). Not granted (status
# says why, e.g. the node is not HA-enabled): it runs nothing.
struct MdsToAgentHaRenew {
  status @0 :Common.Status;
  granted @1 :Bool;
  leaseNs @2 :Int64;
  driftMarginNs @3 :Int64;
  stopBudgetNs @4 :Int64;
  renewEveryNs @5 :Int64;
  assigned @6 :List(HaResource);
}
