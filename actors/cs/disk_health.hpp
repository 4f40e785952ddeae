// disk_health.hpp — the physical disk under a CS repository and its
// S.M.A.R.T. status, for the disks table of `pstorage top` (guide
// "Monitoring Physical Disks": DISK, SMART OK/Warn, TEMP, CAPACITY, SERIAL,
// MODEL, HOST; docs/monitoring.md "Disks").
//
// The status comes from smartctl (Debian smartmontools) where it is
// installed: `smartctl -j -a /dev/DISK` (JSON output, smartmontools >= 7).
//
//   SMART      when
//   failed     smart_status.passed is false (the disk's own verdict)
//   warn       one of the guide's pre-failure counters is non-zero:
//              Reallocated Sector Count (5), Reallocated Event Count (196),
//              Current Pending Sector Count (197), Offline Uncorrectable (198)
//              (NVMe: media_errors)
//   ok         passed, none of the above
//   unknown    no smartctl, no disk found under the repository (a tmpfs, an
//              overlay), or smartctl said nothing usable
//
// parse_smartctl_json is pure (unit test disk_health_test); disk_of and
// read_disk_health read /sys and run smartctl.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace pstorage::cs {

struct disk_health {
  std::string disk;       // "/dev/vda"; "" when not found
  std::string smart = "unknown";  // ok | warn | failed | unknown
  std::string detail;     // why warn/failed/unknown, operator-ready
  int temperature_c = -1;  // -1 unknown
  uint64_t capacity_bytes = 0;
  std::string serial, model;
  nlohmann::json to_json() const;
};

// Fills smart, detail, temperature, capacity, serial and model from
// smartctl's JSON output (disk untouched).
void parse_smartctl_json(const std::string& text, disk_health& out);

// The whole disk holding `path` ("/dev/sda" for a file on /dev/sda2), from
// the device number of `path` and /sys/dev/block; "" when there is none.
std::string disk_of(const std::string& path);

// disk_of(path), its capacity from /sys, then `smartctl -j -a DISK` (the
// program `smartctl_program`; PATH lookup when it has no '/') when it can be
// run. Blocks while smartctl runs (well under a second on a healthy disk).
disk_health read_disk_health(const std::string& path, const std::string& smartctl_program);

}  // namespace pstorage::cs
