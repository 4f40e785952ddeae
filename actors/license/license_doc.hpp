// license_doc.hpp — the Parallels Cloud Storage license document: the
// guide's fields ("Viewing the License Contents"), its canonical signed
// text, and the one-line key form `load-license -p` takes. Pure: no clock,
// no I/O; signatures are checked by license_signature.hpp.
//
// The file form (what `pstorage-license-tool issue` writes and
// `load-license -f` reads) is the guide's `PCSSTOR` block, one name=value a
// line, plus the cluster it is bound to and the signature:
//
//   PCSSTOR
//           hwid="3F96.DFF2.EAF6.CE86.DD49.786C.DC01.3D53"
//           version=1.0
//           start="01/01/2024 00:00:00"
//           expiration="08/24/2026 19:59:59"
//           graceperiod=3600
//           key_number="PCSS.00000001.0001"
//           platform="Linux"
//           product="PCSS"
//           gracecapacity=5
//           autorecovery=1
//           autorebalance=1
//           snapshots=1
//           capacity=500
//           replicas=5
//   signature=<base64 of the Ed25519 signature of the canonical body>
//
// Times are UTC in the guide's "MM/DD/YYYY HH:MM:SS" form. `capacity` is in
// GB (10^9 bytes); a fraction with up to three decimals is accepted
// (capacity=0.05) so small test clusters can reach the limit. The canonical
// body is exactly what encode_body() returns: the lines above without the
// signature, in this order, each "\t" + name=value + "\n". parse() rebuilds
// it from the parsed fields, so an edited field fails the signature check
// whatever the spacing. The guide's `status=` is not in the document: it is
// the checker's verdict (license_checker.hpp), shown by view-license.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pstorage::license {

struct license_doc {
  std::string hwid;             // the cluster it is bound to (hwid.hpp)
  std::string version = "1.0";  // "Version of Parallels Cloud Storage for which the license was issued"
  int64_t start = 0;            // seconds since the epoch, UTC: not valid before
  int64_t expiration = 0;       // seconds since the epoch, UTC: valid up to and including this second
  int64_t graceperiod = 0;      // seconds the cluster keeps working after expiration
  std::string key_number;       // PCSS.XXXXXXXX.XXXX
  std::string platform = "Linux";
  std::string product = "PCSS";
  uint32_t gracecapacity = 0;   // percent of capacity data chunks may use above it
  bool autorecovery = true;
  bool autorebalance = true;
  bool snapshots = true;
  uint64_t capacity_mb = 0;     // `capacity` in GB x 1000 (MB of 10^6 bytes)
  uint32_t replicas = 3;        // the maximum replicas a chunk may have
  bool operator==(const license_doc&) const = default;

  uint64_t capacity_bytes() const { return capacity_mb * 1000000ull; }
};

// A document with its signature (base64 text, as in the file).
struct signed_license {
  license_doc doc;
  std::string signature;
  bool operator==(const signed_license&) const = default;
};

// The signed bytes: "PCSSTOR\n" and one "\tname=value\n" per field.
std::string encode_body(const license_doc& d);
// The file form: encode_body() + "signature=...\n".
std::string encode_file(const signed_license& l);
// Reads the file form (or the key form, see below). Blank lines and
// surrounding spaces are ignored; any unknown, missing, repeated or
// malformed field is an error naming it (`*error`).
std::optional<signed_license> parse_license(const std::string& text, std::string* error);

// The key form for `load-license -p KEY`: "PCSSKEY-" + base64url of the
// file form, one line without padding.
std::string encode_key(const signed_license& l);
bool looks_like_key(const std::string& text);

// Field syntax, exposed for tests and the tool.
bool valid_key_number(const std::string& s);  // PCSS.XXXXXXXX.XXXX, X = digit or A-Z
std::string format_time(int64_t unix_s);      // "MM/DD/YYYY HH:MM:SS" UTC
std::optional<int64_t> parse_time(const std::string& s);
// capacity_mb as the guide's GB number: "500", "0.05".
std::string format_capacity_gb(uint64_t capacity_mb);
std::optional<uint64_t> parse_capacity_gb(const std::string& s);

// base64 (standard alphabet, with padding), shared with the signature code.
std::string base64_encode(const std::string& bytes);
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace pstorage::license
