// messages.hpp — the C++ names of every message that crosses a node boundary.
// One alias per Cap'n Proto struct; PSTORAGE_WIRE_MESSAGES lists them all for
// registration with CAF (protocol/caf_registration.cpp). Adding a message:
// add the struct to its .capnp file, an alias here and a line in the list.
#pragma once

#include "protocol/client_cs.capnp.h"
#include "protocol/client_mds.capnp.h"
#include "protocol/common.capnp.h"
#include "protocol/mds_cs.capnp.h"
#include "protocol/mds_mds.capnp.h"
#include "protocol/wire.hpp"

namespace pstorage::msg {
namespace p = pstorage::proto;
template <class S> using m = wire::msg<S>;

// client <-> MDS
using client_to_mds_stat = m<p::ClientToMdsStat>;
using mds_to_client_stat = m<p::MdsToClientStat>;
using client_to_mds_auth_salt = m<p::ClientToMdsAuthSalt>;
using mds_to_client_auth_salt = m<p::MdsToClientAuthSalt>;
using client_to_mds_auth_node = m<p::ClientToMdsAuthNode>;
using mds_to_client_auth_node = m<p::MdsToClientAuthNode>;
// CS <-> MDS
using cs_to_mds_register = m<p::CsToMdsRegister>;
using mds_to_cs_register = m<p::MdsToCsRegister>;
using cs_to_mds_heartbeat = m<p::CsToMdsHeartbeat>;
using mds_to_cs_heartbeat = m<p::MdsToCsHeartbeat>;
// client <-> CS
using client_to_cs_ping = m<p::ClientToCsPing>;
using cs_to_client_ping = m<p::CsToClientPing>;
// MDS <-> MDS
using mds_to_mds_ping = m<p::MdsToMdsPing>;
using mds_to_mds_pong = m<p::MdsToMdsPong>;
}  // namespace pstorage::msg

// X(alias) for every message; the registered CAF name is "pstorage.<alias>".
#define PSTORAGE_WIRE_MESSAGES(X) \
  X(client_to_mds_stat)           \
  X(mds_to_client_stat)           \
  X(client_to_mds_auth_salt)      \
  X(mds_to_client_auth_salt)      \
  X(client_to_mds_auth_node)      \
  X(mds_to_client_auth_node)      \
  X(cs_to_mds_register)           \
  X(mds_to_cs_register)           \
  X(cs_to_mds_heartbeat)          \
  X(mds_to_cs_heartbeat)          \
  X(client_to_cs_ping)            \
  X(cs_to_client_ping)            \
  X(mds_to_mds_ping)              \
  X(mds_to_mds_pong)
