// mds_license_fixture.hpp — the MDS data path (mds_files_fixture.hpp) with
// a vendor key, for actor tests of what the license enforces there
// (mds_license_alloc_test, mds_license_repair_test; docs/licensing.md).
#pragma once

#include "actors/license/license_signature.hpp"
#include "mds_files_fixture.hpp"

#include <cstdlib>

namespace {

const license::key_pair& vendor() {
  static const license::key_pair k = license::generate_key_pair();
  return k;
}

// A license for the fixture's cluster: `capacity_mb` MB (10^6 bytes), no
// grace capacity, valid from the epoch to `expiration` (seconds; the
// fixture's wall clock starts at 1000 s) with a grace period of 60 s,
// replicas up to 3, the two feature flags given.
std::string license_text(uint64_t capacity_mb, bool autorecovery = true, bool autorebalance = true,
                         int64_t expiration = 4'000'000'000) {
  license::license_doc d;
  d.hwid = license::cluster_hwid("sim", "salt");
  d.start = 0;
  d.expiration = expiration;
  d.graceperiod = 60;
  d.key_number = "PCSS.00000005.0001";
  d.capacity_mb = capacity_mb;
  d.replicas = 3;
  d.autorecovery = autorecovery;
  d.autorebalance = autorebalance;
  return license::encode_file(license::sign(d, vendor().private_hex));
}

// The MDS takes the vendor key from its environment (vendor_key.hpp), set
// before the base fixture spawns it.
struct vendor_key_env {
  vendor_key_env() { ::setenv("PSTORAGE_LICENSE_PUBLIC_KEY", vendor().public_hex.c_str(), 1); }
  ~vendor_key_env() { ::unsetenv("PSTORAGE_LICENSE_PUBLIC_KEY"); }
};

struct licensed_fixture : vendor_key_env, fixture {
  // load-license; the status code.
  uint32_t load(const std::string& text) {
    auto r = ask<msg::mds_to_client_license>(wire::make<p::ClientToMdsLicense>([&](auto b) {
      creds(b.initCredentials(), auth.digest);
      b.setLoad(text);
    }));
    return wire::decode(r)->getStatus().getCode();
  }
  // set-config NAME=VALUE...; the status code.
  uint32_t set_config(std::vector<std::string> set) {
    auto r = ask<msg::mds_to_client_config>(wire::make<p::ClientToMdsConfig>([&](auto b) {
      creds(b.initCredentials(), auth.digest);
      auto s = b.initSet(static_cast<unsigned>(set.size()));
      for (unsigned i = 0; i < set.size(); ++i) s.set(i, set[i]);
      b.initGet(0);
    }));
    return wire::decode(r)->getStatus().getCode();
  }
  // Runs every actor for `d` of virtual time, in steps of 250 ms.
  void advance(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 250ms) {
      sched.advance_time(250ms);
      sched.run();
    }
  }
};

}  // namespace
