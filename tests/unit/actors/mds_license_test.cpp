// The MDS's license checker (actors/mds/mds_license_actor.cpp) on CAF's test
// coordinator with virtual time and an injected wall clock: load-license
// checked and journaled, the status in stat, an event on every status change
// as the wall clock passes expiration and the grace period, the expiry
// warning, refusals that keep the installed license, and the license after
// a restart of the MDS on the same stores.
#include <caf/all.hpp>
#include <doctest/doctest.h>

#include "actors/common/node_config.hpp"
#include "actors/license/license_signature.hpp"
#include "actors/mds/mds_actor.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage;
using namespace std::chrono_literals;
namespace p = pstorage::proto;

namespace {

const license::key_pair& vendor() {
  static const license::key_pair k = license::generate_key_pair();
  return k;
}

constexpr int64_t t0 = 1'800'000'000;  // seconds since the epoch: "now" when the test starts

struct fixture {
  node_config cfg{node_config::mode::testing};
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<persistence::mds_store> store = std::make_shared<persistence::mds_store>(":memory:");
  std::shared_ptr<persistence::md_store> md = std::make_shared<persistence::md_store>(":memory:");
  std::shared_ptr<persistence::journal_store> journal = std::make_shared<persistence::journal_store>(":memory:");
  persistence::auth_digest auth;
  std::vector<std::string> events;
  int64_t wall_s = t0;
  mds_deps deps;
  mds_api mds;

  fixture() {
    auth.cluster = "sim";
    auth.salt = "salt";
    auth.iterations = 1;
    auth.digest = persistence::derive_digest("pw", auth.salt, 1);
    store->init_cluster("sim", 1, "127.0.0.1:2510", auth);
    deps.store = store;
    deps.md = md;
    deps.journal = journal;
    deps.wall_clock_ns = [this] { return wall_s * 1'000'000'000; };
    deps.on_event = [this](const std::string& e) { events.push_back(e); };
    deps.license_vendor_key = vendor().public_hex;
    mds = spawn_mds(sys, deps);
    wait_master();
  }
  ~fixture() {
    caf::anon_send_exit(mds, caf::exit_reason::user_shutdown);
    sched.run();
    sched.trigger_timeouts();
    sched.run();
  }
  size_t count_events(const std::string& needle) const {
    size_t n = 0;
    for (auto& e : events) n += e.find(needle) != std::string::npos;
    return n;
  }
  void wait_master() {
    auto before = count_events("became master");
    for (int i = 0; i < 100 && count_events("became master") == before; ++i) {
      sched.advance_time(100ms);
      sched.run();
    }
    REQUIRE(count_events("became master") == before + 1);
  }
  void restart() {
    caf::anon_send_exit(mds, caf::exit_reason::kill);
    sched.run();
    mds = spawn_mds(sys, deps);
    wait_master();
  }
  // Lets the master's ticks run for `d` of actor time.
  void run_for(caf::timespan d) {
    for (auto t = caf::timespan{0}; t < d; t += 500ms) {
      sched.advance_time(500ms);
      sched.run();
    }
  }

  struct answer {
    uint32_t code = 0;
    std::string message, status, key, hwid, text;
    uint64_t capacity = 0;
  };
  answer license(const std::string& load) {
    auto out = std::make_shared<std::optional<msg::mds_to_client_license>>();
    auto target = mds;
    auto req = wire::make<p::ClientToMdsLicense>([&](auto b) {
      auto c = b.initCredentials();
      c.setCluster("sim");
      c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(auth.digest.data()), auth.digest.size()));
      b.setLoad(load);
    });
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(target, 30s, req).then([=](msg::mds_to_client_license& r) { *out = r; });
    });
    sched.run();
    REQUIRE(out->has_value());
    auto d = wire::decode(**out);
    REQUIRE(d);
    auto s = d->getState();
    return {d->getStatus().getCode(), d->getStatus().getMessage().cStr(), s.getStatus().cStr(), s.getKeyNumber().cStr(),
            s.getHwid().cStr(), s.getText().cStr(), s.getCapacityBytes()};
  }

  license::license_doc doc(const std::string& hwid) const {
    license::license_doc d;
    d.hwid = hwid;
    d.start = t0 - 60;
    d.expiration = t0 + 10 * 86400;
    d.graceperiod = 3600;
    d.key_number = "PCSS.00000003.0001";
    d.capacity_mb = 2000;
    d.replicas = 3;
    return d;
  }
};

}  // namespace

TEST_CASE_FIXTURE(fixture, "no license: evaluation mode, the HWID of the cluster, no event") {
  auto a = license("");
  CHECK(a.code == p::STATUS_OK);
  CHECK(a.status == "NONE");
  CHECK(a.capacity == 100'000'000'000ull);
  CHECK(a.hwid == license::cluster_hwid("sim", "salt"));
  run_for(6s);
  CHECK(count_events("icense") == 0);
}

TEST_CASE_FIXTURE(fixture, "load-license installs a valid license, and status events follow the wall clock") {
  const std::string hwid = license(std::string()).hwid;
  auto l = license::sign(doc(hwid), vendor().private_hex);
  auto a = license(license::encode_key(l));
  REQUIRE(a.code == p::STATUS_OK);
  CHECK(a.status == "ACTIVE");
  CHECK(a.key == "PCSS.00000003.0001");
  CHECK(a.capacity == 2'000'000'000ull);
  CHECK(a.text == license::encode_file(l));
  CHECK(md->license());
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 is ACTIVE") == 1);
  CHECK(count_events("expires on") == 0);

  wall_s = t0 + 4 * 86400;  // 6 days left: within mds.license.warn_days (7)
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 expires on") == 1);
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 expires on") == 1);  // once

  wall_s = t0 + 10 * 86400 + 1;  // past expiration, within the grace period
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 is GRACED: it expired on") == 1);
  CHECK(license("").status == "GRACED");

  wall_s = t0 + 10 * 86400 + 3601;  // past the grace period
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 is EXPIRED") == 1);
  // The journaled events carry their severity (docs/licensing.md "Events").
  std::map<std::string, std::string> sev;
  for (auto& e : md->events(0, 1000))
    if (e.text.rfind("License ", 0) == 0) sev[e.text.substr(0, e.text.find(':'))] = e.severity;
  CHECK(sev["License PCSS.00000003.0001 is ACTIVE"] == "info");
  CHECK(sev["License PCSS.00000003.0001 expires on 01/25/2027 08"] == "warn");
  CHECK(sev["License PCSS.00000003.0001 is GRACED"] == "warn");
  CHECK(sev["License PCSS.00000003.0001 is EXPIRED"] == "err");

  wall_s = t0;  // the clock set back: still expired (the journal recorded later times)
  run_for(6s);
  CHECK(license("").status == "EXPIRED");
}

// The warning is given once per key number and expiration
// (license::expiry_warning_id): before, it was once per key number, so a
// license renewed under the same key (update-license) ran out unannounced.
TEST_CASE_FIXTURE(fixture, "a renewal under the same key number is warned about again before its own expiry") {
  const std::string hwid = license("").hwid;
  REQUIRE(license(license::encode_file(license::sign(doc(hwid), vendor().private_hex))).code == p::STATUS_OK);
  wall_s = t0 + 4 * 86400;  // 6 days left
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 expires on") == 1);
  auto renewed = doc(hwid);
  renewed.expiration += 10 * 86400;
  REQUIRE(license(license::encode_file(license::sign(renewed, vendor().private_hex))).code == p::STATUS_OK);
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 expires on") == 1);  // 16 days left: none yet
  wall_s = t0 + 14 * 86400;  // 6 days left of the renewal
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 expires on") == 2);
  CHECK(count_events("expires on " + license::format_time(renewed.expiration) + " UTC, in 6 days") == 1);
  run_for(6s);
  CHECK(count_events("License PCSS.00000003.0001 expires on") == 2);
}

TEST_CASE_FIXTURE(fixture, "refused licenses leave the installed one, and the license survives a restart") {
  const std::string hwid = license("").hwid;
  auto good = license::sign(doc(hwid), vendor().private_hex);
  REQUIRE(license(license::encode_file(good)).code == p::STATUS_OK);

  auto other = license::sign(doc(license::cluster_hwid("other", "salt")), vendor().private_hex);
  auto a = license(license::encode_file(other));
  CHECK(a.code == p::STATUS_BAD_REQUEST);
  CHECK(a.message.find("is INVALID: it was issued for the cluster with HWID") != std::string::npos);
  auto foreign = license::sign(doc(hwid), license::generate_key_pair().private_hex);
  CHECK(license(license::encode_file(foreign)).message.find("signature does not match") != std::string::npos);
  CHECK(license("garbage").message.find("not a license") != std::string::npos);
  auto now = license("");
  CHECK(now.status == "ACTIVE");
  CHECK(now.text == license::encode_file(good));

  restart();
  auto after = license("");
  CHECK(after.status == "ACTIVE");
  CHECK(after.key == "PCSS.00000003.0001");
}

TEST_CASE_FIXTURE(fixture, "an MDS without a usable vendor key refuses licenses and says how to configure one") {
  const std::string hwid = license("").hwid;
  auto l = license::sign(doc(hwid), vendor().private_hex);
  deps.license_vendor_key = std::string();
  restart();
  auto a = license(license::encode_file(l));
  CHECK(a.code == p::STATUS_BAD_REQUEST);
  CHECK(a.message.find("no vendor key to verify licenses with") != std::string::npos);
  CHECK(a.message.find("license_public_key") != std::string::npos);
  CHECK(a.status == "NONE");
  deps.license_vendor_key = std::string("abc");
  restart();
  a = license(license::encode_file(l));
  CHECK(a.code == p::STATUS_BAD_REQUEST);
  CHECK(a.message.find("is unusable: it has 3 characters") != std::string::npos);
}
