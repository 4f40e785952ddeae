// The disks table's S.M.A.R.T. verdict from smartctl's JSON
// (actors/cs/disk_health.hpp; guide "Monitoring Physical Disks": OK, Warn
// when a pre-failure counter is non-zero), and the disk under a path.
#include <doctest/doctest.h>

#include "actors/cs/disk_health.hpp"

using namespace pstorage::cs;

namespace {
std::string ata(bool passed, uint64_t reallocated, uint64_t pending) {
  nlohmann::json j = {
      {"model_name", "WDC WD40EFRX"},
      {"serial_number", "WD-123"},
      {"user_capacity", {{"bytes", 4000787030016ull}}},
      {"temperature", {{"current", 34}}},
      {"smart_status", {{"passed", passed}}},
      {"ata_smart_attributes",
       {{"table",
         {{{"id", 5}, {"name", "Reallocated_Sector_Ct"}, {"raw", {{"value", reallocated}}}},
          {{"id", 9}, {"name", "Power_On_Hours"}, {"raw", {{"value", 12000}}}},
          {{"id", 197}, {"name", "Current_Pending_Sector"}, {"raw", {{"value", pending}}}}}}}}};
  return j.dump();
}
}  // namespace

TEST_CASE("SMART: OK, Warn on the guide's pre-failure counters, failed, unknown") {
  disk_health h;
  parse_smartctl_json(ata(true, 0, 0), h);
  CHECK(h.smart == "ok");
  CHECK(h.model == "WDC WD40EFRX");
  CHECK(h.serial == "WD-123");
  CHECK(h.temperature_c == 34);
  CHECK(h.capacity_bytes == 4000787030016ull);
  parse_smartctl_json(ata(true, 8, 2), h);
  CHECK(h.smart == "warn");
  CHECK(h.detail == "pre-failure: Reallocated_Sector_Ct 8, Current_Pending_Sector 2");
  parse_smartctl_json(ata(false, 0, 0), h);
  CHECK(h.smart == "failed");
  disk_health v;
  parse_smartctl_json(R"({"smartctl": {"messages": [{"string": "/dev/vda: Unable to detect device type"}]}})", v);
  CHECK(v.smart == "unknown");
  CHECK(v.detail.find("Unable to detect device type") != std::string::npos);
  parse_smartctl_json("not json", v);
  CHECK(v.smart == "unknown");
  disk_health n;
  parse_smartctl_json(R"({"smart_status": {"passed": true}, "nvme_smart_health_information_log": {"media_errors": 3}})", n);
  CHECK(n.smart == "warn");
}

TEST_CASE("without smartctl the status is unknown and says why") {
  auto h = read_disk_health("/tmp", "/nonexistent/smartctl");
  CHECK(h.smart == "unknown");
  CHECK_FALSE(h.detail.empty());
  CHECK(disk_of("/nonexistent/path").empty());
}
