// The cluster CA, node certificates, auth-node proofs and this host's TLS
// files (persistence/cluster_ca.hpp, auth_join.hpp, node_tls.hpp; issue 14).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "persistence/auth_digest.hpp"
#include "persistence/auth_join.hpp"
#include "persistence/cluster_ca.hpp"
#include "persistence/file_util.hpp"
#include "persistence/node_tls.hpp"

using namespace pstorage::persistence;
namespace fs = std::filesystem;

TEST_CASE("a node certificate verifies against its own cluster's CA only, even one of the same name") {
  auto ca = make_cluster_ca("pcs1");
  auto other = make_cluster_ca("pcs1");  // another cluster that picked the same name
  CHECK(certificate_subject_cn(ca.cert_pem).rfind("pstorage cluster pcs1 CA ", 0) == 0);
  CHECK(certificate_subject_cn(ca.cert_pem) != certificate_subject_cn(other.cert_pem));
  auto key = make_node_key();
  auto cert = issue_node_certificate(ca, key.cert_pem, "pcs1", "host1");
  CHECK(certificate_subject_cn(cert) == "pstorage pcs1 node host1");
  std::string why;
  CHECK(verify_certificate(ca.cert_pem, cert, &why));
  CHECK_FALSE(verify_certificate(other.cert_pem, cert, &why));
  CHECK(!why.empty());
  CHECK(certificate_matches_key(cert, key.key_pem));
  CHECK_FALSE(certificate_matches_key(cert, make_node_key().key_pem));
  CHECK(public_key_of(key.key_pem) == key.cert_pem);
  // a CA certificate is not a node certificate of itself, and garbage is refused
  CHECK_FALSE(verify_certificate(ca.cert_pem, "not a certificate", &why));
  CHECK_THROWS(issue_node_certificate(ca, "not a key", "pcs1", "h"));
}

TEST_CASE("auth-node proofs bind the password, the challenge, the nonce and the key") {
  auto salt = random_bytes(16);
  auto right = derive_digest("secret", salt, 1000), wrong = derive_digest("Secret", salt, 1000);
  auto ch = random_bytes(join_nonce_bytes), nonce = random_bytes(join_nonce_bytes);
  auto key = make_node_key().cert_pem;
  auto p = join_client_proof(right, "c", "h", ch, nonce, key);
  CHECK(p.size() == 32);
  CHECK(p == join_client_proof(right, "c", "h", ch, nonce, key));
  CHECK(p != join_client_proof(wrong, "c", "h", ch, nonce, key));
  CHECK(p != join_client_proof(right, "c", "h", random_bytes(join_nonce_bytes), nonce, key));
  CHECK(p != join_client_proof(right, "c", "h", ch, random_bytes(join_nonce_bytes), key));
  CHECK(p != join_client_proof(right, "c", "h", ch, nonce, make_node_key().cert_pem));
  CHECK(p != join_client_proof(right, "c", "h2", ch, nonce, key));
  // field boundaries matter: ("ab","c") and ("a","bc") differ
  CHECK(join_client_proof(right, "ab", "c", ch, nonce, key) != join_client_proof(right, "a", "bc", ch, nonce, key));
  // the server's proof is another function of the same secret
  auto s = join_server_proof(right, ch, nonce, "cert", "ca");
  CHECK(s != p);
  CHECK(s != join_server_proof(wrong, ch, nonce, "cert", "ca"));
  CHECK(s != join_server_proof(right, ch, nonce, "cert2", "ca"));
}

TEST_CASE("this host's TLS files: written 0600, checked, and 'encryption off' honoured") {
  auto root = fs::temp_directory_path() / ("pstorage-node-tls-" + to_hex(random_bytes(6)));
  host_config host(root);
  ::unsetenv("PSTORAGE_ENCRYPTION");
  CHECK(encryption_on(host, "c"));
  CHECK_THROWS_WITH(require_node_tls(host, "c"), doctest::Contains("auth-node"));
  auto ca = make_cluster_ca("c");
  auto key = make_node_key();
  write_node_tls(host, "c", key.key_pem, issue_node_certificate(ca, key.cert_pem, "c", "h"), ca.cert_pem);
  auto p = node_tls_files(host, "c");
  struct stat st{};
  REQUIRE(::stat(p.key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto got = require_node_tls(host, "c");
  REQUIRE(got);
  CHECK(got->cert == p.cert);
  // a certificate of another CA (same cluster name) in ca.crt: refused at start
  write_file_atomic(p.ca, make_cluster_ca("c").cert_pem, 0600);
  CHECK_THROWS_WITH(require_node_tls(host, "c"), doctest::Contains("not valid for the CA"));
  // encryption off: no credentials needed
  write_file_atomic(host.cluster_dir("c") / "encryption", "off\n", 0644);
  CHECK_FALSE(encryption_on(host, "c"));
  CHECK_FALSE(require_node_tls(host, "c"));
  fs::remove(host.cluster_dir("c") / "encryption");
  ::setenv("PSTORAGE_ENCRYPTION", "off", 1);
  CHECK_FALSE(require_node_tls(host, "c"));
  ::unsetenv("PSTORAGE_ENCRYPTION");
  fs::remove_all(root);
}

TEST_CASE("a node certificate names the host id revocation checks; the auth-node host field carries it") {
  auto ca = make_cluster_ca("pcs1");
  auto key = make_node_key();
  auto cert = issue_node_certificate(ca, key.cert_pem, "pcs1", "host1", 3650, "0123abcd4567");
  CHECK(certificate_subject_cn(cert) == "pstorage pcs1 node host1");
  CHECK(certificate_host_id(cert) == "0123abcd4567");
  CHECK(verify_certificate(ca.cert_pem, cert));
  CHECK(certificate_host_id(issue_node_certificate(ca, key.cert_pem, "pcs1", "host1")).empty());
  auto h = parse_join_host(join_host_field({"node-7.example", "beef"}));
  CHECK(h.name == "node-7.example");
  CHECK(h.id == "beef");
  auto old = parse_join_host("plainhost");  // an older CLI: no host id
  CHECK(old.name == "plainhost");
  CHECK(old.id.empty());
  CHECK(join_host_field({"h", ""}) == "h");
}
