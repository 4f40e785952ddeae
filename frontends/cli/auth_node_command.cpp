// auth_node_command.cpp — `pstorage -c NAME auth-node` (guide "Password-based
// Authentication"; issue 14, docs/security.md "auth-node"). The host proves
// the password by challenge-response over the master's HTTP port (it has no
// certificate yet, so no TLS connection to the MDS actor), makes a key pair,
// and gets its certificate signed by the cluster CA. It writes nothing until
// the master has proved that it knows the password too and the certificate
// checks out against the CA it sent; then auth_digest.key, node.key,
// node.crt and ca.crt (mode 0600, persistence/node_tls.hpp).
#include <httplib.h>

#include <chrono>
#include <deque>
#include <iostream>
#include <thread>

#include "actors/common/mds_locator_policy.hpp"
#include "frontends/cli/commands.hpp"
#include "frontends/common/auth_wire.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/discovery_rules.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "frontends/common/password.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/auth_join.hpp"
#include "persistence/cluster_ca.hpp"
#include "persistence/file_util.hpp"
#include "persistence/node_tls.hpp"

namespace pstorage::cli {

namespace {

struct auth_refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// POST to the MDS's HTTP port (MDS port + 2); throws with the cause.
nlohmann::json post(const endpoint& mds, const std::string& path, const nlohmann::json& body) {
  const auto e = mds_locate::mds_address(mds);
  const uint16_t port = static_cast<uint16_t>(e.port + 2);
  httplib::Client cli(e.host, port);
  cli.set_connection_timeout(3, 0);
  cli.set_read_timeout(15, 0);
  auto res = cli.Post(path, body.dump(), "application/json");
  const auto where = "http://" + e.host + ":" + std::to_string(port) + path;
  if (!res) throw std::runtime_error(where + ": " + httplib::to_string(res.error()));
  try {
    return nlohmann::json::parse(res->body);
  } catch (const std::exception&) {
    throw std::runtime_error(where + ": HTTP " + std::to_string(res->status) + " without a JSON answer");
  }
}

}  // namespace

int auth_node(const global_options& g, const std::optional<std::string>& password_file) {
  try {
    if (g.cluster.empty()) throw std::runtime_error("no cluster given; use -c NAME");
    if (auto e = persistence::validate_cluster_name(g.cluster)) throw std::runtime_error(*e);
    auto host = g.host();
    const auto addrs = frontend::require_mds_addresses(host, g.cluster);
    auto password = frontend::read_password("Please enter password for cluster: ", password_file, false);
    // "HOSTNAME/HOST_ID" (persistence/auth_join.hpp): the certificate names
    // this host's id, which revoke-node refers to (docs/security.md "Revocation").
    // The id is written only once the master accepted the password (a wrong
    // password writes nothing: tls_cluster.sh).
    const auto stored_id = host.stored_host_id();
    const auto host_id = stored_id ? *stored_id : persistence::host_config::new_host_id();
    const auto host_name = persistence::join_host_field({frontend::local_host_name(), host_id});
    const auto key = persistence::make_node_key();  // cert_pem: the public key
    const auto client_nonce = persistence::random_bytes(persistence::join_nonce_bytes);

    // The master answers; a follower names it; with none elected yet, wait.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::deque<endpoint> todo(addrs.begin(), addrs.end());
    std::string tried;
    while (true) {
      if (todo.empty()) {
        if (std::chrono::steady_clock::now() >= deadline)
          throw std::runtime_error("no master MDS of cluster '" + g.cluster + "' answered auth-node; tried:" + tried +
                                   "\nIs pstorage-mdsd running on a majority of the MDS servers?");
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        todo.assign(addrs.begin(), addrs.end());
      }
      const auto mds = todo.front();
      todo.pop_front();
      auto redirect = [&](const std::string& master, const std::string& message) {
        tried += "\n  " + mds.to_string() + ": " + message;
        std::string err;
        if (auto m = parse_endpoint(master, &err); m && !master.empty()) todo.push_front(*m);
      };
      try {
        auto c = frontend::auth_wire::parse_challenge(
            post(mds, frontend::auth_wire::challenge_path, {{"cluster", g.cluster}}));
        if (c.status == proto::STATUS_NOT_MASTER) {
          redirect(c.master, c.message);
          continue;
        }
        if (c.status == proto::STATUS_AUTH_FAILED || c.status == proto::STATUS_WRONG_CLUSTER)
          throw auth_refused(c.message);
        if (c.status != proto::STATUS_OK) throw std::runtime_error(c.message);
        const auto digest = persistence::derive_digest(password, c.salt, c.iterations);
        const auto proof = persistence::join_client_proof(digest, g.cluster, host_name, c.challenge_bytes,
                                                          client_nonce, key.cert_pem);
        auto i = frontend::auth_wire::parse_issued(post(mds, frontend::auth_wire::node_path,
                                                        {{"cluster", g.cluster},
                                                         {"host", host_name},
                                                         {"challenge", frontend::auth_wire::hex(c.challenge_bytes)},
                                                         {"client_nonce", frontend::auth_wire::hex(client_nonce)},
                                                         {"public_key", key.cert_pem},
                                                         {"proof", frontend::auth_wire::hex(proof)}}));
        if (i.status == proto::STATUS_NOT_MASTER) {
          redirect(i.master, i.message);
          continue;
        }
        if (i.status == proto::STATUS_AUTH_FAILED) throw auth_refused(i.message);
        if (i.status != proto::STATUS_OK) throw std::runtime_error(i.message);
        // The master proves the password too, over what it returns: only
        // then is its CA trusted and anything written.
        if (!persistence::digest_equal(
                persistence::join_server_proof(digest, c.challenge_bytes, client_nonce, i.certificate,
                                               i.ca_certificate),
                i.proof))
          throw auth_refused("the MDS at " + mds.to_string() +
                             " did not prove that it knows the cluster password; nothing was written");
        std::string why;
        if (!persistence::verify_certificate(i.ca_certificate, i.certificate, &why) ||
            !persistence::certificate_matches_key(i.certificate, key.key_pem))
          throw auth_refused("the certificate the master issued does not check out (" + why +
                             "); nothing was written");
        persistence::auth_digest d;
        d.cluster = g.cluster;
        d.salt = c.salt;
        d.iterations = c.iterations;
        d.digest = digest;
        persistence::write_node_tls(host, g.cluster, key.key_pem, i.certificate, i.ca_certificate);
        host.write_auth_key(g.cluster, d.serialize());
        if (!stored_id) host.write_host_id(host_id);
        std::cout << "Host authenticated in cluster '" << g.cluster << "' (certificate '"
                  << persistence::certificate_subject_cn(i.certificate) << "' in "
                  << host.cluster_dir(g.cluster).string() << ")\n";
        return 0;
      } catch (const auth_refused&) {
        throw;
      } catch (const std::exception& e) {
        tried += "\n  " + mds.to_string() + ": " + e.what();
        if (std::chrono::steady_clock::now() >= deadline) todo.clear();
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "pstorage: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace pstorage::cli
