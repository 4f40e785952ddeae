// mds_auth.hpp — `auth-node` on the master and the cluster CA it signs with
// (issue 14, docs/security.md "auth-node", "Keys and certificates");
// mds_auth_actor.cpp. The proofs are persistence/auth_join.hpp, the rate
// limit and challenge table actors/mds/join_guard.hpp (pure).
#pragma once

#include <optional>

#include "actors/mds/mds_state.hpp"
#include "persistence/cluster_ca.hpp"
#include "protocol/client_mds.capnp.h"

namespace pstorage::mds_impl {

// The cluster CA: md.db's journaled one (cmd_set_cluster_ca, table md_ca),
// else this MDS's own copy in mds.db meta (persistence::ca_key_meta), or
// nullopt.
std::optional<persistence::key_and_cert> cluster_ca(self_ptr self);

// A master that just became master and holds the CA in mds.db journals it
// (once: nothing when md.db has one; the journal refuses a different one),
// so every MDS, also one added later, can sign when it is master. Only with
// encryption on (the journal travels between MDSs).
void journal_cluster_ca(self_ptr self);

// Step 1 (salt + challenge) and step 2 (proof -> certificate). Only the
// master that is serving answers them (else NOT_MASTER with its address).
msg::mds_to_client_auth_salt handle_auth_challenge(self_ptr self, const msg::client_to_mds_auth_salt& m);
msg::mds_to_client_auth_node handle_auth_node(self_ptr self, const msg::client_to_mds_auth_node& m);

// The CA for an MDS being added, into the membership answer, only when this
// process's connections are encrypted (transport.hpp) and the journal has
// none yet (else the new MDS gets it from the journal).
void add_ca_to_membership(self_ptr self, proto::MdsToClientMembership::Builder b);

}  // namespace pstorage::mds_impl
