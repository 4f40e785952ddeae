// auth_wire.cpp — see auth_wire.hpp.
#include "frontends/common/auth_wire.hpp"

#include <stdexcept>

namespace pstorage::frontend::auth_wire {

namespace p = proto;
using nlohmann::json;

namespace {
kj::ArrayPtr<const kj::byte> as_data(const std::string& s) {
  return kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}
std::string bytes(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }
std::string text(const json& j, const char* key) {
  auto i = j.find(key);
  if (i == j.end() || !i->is_string()) throw std::invalid_argument(std::string("missing text field '") + key + "'");
  return i->get<std::string>();
}
template <class Reader>
json status_fields(Reader s) {
  return {{"status", s.getCode()}, {"message", s.getMessage().cStr()}, {"master", s.getMasterAddress().cStr()}};
}
}  // namespace

std::string hex(const std::string& b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string unhex(const std::string& t) {
  if (t.size() % 2) throw std::invalid_argument("odd-length hex");
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not hex");
  };
  std::string out;
  for (size_t i = 0; i < t.size(); i += 2) out += static_cast<char>(v(t[i]) * 16 + v(t[i + 1]));
  return out;
}

msg::client_to_mds_auth_salt challenge_request(const json& body, const std::string& peer) {
  auto cluster = text(body, "cluster");
  return wire::make<p::ClientToMdsAuthSalt>([&](auto b) {
    b.setCluster(cluster);
    b.setPeer(peer);
  });
}

json challenge_answer(const msg::mds_to_client_auth_salt& a) {
  auto d = wire::decode(a);
  if (!d) return {{"status", p::STATUS_BAD_REQUEST}, {"message", d.error}};
  auto j = status_fields(d->getStatus());
  j["salt"] = hex(bytes(d->getSalt()));
  j["iterations"] = d->getIterations();
  j["challenge"] = hex(bytes(d->getChallenge()));
  return j;
}

msg::client_to_mds_auth_node node_request(const json& body, const std::string& peer) {
  auto cluster = text(body, "cluster"), host = text(body, "host"), key = text(body, "public_key");
  auto challenge = unhex(text(body, "challenge")), nonce = unhex(text(body, "client_nonce")),
       proof = unhex(text(body, "proof"));
  return wire::make<p::ClientToMdsAuthNode>([&](auto b) {
    b.setCluster(cluster);
    b.setHost(host);
    b.setPeer(peer);
    b.setChallenge(as_data(challenge));
    b.setClientNonce(as_data(nonce));
    b.setPublicKey(key);
    b.setProof(as_data(proof));
  });
}

json node_answer(const msg::mds_to_client_auth_node& a) {
  auto d = wire::decode(a);
  if (!d) return {{"status", p::STATUS_BAD_REQUEST}, {"message", d.error}};
  auto j = status_fields(d->getStatus());
  j["certificate"] = d->getCertificate().cStr();
  j["ca_certificate"] = d->getCaCertificate().cStr();
  j["proof"] = hex(bytes(d->getProof()));
  return j;
}

challenge parse_challenge(const json& j) {
  challenge c;
  c.status = j.value("status", 0u);
  c.message = j.value("message", "");
  c.master = j.value("master", "");
  if (c.status == 0) {
    c.salt = unhex(text(j, "salt"));
    c.challenge_bytes = unhex(text(j, "challenge"));
    c.iterations = j.value("iterations", 0u);
  }
  return c;
}

issued parse_issued(const json& j) {
  issued i;
  i.status = j.value("status", 0u);
  i.message = j.value("message", "");
  i.master = j.value("master", "");
  if (i.status == 0) {
    i.certificate = text(j, "certificate");
    i.ca_certificate = text(j, "ca_certificate");
    i.proof = unhex(text(j, "proof"));
  }
  return i;
}

}  // namespace pstorage::frontend::auth_wire
