// node_tls.cpp — see node_tls.hpp.
#include "persistence/node_tls.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "persistence/cluster_ca.hpp"
#include "persistence/file_util.hpp"

namespace pstorage::persistence {

namespace fs = std::filesystem;

node_tls_paths node_tls_files(const host_config& host, const std::string& cluster) {
  auto d = host.cluster_dir(cluster);
  return {(d / "node.key").string(), (d / "node.crt").string(), (d / "ca.crt").string()};
}

void write_node_tls(const host_config& host, const std::string& cluster, const std::string& key_pem,
                    const std::string& cert_pem, const std::string& ca_pem) {
  fs::create_directories(host.cluster_dir(cluster));
  auto p = node_tls_files(host, cluster);
  write_file_atomic(p.key, key_pem, 0600);
  write_file_atomic(p.cert, cert_pem, 0600);
  write_file_atomic(p.ca, ca_pem, 0600);
}

namespace {
bool says_off(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b != std::string::npos && s.substr(b, e - b + 1) == "off";
}
}  // namespace

bool encryption_on(const host_config& host, const std::string& cluster) {
  if (const char* env = std::getenv("PSTORAGE_ENCRYPTION"); env && says_off(env)) return false;
  auto f = read_file(host.cluster_dir(cluster) / "encryption");
  return !(f && says_off(*f));
}

std::optional<node_tls_paths> require_node_tls(const host_config& host, const std::string& cluster) {
  if (!encryption_on(host, cluster)) return std::nullopt;
  auto p = node_tls_files(host, cluster);
  const std::string fix = "run 'pstorage -c " + cluster + " auth-node' on this host (encryption is on; " +
                          (host.cluster_dir(cluster) / "encryption").string() +
                          " containing 'off' turns it off on a trusted network, on every node)";
  auto key = read_file(p.key), cert = read_file(p.cert), ca = read_file(p.ca);
  for (auto [text, path] : {std::pair{&key, &p.key}, {&cert, &p.cert}, {&ca, &p.ca}})
    if (!*text) throw std::runtime_error("this host has no TLS credentials for cluster '" + cluster + "' (" + *path +
                                         " is missing): " + fix);
  if (!certificate_matches_key(*cert, *key))
    throw std::runtime_error(p.cert + " does not match " + p.key + ": " + fix);
  std::string why;
  if (!verify_certificate(*ca, *cert, &why))
    throw std::runtime_error(p.cert + " is not valid for the CA in " + p.ca + " (" + why + "): " + fix);
  return p;
}

}  // namespace pstorage::persistence
