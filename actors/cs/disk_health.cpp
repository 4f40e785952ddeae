#include "actors/cs/disk_health.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace pstorage::cs {

nlohmann::json disk_health::to_json() const {
  return {{"disk", disk},         {"smart", smart},   {"detail", detail}, {"temperature_c", temperature_c},
          {"capacity_bytes", capacity_bytes}, {"serial", serial}, {"model", model}};
}

void parse_smartctl_json(const std::string& text, disk_health& out) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.smart = "unknown";
    out.detail = "smartctl gave no JSON";
    return;
  }
  out.serial = j.value("serial_number", std::string());
  out.model = j.value("model_name", j.value("model_family", std::string()));
  if (j.contains("user_capacity") && j["user_capacity"].is_object())
    out.capacity_bytes = j["user_capacity"].value("bytes", out.capacity_bytes);
  if (j.contains("temperature") && j["temperature"].is_object())
    out.temperature_c = j["temperature"].value("current", -1);
  if (!j.contains("smart_status") || !j["smart_status"].is_object() || !j["smart_status"].contains("passed")) {
    out.smart = "unknown";
    std::string why = "smartctl reported no SMART status";
    if (j.contains("smartctl") && j["smartctl"].contains("messages") && j["smartctl"]["messages"].is_array() &&
        !j["smartctl"]["messages"].empty())
      why += ": " + j["smartctl"]["messages"][0].value("string", std::string());
    out.detail = why;
    return;
  }
  if (!j["smart_status"].value("passed", true)) {
    out.smart = "failed";
    out.detail = "the disk's SMART self-assessment failed";
    return;
  }
  // The guide's pre-failure counters (ATA attribute ids).
  std::string counters;
  if (j.contains("ata_smart_attributes") && j["ata_smart_attributes"].contains("table"))
    for (auto& a : j["ata_smart_attributes"]["table"]) {
      const int id = a.value("id", 0);
      if (id != 5 && id != 196 && id != 197 && id != 198) continue;
      const uint64_t raw = a.contains("raw") ? a["raw"].value("value", uint64_t{0}) : 0;
      if (raw) counters += (counters.empty() ? "" : ", ") + a.value("name", "attribute " + std::to_string(id)) + " " + std::to_string(raw);
    }
  if (j.contains("nvme_smart_health_information_log")) {
    const uint64_t media = j["nvme_smart_health_information_log"].value("media_errors", uint64_t{0});
    if (media) counters += (counters.empty() ? "" : ", ") + std::string("media errors ") + std::to_string(media);
  }
  if (!counters.empty()) {
    out.smart = "warn";
    out.detail = "pre-failure: " + counters;
    return;
  }
  out.smart = "ok";
  out.detail.clear();
}

std::string disk_of(const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) return {};
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dev = "/sys/dev/block/" + std::to_string(major(sb.st_dev)) + ":" + std::to_string(minor(sb.st_dev));
  fs::path real = fs::canonical(dev, ec);
  if (ec) return {};
  // A partition's directory sits inside its disk's and has a "partition" file.
  if (fs::exists(real / "partition", ec)) real = real.parent_path();
  return "/dev/" + real.filename().string();
}

namespace {
// Runs `program -j -a disk`; its standard output ("" when it cannot run).
std::string run_smartctl(const std::string& program, const std::string& disk) {
  if (program.find('/') != std::string::npos ? ::access(program.c_str(), X_OK) != 0 : false) return {};
  int out[2];
  if (::pipe(out) != 0) return {};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    return {};
  }
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    if (FILE* devnull = std::fopen("/dev/null", "w")) ::dup2(fileno(devnull), 2);
    ::execlp(program.c_str(), program.c_str(), "-j", "-a", disk.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  std::array<char, 4096> buf;
  for (ssize_t n; (n = ::read(out[0], buf.data(), buf.size())) > 0;) text.append(buf.data(), static_cast<size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return {};  // not installed
  return text;  // smartctl's exit status is a bit mask of findings: the JSON says the rest
}
}  // namespace

disk_health read_disk_health(const std::string& path, const std::string& smartctl_program) {
  disk_health h;
  h.disk = disk_of(path);
  if (h.disk.empty()) {
    h.detail = "no block device under " + path;
    return h;
  }
  std::ifstream size("/sys/class/block/" + h.disk.substr(5) + "/size");
  if (uint64_t sectors = 0; size >> sectors) h.capacity_bytes = sectors * 512;
  const std::string text = run_smartctl(smartctl_program, h.disk);
  if (text.empty()) {
    h.detail = smartctl_program + " is not installed (Debian smartmontools)";
    return h;
  }
  parse_smartctl_json(text, h);
  return h;
}

}  // namespace pstorage::cs
