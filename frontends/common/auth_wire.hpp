// auth_wire.hpp — `auth-node` over HTTP (issue 14, docs/security.md
// "auth-node"): a host without a certificate cannot open a TLS connection to
// the MDS actor, so pstorage-mdsd's HTTP port (PORT+2) carries the two
// steps as JSON and hands them to its MDS actor as the Cap'n Proto messages
// of client_mds.capnp (ClientToMdsAuthSalt / ClientToMdsAuthNode).
//   POST /auth-node/challenge {"cluster"}
//     -> {"status","message","master","salt","iterations","challenge"}
//   POST /auth-node {"cluster","host","challenge","client_nonce","public_key","proof"}
//     -> {"status","message","master","certificate","ca_certificate","proof"}
// Byte fields are hex. "status" is the protocol status code (0 ok); a
// non-master answers STATUS_NOT_MASTER with "master" (its MDS address).
// Both directions are here, so the field names exist once.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "protocol/messages.hpp"

namespace pstorage::frontend::auth_wire {

inline constexpr const char* challenge_path = "/auth-node/challenge";
inline constexpr const char* node_path = "/auth-node";
inline constexpr size_t max_body = 64 * 1024;

// Server side (pstorage-mdsd). Throw std::invalid_argument on a malformed body.
msg::client_to_mds_auth_salt challenge_request(const nlohmann::json& body, const std::string& peer);
nlohmann::json challenge_answer(const msg::mds_to_client_auth_salt& a);
msg::client_to_mds_auth_node node_request(const nlohmann::json& body, const std::string& peer);
nlohmann::json node_answer(const msg::mds_to_client_auth_node& a);

// Client side (pstorage auth-node): the decoded answers.
struct challenge {
  uint32_t status = 0;
  std::string message, master, salt, challenge_bytes;
  uint32_t iterations = 0;
};
challenge parse_challenge(const nlohmann::json& j);
struct issued {
  uint32_t status = 0;
  std::string message, master, certificate, ca_certificate, proof;
};
issued parse_issued(const nlohmann::json& j);

std::string hex(const std::string& bytes);
std::string unhex(const std::string& text);  // throws std::invalid_argument

}  // namespace pstorage::frontend::auth_wire
