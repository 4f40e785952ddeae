// The license document, its Ed25519 signature, the cluster HWID and the
// checker's decision (actors/license/): every status and boundary of
// license_checker.hpp's table, with crafted licenses.
#include <doctest/doctest.h>

#include "actors/license/license_checker.hpp"
#include "actors/license/license_doc.hpp"
#include "actors/license/license_signature.hpp"
#include "actors/license/usage_ledger.hpp"
#include "actors/license/vendor_key.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace pstorage::license;

namespace {

const key_pair& vendor() {
  static const key_pair k = generate_key_pair();
  return k;
}

const std::string salt = std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
const std::string hwid = cluster_hwid("pcs1", salt);

const int64_t t0 = *parse_time("01/01/2025 00:00:00");
const uint64_t gb = 1000000000ull;

license_doc doc() {
  license_doc d;
  d.hwid = hwid;
  d.start = t0;
  d.expiration = t0 + 30 * 86400;
  d.graceperiod = 3600;
  d.key_number = "PCSS.00000001.0001";
  d.gracecapacity = 5;
  d.capacity_mb = 500 * 1000;  // 500 GB
  d.replicas = 5;
  return d;
}

license_verdict check(const signed_license& l, int64_t now, uint64_t used = 0, int64_t floor = 0, bool installed = true) {
  checker_input in;
  in.license = &l;
  in.installed = installed;
  in.cluster_hwid = hwid;
  in.vendor_public_key = vendor().public_hex;
  in.now = now;
  in.clock_floor = floor;
  in.used_bytes = used;
  return evaluate(in);
}

}  // namespace

TEST_CASE("the HWID has the guide's form, is stable and differs between clusters") {
  CHECK(valid_hwid(hwid));
  CHECK(hwid.size() == 39);
  CHECK(cluster_hwid("pcs1", salt) == hwid);
  CHECK(cluster_hwid("pcs2", salt) != hwid);
  CHECK(cluster_hwid("pcs1", salt + "x") != hwid);
  CHECK_FALSE(valid_hwid("3F96.DFF2.EAF6.CE86.DD49.786C.DC01"));
  CHECK_FALSE(valid_hwid("3f96.DFF2.EAF6.CE86.DD49.786C.DC01.3D53"));
}

TEST_CASE("times use the guide's MM/DD/YYYY HH:MM:SS in UTC") {
  CHECK(format_time(0) == "01/01/1970 00:00:00");
  CHECK(parse_time("08/24/2012 19:59:59") == 1345838399);
  CHECK_FALSE(parse_time("02/31/2024 00:00:00"));
  CHECK_FALSE(parse_time("2024-01-01 00:00:00"));
  CHECK_FALSE(parse_time("08/24/2012 19:59:59x"));
}

TEST_CASE("capacity is in GB with up to three decimals") {
  CHECK(parse_capacity_gb("500") == 500000u);
  CHECK(parse_capacity_gb("0.05") == 50u);
  CHECK(parse_capacity_gb("1.5") == 1500u);
  CHECK_FALSE(parse_capacity_gb("0.0001"));
  CHECK_FALSE(parse_capacity_gb("-1"));
  CHECK_FALSE(parse_capacity_gb("1."));
  CHECK(format_capacity_gb(50) == "0.05");
  CHECK(format_capacity_gb(500000) == "500");
  CHECK(capacity_text(500 * gb) == "500 GB");
  CHECK(capacity_text(1500 * gb) == "1.5 TB");
  CHECK(capacity_text(52'428'800'000) == "52.43 GB");
  CHECK(capacity_text(11 << 20) == "11.53 MB");  // was "0.0115343 GB"
  CHECK(capacity_text(10 * 1000 * 1000) == "10 MB");
}

TEST_CASE("key numbers are PCSS.XXXXXXXX.XXXX") {
  CHECK(valid_key_number("PCSS.00000001.0001"));
  CHECK(valid_key_number("PCSS.ABCDEF12.Z9Z9"));
  CHECK_FALSE(valid_key_number("PCSS.0000001.0001"));
  CHECK_FALSE(valid_key_number("PCSX.00000001.0001"));
  CHECK_FALSE(valid_key_number("PCSS.0000000a.0001"));
}

TEST_CASE("file and key forms round-trip, and the body is the guide's PCSSTOR block") {
  auto l = sign(doc(), vendor().private_hex);
  auto body = encode_body(l.doc);
  CHECK(body.rfind("PCSSTOR\n\thwid=\"" + hwid + "\"\n\tversion=1.0\n", 0) == 0);
  CHECK(body.find("\tkey_number=\"PCSS.00000001.0001\"\n") != std::string::npos);
  CHECK(body.find("\tcapacity=500\n\treplicas=5\n") != std::string::npos);
  std::string err;
  auto back = parse_license(encode_file(l), &err);
  REQUIRE_MESSAGE(back, err);
  CHECK(*back == l);
  auto from_key = parse_license(encode_key(l), &err);
  REQUIRE_MESSAGE(from_key, err);
  CHECK(*from_key == l);
  CHECK(encode_key(l).find('\n') == std::string::npos);
  CHECK(signature_valid(*back, vendor().public_hex));
}

TEST_CASE("malformed documents are refused naming the field") {
  auto file = encode_file(sign(doc(), vendor().private_hex));
  std::string err;
  CHECK_FALSE(parse_license("hello", &err));
  CHECK(err.find("PCSSTOR") != std::string::npos);
  auto without = [&](const std::string& field) {
    std::string f = file;
    auto at = f.find("\n\t" + field + "=");
    if (at == std::string::npos) at = f.find("\n" + field + "=");
    REQUIRE(at != std::string::npos);
    ++at;
    f.erase(at, f.find('\n', at) - at + 1);
    return f;
  };
  CHECK_FALSE(parse_license(without("capacity"), &err));
  CHECK(err == "license field 'capacity' is missing");
  CHECK_FALSE(parse_license(without("signature"), &err));
  CHECK_FALSE(parse_license(file + "\tbogus=1\n", &err));
  CHECK(err == "unknown license field 'bogus'");
  std::string bad_key = file;
  bad_key.replace(bad_key.find("PCSS.00000001.0001"), 18, "PCSS.1.1");
  CHECK_FALSE(parse_license(bad_key, &err));
  CHECK(err.find("key_number") != std::string::npos);
}

TEST_CASE("no license: evaluation mode, 100 GB of logical space") {
  checker_input in;
  in.cluster_hwid = hwid;
  auto v = evaluate(in);
  CHECK(v.status == license_status::none);
  CHECK(v.limits.capacity_bytes == 100 * gb);
  CHECK_FALSE(allocation_refusal(v, "", 100 * gb - 64, 64));
  auto refusal = allocation_refusal(v, "", 100 * gb - 64, 65);
  REQUIRE(refusal);
  CHECK(refusal->find("evaluation mode") != std::string::npos);
  CHECK_FALSE(replicas_refusal(v, "", 15));
}

TEST_CASE("ACTIVE installed, VALID before installing") {
  auto l = sign(doc(), vendor().private_hex);
  auto v = check(l, t0 + 10);
  CHECK(v.status == license_status::active);
  CHECK(v.reason.empty());
  CHECK(v.limits.capacity_bytes == 500 * gb);
  CHECK(v.limits.allocatable_bytes == 525 * gb);
  CHECK(v.limits.replicas_max == 5);
  CHECK(check(l, t0 + 10, 0, 0, false).status == license_status::valid);
}

TEST_CASE("expiry: ACTIVE through the expiration second, GRACED through the grace end, then EXPIRED") {
  auto l = sign(doc(), vendor().private_hex);
  const int64_t exp = l.doc.expiration;
  CHECK(check(l, exp).status == license_status::active);
  CHECK(check(l, exp + 1).status == license_status::graced);
  CHECK(check(l, exp + 3600).status == license_status::graced);  // exactly at the grace end
  auto expired = check(l, exp + 3601);
  CHECK(expired.status == license_status::expired);
  CHECK(expired.limits.allocatable_bytes == 0);
  CHECK(expired.reason.find("expired on") != std::string::npos);
  auto refusal = allocation_refusal(expired, l.doc.key_number, 0, 1);
  REQUIRE(refusal);
  CHECK(refusal->find("license PCSS.00000001.0001 is EXPIRED") != std::string::npos);
  CHECK(check(l, exp + 3600).limits.allocatable_bytes == 525 * gb);  // graced by time keeps the grace capacity
}

TEST_CASE("clock set back: an expired license stays expired") {
  auto l = sign(doc(), vendor().private_hex);
  const int64_t later = l.doc.expiration + 7200;
  CHECK(check(l, t0 + 5, 0, later).status == license_status::expired);
  CHECK(check(l, t0 + 5, 0, t0 + 6).status == license_status::active);
}

TEST_CASE("capacity: exactly at the limit is ACTIVE, above it GRACED, allocation up to the grace capacity") {
  auto l = sign(doc(), vendor().private_hex);
  CHECK(check(l, t0, 500 * gb).status == license_status::active);
  auto graced = check(l, t0, 500 * gb + 1);
  CHECK(graced.status == license_status::graced);
  CHECK(graced.reason.find("above the licensed 500 GB") != std::string::npos);
  CHECK_FALSE(allocation_refusal(graced, l.doc.key_number, 525 * gb - 10, 10));  // exactly at capacity + grace
  auto refusal = allocation_refusal(graced, l.doc.key_number, 525 * gb - 10, 11);
  REQUIRE(refusal);
  CHECK(refusal->find("is GRACED and data chunks use") != std::string::npos);
  auto no_grace_doc = doc();
  no_grace_doc.gracecapacity = 0;
  auto strict = check(sign(no_grace_doc, vendor().private_hex), t0, 0);
  CHECK_FALSE(allocation_refusal(strict, "k", 500 * gb - 1, 1));
  CHECK(allocation_refusal(strict, "k", 500 * gb, 1));
}

TEST_CASE("INVALID: future start, wrong HWID (another cluster's license), tampered or foreign signature") {
  auto l = sign(doc(), vendor().private_hex);
  auto future = check(l, t0 - 1);
  CHECK(future.status == license_status::invalid);
  CHECK(future.reason.find("is in the future") != std::string::npos);
  CHECK(future.limits.allocatable_bytes == 0);
  CHECK(check(l, t0).status == license_status::active);  // the start second itself

  auto other = doc();
  other.hwid = cluster_hwid("pcs2", salt);
  auto v = check(sign(other, vendor().private_hex), t0 + 1);
  CHECK(v.status == license_status::invalid);
  CHECK(v.reason.find("issued for the cluster with HWID " + other.hwid) != std::string::npos);

  auto tampered = l;
  tampered.doc.capacity_mb *= 10;
  CHECK(check(tampered, t0 + 1).status == license_status::invalid);
  CHECK(check(tampered, t0 + 1).reason.find("signature") != std::string::npos);
  std::string err;
  auto edited_text = encode_file(l);
  edited_text.replace(edited_text.find("replicas=5"), 10, "replicas=9");
  auto edited = parse_license(edited_text, &err);
  REQUIRE(edited);
  CHECK(check(*edited, t0 + 1).status == license_status::invalid);

  auto foreign = sign(doc(), generate_key_pair().private_hex);
  CHECK(check(foreign, t0 + 1).status == license_status::invalid);
  checker_input keyless;
  keyless.license = &l;
  keyless.cluster_hwid = hwid;
  keyless.now = t0 + 1;
  auto no_key = evaluate(keyless);  // an MDS started without the vendor key
  CHECK(no_key.status == license_status::invalid);
  CHECK(no_key.reason.find("no vendor key") != std::string::npos);
  auto garbage = l;
  garbage.signature = "not base64!";
  CHECK(check(garbage, t0 + 1).status == license_status::invalid);
}

TEST_CASE("replicas above the licensed maximum are refused with a clear message") {
  auto v = check(sign(doc(), vendor().private_hex), t0 + 1);
  CHECK_FALSE(replicas_refusal(v, "PCSS.00000001.0001", 5));
  auto r = replicas_refusal(v, "PCSS.00000001.0001", 6);
  REQUIRE(r);
  CHECK(*r == "replicas=6 exceeds the maximum of 5 replicas allowed by license PCSS.00000001.0001");
}

TEST_CASE("the expiry warning is due N days before expiration, only while ACTIVE") {
  auto l = sign(doc(), vendor().private_hex);
  const int64_t exp = l.doc.expiration;
  CHECK_FALSE(expiry_warning_due(check(l, exp - 7 * 86400 - 1), 7));
  CHECK(expiry_warning_due(check(l, exp - 7 * 86400), 7));
  CHECK_FALSE(expiry_warning_due(check(l, exp - 86400), 0));
  CHECK_FALSE(expiry_warning_due(check(l, exp + 1), 7));  // GRACED has its own event
  // Given once per key number and expiration: a renewal under the same key is warned about again.
  auto renewed = doc();
  renewed.expiration += 30 * 86400;
  CHECK(expiry_warning_id(l.doc) == expiry_warning_id(doc()));
  CHECK(expiry_warning_id(renewed) != expiry_warning_id(l.doc));
  // Days left rounded up: the first warning of warn_days=7 says 7, the last day 1 (not 6 and 0).
  CHECK(expiry_warning_text(l.doc, 7 * 86400 - 60).find(" UTC, in 7 days; update it with 'pstorage update-license'") !=
        std::string::npos);
  CHECK(expiry_warning_text(l.doc, 3600).find(" UTC, in 1 day; ") != std::string::npos);
  CHECK(expiry_warning_text(l.doc, 0).find(" UTC, in 1 day; ") != std::string::npos);
  CHECK(expiry_warning_text(l.doc, 0).rfind("License PCSS.00000001.0001 expires on " + format_time(exp), 0) == 0);
}

TEST_CASE("autorecovery and autorebalance follow the license flags") {
  auto d = doc();
  d.autorecovery = false;
  d.autorebalance = false;
  auto v = check(sign(d, vendor().private_hex), t0 + 1);
  CHECK_FALSE(v.limits.autorecovery);
  CHECK_FALSE(v.limits.autorebalance);
}

TEST_CASE("usage ledger: allocations in flight count until they finish, never zero times") {
  usage_ledger u;
  u.recount(10);
  u.reserve(4);
  u.reserve(4);
  CHECK(u.used() == 18);
  u.recount(10);  // md.db does not have the two in flight yet: they still count
  CHECK(u.used() == 18);
  u.finish(4, true);  // committed: data now
  CHECK(u.used() == 18);
  CHECK(u.in_flight() == 4);
  u.finish(4, false);  // abandoned: nothing added
  CHECK(u.used() == 14);
  u.recount(14);  // md.db has the committed chunk
  CHECK(u.used() == 14);
  u.finish(1, false);  // more finished than reserved: never below zero
  CHECK(u.in_flight() == 0);
}

TEST_CASE("the vendor key: environment, then the host setting, checked for form; none names every way") {
  char tmpl[] = "/tmp/pstorage-vendorkey-XXXXXX";
  const std::filesystem::path dir = mkdtemp(tmpl);
  ::setenv("PSTORAGE_CONFIG_DIR", dir.c_str(), 1);
  ::unsetenv("PSTORAGE_LICENSE_PUBLIC_KEY");
  CHECK(configured_vendor_key().hex.empty());  // the default build has none
  const auto msg = no_vendor_key_message();
  CHECK(msg.find("PSTORAGE_LICENSE_PUBLIC_KEY") != std::string::npos);
  CHECK(msg.find((dir / "license_public_key").string()) != std::string::npos);
  CHECK(msg.find("-DPSTORAGE_LICENSE_PUBLIC_KEY") != std::string::npos);
  {
    std::ofstream f(dir / "license_public_key");
    f << "# vendor key\n" << vendor().public_hex << "\n";
  }
  auto k = configured_vendor_key();
  CHECK(k.hex == vendor().public_hex);
  CHECK(k.origin == (dir / "license_public_key").string());
  ::setenv("PSTORAGE_LICENSE_PUBLIC_KEY", "00ff", 1);
  k = configured_vendor_key();
  CHECK(k.hex == "00ff");
  CHECK(k.origin == "PSTORAGE_LICENSE_PUBLIC_KEY");
  CHECK(vendor_key_problem("00ff")->find("not the 64 hex digits") != std::string::npos);
  CHECK(vendor_key_problem(std::string(63, 'a') + "g"));
  CHECK_FALSE(vendor_key_problem(vendor().public_hex));
  ::unsetenv("PSTORAGE_LICENSE_PUBLIC_KEY");
  ::unsetenv("PSTORAGE_CONFIG_DIR");
  std::filesystem::remove_all(dir);
}
