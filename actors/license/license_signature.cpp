#include "actors/license/license_signature.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace pstorage::license {

namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string to_hex(const unsigned char* p, size_t n, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::optional<std::string> from_hex32(const std::string& hex) {
  if (hex.size() != 64) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < 64; i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int a = nib(hex[i]), b = nib(hex[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
  }
  return out;
}

pkey_ptr private_key(const std::string& private_hex) {
  auto raw = from_hex32(private_hex);
  if (!raw) throw std::invalid_argument("the private key is not 64 hex digits");
  pkey_ptr k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char*>(raw->data()), raw->size()),
             EVP_PKEY_free);
  if (!k) throw std::invalid_argument("the private key is not an Ed25519 key");
  return k;
}

std::string raw_public(EVP_PKEY* k) {
  unsigned char buf[32];
  size_t len = sizeof buf;
  if (EVP_PKEY_get_raw_public_key(k, buf, &len) != 1 || len != 32) throw std::runtime_error("Ed25519: no public key");
  return to_hex(buf, len);
}

}  // namespace

key_pair generate_key_pair() {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                  EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    throw std::runtime_error("Ed25519 key generation failed");
  pkey_ptr k(raw, EVP_PKEY_free);
  unsigned char priv[32];
  size_t len = sizeof priv;
  if (EVP_PKEY_get_raw_private_key(k.get(), priv, &len) != 1) throw std::runtime_error("Ed25519: no private key");
  return {to_hex(priv, len), raw_public(k.get())};
}

std::optional<std::string> public_key_of(const std::string& private_hex) {
  try {
    return raw_public(private_key(private_hex).get());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string sign_body(const license_doc& doc, const std::string& private_hex) {
  auto k = private_key(private_hex);
  const std::string body = encode_body(doc);
  md_ctx_ptr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  size_t len = sizeof sig;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(body.data()), body.size()) != 1)
    throw std::runtime_error("Ed25519 signing failed");
  return base64_encode(std::string(reinterpret_cast<char*>(sig), len));
}

signed_license sign(const license_doc& doc, const std::string& private_hex) {
  return {doc, sign_body(doc, private_hex)};
}

bool signature_valid(const signed_license& l, const std::string& public_hex) {
  auto raw = from_hex32(public_hex);
  auto sig = base64_decode(l.signature);
  if (!raw || !sig || sig->size() != 64) return false;
  pkey_ptr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw->data()),
                                         raw->size()),
             EVP_PKEY_free);
  if (!k) return false;
  const std::string body = encode_body(l.doc);
  md_ctx_ptr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                          reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
}

std::string cluster_hwid(const std::string& cluster, const std::string& salt) {
  const std::string input = "pstorage-hwid-v1\n" + cluster + "\n" + salt;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  std::string hex = to_hex(digest, 16, true), out;
  for (size_t i = 0; i < hex.size(); i += 4) out += (i ? "." : "") + hex.substr(i, 4);
  return out;
}

bool valid_hwid(const std::string& s) {
  if (s.size() != 39) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i % 5 == 4) {
      if (c != '.') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace pstorage::license
