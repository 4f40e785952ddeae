// mds_auth_actor.cpp — `auth-node` on the master (mds_auth.hpp). The MDS
// actor calls these; pstorage-mdsd's HTTP gateway (POST /auth-node/...)
// sends the requests with the connecting address as `peer`.
#include "actors/mds/mds_auth.hpp"

#include <spdlog/spdlog.h>

#include "actors/common/transport.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/auth_join.hpp"
#include "persistence/file_util.hpp"
#include "persistence/md_store.hpp"
#include "persistence/mds_store.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::mds_impl {

namespace p = proto;

namespace {

std::string bytes(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }
kj::ArrayPtr<const kj::byte> as_data(const std::string& s) {
  return kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

// The peer a request counts against: the address the HTTP gateway of this
// process saw; a request from another CAF node (which could claim any
// address) counts against that node.
std::string peer_of(self_ptr self, const std::string& claimed) {
  if (auto s = self->current_sender(); s && s->node() != self->node()) return "CAF node " + to_string(s->node());
  return claimed.empty() ? "local" : claimed;
}

template <class Builder>
bool refuse_unless_master(self_ptr self, Builder b) {
  if (serving_now(self)) return false;
  auto s = b.initStatus();
  set_status(s, p::STATUS_NOT_MASTER, not_master_text(self));
  s.setMasterAddress(self->state.master_address);
  return true;
}

}  // namespace

namespace {
// This MDS's own copy (mds.db meta): made by make-mds -I, or received in the
// membership answer when it joined before the CA was journaled.
std::optional<persistence::key_and_cert> local_ca(self_ptr self) {
  auto& store = self->state.deps.store;
  if (!store) return std::nullopt;
  auto key = persistence::meta_get(store->db(), persistence::ca_key_meta);
  auto cert = persistence::meta_get(store->db(), persistence::ca_cert_meta);
  if (!key || !cert || key->empty() || cert->empty()) return std::nullopt;
  return persistence::key_and_cert{*key, *cert};
}

std::optional<persistence::key_and_cert> journaled_ca(self_ptr self) {
  auto& md = self->state.deps.md;
  if (!md) return std::nullopt;
  auto row = md->cluster_ca();
  if (!row || row->key_pem.empty() || row->cert_pem.empty()) return std::nullopt;
  return persistence::key_and_cert{row->key_pem, row->cert_pem};
}
}  // namespace

std::optional<persistence::key_and_cert> cluster_ca(self_ptr self) {
  if (auto ca = journaled_ca(self)) return ca;
  return local_ca(self);
}

void journal_cluster_ca(self_ptr self) {
  auto& st = self->state;
  if (!st.deps.md || !transport::encrypted(self->system())) return;  // never the CA key in clear
  auto local = local_ca(self);
  if (auto j = journaled_ca(self)) {
    if (local && local->cert_pem != j->cert_pem)
      spdlog::error("MDS#{}'s mds.db holds another cluster CA than the journal; the journal's signs at auth-node",
                    st.self_id);
    return;
  }
  if (!local) return;
  commit_command(self, mds::cmd_set_cluster_ca{local->key_pem, local->cert_pem},
                 [self](std::optional<std::string> why) {
                   if (why)
                     spdlog::warn("the cluster CA was not journaled: {}", *why);
                   else
                     spdlog::info("the cluster CA is in the journal: every MDS can sign certificates at auth-node");
                 });
}

msg::mds_to_client_auth_salt handle_auth_challenge(self_ptr self, const msg::client_to_mds_auth_salt& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  return wire::make<p::MdsToClientAuthSalt>([&](auto b) {
    if (!req) return set_status(b.initStatus(), p::STATUS_BAD_REQUEST, req.error);
    if (std::string(req->getCluster().cStr()) != st.cluster)
      return set_status(b.initStatus(), p::STATUS_WRONG_CLUSTER,
                        "this MDS serves cluster '" + st.cluster + "', not '" + std::string(req->getCluster().cStr()) +
                            "'; check bs.list");
    if (refuse_unless_master(self, b)) return;
    const auto peer = peer_of(self, req->getPeer().cStr());
    const auto now = steady_ns(self);
    if (auto why = st.join.refusal(peer, now)) {
      emit_once(self, "auth-node refused: " + *why);
      return set_status(b.initStatus(), p::STATUS_AUTH_FAILED, *why);
    }
    auto challenge = persistence::random_bytes(persistence::join_nonce_bytes);
    st.join.issue(peer, challenge, now);
    set_status(b.initStatus(), p::STATUS_OK, "");
    b.setSalt(as_data(st.auth.salt));
    b.setIterations(st.auth.iterations);
    b.setChallenge(as_data(challenge));
  });
}

msg::mds_to_client_auth_node handle_auth_node(self_ptr self, const msg::client_to_mds_auth_node& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  return wire::make<p::MdsToClientAuthNode>([&](auto b) {
    if (!req) return set_status(b.initStatus(), p::STATUS_BAD_REQUEST, req.error);
    const std::string host = req->getHost().cStr();
    if (req->getCredentials().getDigest().size() > 0)
      return set_status(b.initStatus(), p::STATUS_BAD_REQUEST,
                        "this auth-node sends the password digest itself, which is no longer accepted; use a "
                        "pstorage CLI of this version (challenge-response)");
    if (std::string(req->getCluster().cStr()) != st.cluster)
      return set_status(b.initStatus(), p::STATUS_WRONG_CLUSTER,
                        "this MDS serves cluster '" + st.cluster + "', not '" + std::string(req->getCluster().cStr()) +
                            "'; check bs.list");
    if (refuse_unless_master(self, b)) return;
    const auto peer = peer_of(self, req->getPeer().cStr());
    const auto now = steady_ns(self);
    if (auto why = st.join.refusal(peer, now)) {
      emit_once(self, "auth-node refused: " + *why);
      return set_status(b.initStatus(), p::STATUS_AUTH_FAILED, *why);
    }
    const auto challenge = bytes(req->getChallenge()), client_nonce = bytes(req->getClientNonce());
    const std::string public_key = req->getPublicKey().cStr();
    if (!st.join.take(peer, challenge, now)) {
      st.join.failed(peer, now);
      emit(self, "auth-node from " + peer + " (host '" + host + "') refused: unknown, expired or reused challenge");
      return set_status(b.initStatus(), p::STATUS_AUTH_FAILED,
                        "the challenge is unknown, expired or already used; run auth-node again");
    }
    const auto expected =
        persistence::join_client_proof(st.auth.digest, st.cluster, host, challenge, client_nonce, public_key);
    if (client_nonce.size() != persistence::join_nonce_bytes ||
        !persistence::digest_equal(expected, bytes(req->getProof()))) {
      st.join.failed(peer, now);
      emit(self, "auth-node from " + peer + " (host '" + host + "') refused: wrong password");
      return set_status(b.initStatus(), p::STATUS_AUTH_FAILED, "wrong password for cluster '" + st.cluster + "'");
    }
    auto ca = cluster_ca(self);
    if (!ca)
      return set_status(b.initStatus(), p::STATUS_IO_ERROR,
                        "MDS#" + std::to_string(st.self_id) +
                            " holds no cluster CA (a cluster made before certificates, or an MDS added without "
                            "encryption): see docs/security.md 'Keys and certificates'");
    std::string cert;
    try {
      // "HOSTNAME/HOST_ID": the certificate's CN names the host, its
      // serialNumber the host id (revoke-node; docs/security.md "Revocation").
      const auto jh = persistence::parse_join_host(host);
      if (auto why = revoked_host_refusal(self, jh.id))
        return set_status(b.initStatus(), p::STATUS_AUTH_FAILED, *why);
      cert = persistence::issue_node_certificate(*ca, public_key, st.cluster, jh.name, 3650, jh.id);
    } catch (const std::exception& e) {
      return set_status(b.initStatus(), p::STATUS_BAD_REQUEST, std::string("cannot certify that key: ") + e.what());
    }
    emit(self, "host '" + host + "' authenticated from " + peer + ": certificate issued");
    set_status(b.initStatus(), p::STATUS_OK, "");
    b.setCertificate(cert);
    b.setCaCertificate(ca->cert_pem);
    b.setProof(as_data(persistence::join_server_proof(st.auth.digest, challenge, client_nonce, cert, ca->cert_pem)));
  });
}

void add_ca_to_membership(self_ptr self, proto::MdsToClientMembership::Builder b) {
  if (!transport::encrypted(self->system())) return;  // never the CA key in clear
  if (journaled_ca(self)) return;  // the new MDS gets it from the journal
  if (auto ca = local_ca(self)) {
    b.setCaKey(ca->key_pem);
    b.setCaCertificate(ca->cert_pem);
  }
}

}  // namespace pstorage::mds_impl
