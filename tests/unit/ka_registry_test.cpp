// The reference KA server's decision (actors/license/ka_registry.hpp): a
// registered key for its own cluster gets a license starting now; unknown
// keys, another cluster's HWID and malformed requests are refused with the
// HTTP status update-license reports.
#include <doctest/doctest.h>

#include "actors/license/ka_registry.hpp"

using namespace pstorage::license;

namespace {
const std::string hwid = "AAAA.BBBB.CCCC.DDDD.EEEE.FFFF.0000.1111";
const nlohmann::json registry = nlohmann::json::parse(R"({
  "PCSS.00000001.0001": {"hwid": "AAAA.BBBB.CCCC.DDDD.EEEE.FFFF.0000.1111", "capacity": "0.5", "replicas": 2,
                         "gracecapacity": 5, "graceperiod": 60, "days": 10, "autorebalance": 0}
})");
}  // namespace

TEST_CASE("a registered key gets a license for its cluster from now for `days`") {
  auto out = ka_renewal(registry, "PCSS.00000001.0001", hwid, 1000);
  REQUIRE(std::holds_alternative<license_doc>(out));
  auto d = std::get<license_doc>(out);
  CHECK(d.hwid == hwid);
  CHECK(d.start == 1000);
  CHECK(d.expiration == 1000 + 10 * 86400);
  CHECK(d.capacity_mb == 500);
  CHECK(d.replicas == 2);
  CHECK(d.gracecapacity == 5);
  CHECK(d.graceperiod == 60);
  CHECK(d.autorecovery);
  CHECK_FALSE(d.autorebalance);
}

TEST_CASE("refusals: unknown key 404, another cluster 403, malformed 400") {
  auto unknown = ka_renewal(registry, "PCSS.00000002.0001", hwid, 0);
  REQUIRE(std::holds_alternative<ka_refusal>(unknown));
  CHECK(std::get<ka_refusal>(unknown).http_status == 404);
  auto other = ka_renewal(registry, "PCSS.00000001.0001", "AAAA.BBBB.CCCC.DDDD.EEEE.FFFF.0000.2222", 0);
  REQUIRE(std::holds_alternative<ka_refusal>(other));
  CHECK(std::get<ka_refusal>(other).http_status == 403);
  CHECK(std::get<ka_refusal>(other).reason.find("registered to another cluster") != std::string::npos);
  CHECK(std::get<ka_refusal>(ka_renewal(registry, "nope", hwid, 0)).http_status == 400);
  CHECK(std::get<ka_refusal>(ka_renewal(registry, "PCSS.00000001.0001", "x", 0)).http_status == 400);
}
