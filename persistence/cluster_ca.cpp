// cluster_ca.cpp — see cluster_ca.hpp. OpenSSL 3 C API.
#include "persistence/cluster_ca.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace pstorage::persistence {

namespace {

template <class T, void (*F)(T*)>
struct deleter {
  void operator()(T* p) const { F(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using store_ptr = std::unique_ptr<X509_STORE, deleter<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

[[noreturn]] void fail(const std::string& what) {
  std::string msg = what;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += std::string(": ") + buf;
  }
  throw std::runtime_error(msg);
}

pkey_ptr new_ec_key() {
  pkey_ptr k{EVP_EC_gen("P-256")};
  if (!k) fail("cannot generate an EC P-256 key");
  return k;
}

bio_ptr mem_bio(const std::string& s) {
  bio_ptr b{BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))};
  if (!b) fail("BIO_new_mem_buf");
  return b;
}

std::string bio_text(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string private_pem(EVP_PKEY* k) {
  bio_ptr b{BIO_new(BIO_s_mem())};
  if (!PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr)) fail("cannot write a key");
  return bio_text(b.get());
}

std::string public_pem(EVP_PKEY* k) {
  bio_ptr b{BIO_new(BIO_s_mem())};
  if (!PEM_write_bio_PUBKEY(b.get(), k)) fail("cannot write a public key");
  return bio_text(b.get());
}

std::string cert_pem(X509* c) {
  bio_ptr b{BIO_new(BIO_s_mem())};
  if (!PEM_write_bio_X509(b.get(), c)) fail("cannot write a certificate");
  return bio_text(b.get());
}

pkey_ptr read_private(const std::string& pem) {
  auto b = mem_bio(pem);
  pkey_ptr k{PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr)};
  if (!k) fail("cannot read a private key");
  return k;
}

pkey_ptr read_public(const std::string& pem) {
  auto b = mem_bio(pem);
  pkey_ptr k{PEM_read_bio_PUBKEY(b.get(), nullptr, nullptr, nullptr)};
  if (!k) fail("cannot read a public key");
  return k;
}

x509_ptr read_cert(const std::string& pem) {
  auto b = mem_bio(pem);
  x509_ptr c{PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)};
  if (!c) fail("cannot read a certificate");
  return c;
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) fail("RAND_bytes");
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

void random_serial(X509* c) {
  BIGNUM* bn = BN_new();
  if (!bn || !BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)) fail("serial");
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
  BN_free(bn);
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) fail(std::string("certificate extension ") + OBJ_nid2sn(nid));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

x509_ptr new_cert(EVP_PKEY* subject_key, const std::string& cn, long days, const std::string& host_id = {}) {
  x509_ptr c{X509_new()};
  if (!c) fail("X509_new");
  X509_set_version(c.get(), 2);
  random_serial(c.get());
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);  // an hour of clock skew between hosts
  X509_gmtime_adj(X509_getm_notAfter(c.get()), days * 86400L);
  X509_set_pubkey(c.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("pstorage"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  if (!host_id.empty())  // the host id revocation names (actors/common/peer_revocation.hpp)
    X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(host_id.c_str()), -1, -1, 0);
  return c;
}

}  // namespace

key_and_cert make_cluster_ca(const std::string& cluster) {
  auto key = new_ec_key();
  auto cert = new_cert(key.get(), "pstorage cluster " + cluster + " CA " + random_hex(8), 20 * 365);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) fail("cannot sign the CA certificate");
  return {private_pem(key.get()), cert_pem(cert.get())};
}

key_and_cert make_node_key() {
  auto key = new_ec_key();
  return {private_pem(key.get()), public_pem(key.get())};
}

std::string public_key_of(const std::string& key_pem) { return public_pem(read_private(key_pem).get()); }

std::string issue_node_certificate(const key_and_cert& ca, const std::string& public_key_pem,
                                   const std::string& cluster, const std::string& host, int days,
                                   const std::string& host_id) {
  auto ca_key = read_private(ca.key_pem);
  auto ca_cert = read_cert(ca.cert_pem);
  auto subject = read_public(public_key_pem);
  auto cert = new_cert(subject.get(), "pstorage " + cluster + " node " + host, days, host_id);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  if (!X509_sign(cert.get(), ca_key.get(), EVP_sha256())) fail("cannot sign the node certificate");
  return cert_pem(cert.get());
}

bool verify_certificate(const std::string& ca_cert_pem, const std::string& cert_pem_text, std::string* why) {
  try {
    auto ca = read_cert(ca_cert_pem);
    auto cert = read_cert(cert_pem_text);
    store_ptr store{X509_STORE_new()};
    X509_STORE_add_cert(store.get(), ca.get());
    store_ctx_ptr ctx{X509_STORE_CTX_new()};
    X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
    if (X509_verify_cert(ctx.get()) == 1) return true;
    if (why) *why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    return false;
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return false;
  }
}

bool certificate_matches_key(const std::string& cert_pem_text, const std::string& key_pem) {
  try {
    auto cert = read_cert(cert_pem_text);
    auto key = read_private(key_pem);
    return X509_check_private_key(cert.get(), key.get()) == 1;
  } catch (const std::exception&) {
    return false;
  }
}

std::string certificate_subject_cn(const std::string& cert_pem_text) {
  try {
    auto cert = read_cert(cert_pem_text);
    char buf[256] = {0};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, buf, sizeof buf) < 0) return "";
    return buf;
  } catch (const std::exception&) {
    return "";
  }
}

std::string certificate_host_id(const std::string& cert_pem_text) {
  try {
    auto cert = read_cert(cert_pem_text);
    char buf[256] = {0};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_serialNumber, buf, sizeof buf) < 0) return "";
    return buf;
  } catch (const std::exception&) {
    return "";
  }
}

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &len))
    fail("HMAC-SHA256");
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace pstorage::persistence
