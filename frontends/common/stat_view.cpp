#include "frontends/common/stat_view.hpp"

#include <cstdio>
#include <ctime>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "actors/mds/chunk_state.hpp"
#include "frontends/common/progress_rate.hpp"
#include "frontends/common/scrub_view.hpp"

namespace pstorage::frontend {

namespace {
const char* cs_status_name(proto::CsStatus s) {
  switch (s) {
    case proto::CsStatus::ACTIVE: return "active";
    case proto::CsStatus::INACTIVE: return "inactive";
    case proto::CsStatus::OFFLINE: return "offline";
    case proto::CsStatus::DROPPED: return "dropped";
  }
  return "unknown";
}

// CsInfo.io in the units of the CS's own /status "io" (docs/monitoring.md).
nlohmann::json cs_io_to_json(proto::CsIoStats::Reader io) {
  return {{"read_bytes_per_s", io.getReadBytesPerSec()},
          {"write_bytes_per_s", io.getWriteBytesPerSec()},
          {"read_ops_per_s", io.getReadOpsPerSec()},
          {"write_ops_per_s", io.getWriteOpsPerSec()},
          {"sync_ops_per_s", io.getSyncOpsPerSec()},
          {"latency_avg_ms", static_cast<double>(io.getLatencyAvgUs()) / 1000},
          {"latency_max_ms", static_cast<double>(io.getLatencyMaxUs()) / 1000},
          {"queue_depth", io.getQueueDepth()},
          {"iowait_percent", io.getIowaitPercent()}};
}
}  // namespace

std::string human_bytes(uint64_t b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.1f%s", v, units[u]);
  return buf;
}

mds::allocatable_space stat_allocatable(proto::MdsToClientStat::Reader s) {
  std::vector<mds::placement_cs> css;
  for (auto c : s.getCss()) {
    mds::placement_cs p;
    p.cs_id = c.getId();
    p.active = c.getStatus() == proto::CsStatus::ACTIVE;
    p.tier = c.getTier();
    p.total_bytes = c.getTotalBytes();
    p.free_bytes = c.getFreeBytes();
    p.location = c.getLocation().cStr();
    p.host_id = c.getHostId().cStr();
    css.push_back(std::move(p));
  }
  std::optional<mds::license_space_limit> limit;
  if (s.hasLicense())
    limit = mds::license_space_limit{s.getLicense().getAllocatableBytes(), s.getLicense().getCapacityBytes()};
  return mds::compute_allocatable(css, s.getReplicationNorm(), mds::domain_level::host, mds::placement_tunables{},
                                  limit);
}

nlohmann::json stat_to_json(proto::MdsToClientStat::Reader s) {
  nlohmann::json j;
  j["cluster"] = s.getCluster().cStr();
  uint64_t total = 0, free = 0;
  size_t active = 0, inactive = 0, offline = 0;
  auto css = nlohmann::json::array();
  for (auto c : s.getCss()) {
    auto status = cs_status_name(c.getStatus());
    if (c.getStatus() == proto::CsStatus::ACTIVE) {
      ++active;
      total += c.getTotalBytes();
      free += c.getFreeBytes();
    } else if (c.getStatus() == proto::CsStatus::INACTIVE) {
      ++inactive;
    } else if (c.getStatus() == proto::CsStatus::OFFLINE) {
      ++offline;
    }
    css.push_back({{"id", c.getId()},
                   {"status", status},
                   {"space_bytes", c.getTotalBytes()},
                   {"free_bytes", c.getFreeBytes()},
                   {"host", c.getHost().cStr()},
                   {"address", c.getAddress().cStr()},
                   {"host_id", c.getHostId().cStr()},
                   {"location", c.getLocation().cStr()},
                   {"tier", c.getTier()},
                   {"flags", c.getFlags().cStr()},
                   {"http_port", c.getHttpPort()},
                   {"replicas", c.getReplicas()},
                   {"releasing", c.getReleasing()},
                   {"io", cs_io_to_json(c.getIo())},
                   {"scrub", scrub_to_json(c.getScrub())}});
  }
  auto mdses = nlohmann::json::array();
  size_t mds_avail = 0;
  uint32_t master_id = 0;
  for (auto m : s.getMdses()) {
    bool avail = m.getStatus() == proto::MdsStatus::AVAIL;
    mds_avail += avail;
    if (m.getIsMaster()) master_id = m.getId();
    mdses.push_back({{"id", m.getId()},
                     {"status", avail ? "avail" : "inactive"},
                     {"address", m.getAddress().cStr()},
                     {"master", m.getIsMaster()},
                     {"http_port", m.getHttpPort()},
                     {"match_index", m.getMatchIndex()},
                     {"lag", m.getLag()},
                     {"last_ack_ms", m.getLastAckMs()}});
  }
  size_t configured = s.getCss().size();
  std::string status = "healthy";
  if (inactive + offline > 0) status = "degraded";
  if (configured == 0) status = "healthy";
  // The MDS's own evaluation (issue 4: healthy / degraded / failure / unknown)
  // wins over the guess from the CS list.
  if (s.hasClusterStatus() && s.getClusterStatus().size() > 0) status = s.getClusterStatus().cStr();
  j["status"] = status;
  if (s.hasChunks() && s.getChunks().size() > 0) {
    nlohmann::json ch = nlohmann::json::object();
    for (auto c : s.getChunks()) ch[c.getState().cStr()] = c.getCount();
    j["chunks"] = ch;
  }
  if (s.hasReplication()) {
    auto r = s.getReplication();
    j["replication"] = {{"queued", r.getQueued()}, {"running", r.getRunning()}, {"bytes_copied", r.getBytesCopied()}};
    j["rebalance"] = {{"running", r.getMovesRunning()}, {"moved", r.getChunksMoved()}};
  }
  const auto allocatable = stat_allocatable(s);
  j["space"] = {{"total_bytes", total},
                {"free_bytes", free},
                {"allocatable_bytes", allocatable.free_bytes},
                {"allocatable_total_bytes", allocatable.total_bytes}};
  {
    auto io = s.getIo();  // all zero from an MDS that predates it
    j["io"] = {{"read_bytes_per_s", io.getReadBytesPerSec()},
               {"write_bytes_per_s", io.getWriteBytesPerSec()},
               {"read_ops_per_s", io.getReadOpsPerSec()},
               {"write_ops_per_s", io.getWriteOpsPerSec()}};
  }
  j["mds_nodes"] = {{"avail", mds_avail}, {"total", mdses.size()}};
  // The replicated journal (docs/election.md, docs/operations.md "stat"):
  // master_id 0 and a non-empty master_problem when no master exists.
  j["epoch"] = s.getEpoch();
  j["epoch_age_ms"] = s.getEpochAgeMs();
  j["commit_index"] = s.getCommitIndex();
  j["master_id"] = master_id;
  j["master_problem"] = s.hasMasterProblem() ? s.getMasterProblem().cStr() : "";
  j["cs_nodes"] = {{"active", active}, {"inactive", inactive}, {"offline", offline}, {"total", configured}};
  j["mds"] = mdses;
  j["cs"] = css;
  if (s.hasLicense()) j["license"] = license_to_json(s.getLicense());
  // The guide's clients table ("Monitoring Clients"): each mount's own
  // figures over its last 20 s, as it sent them to the master.
  auto clients = nlohmann::json::array();
  for (auto c : s.getClients()) {
    auto io = c.getIo();
    clients.push_back({{"id", c.getId()},
                       {"client_id", c.getClientId().cStr()},
                       {"host", io.getHost().cStr()},
                       {"age_ms", c.getAgeMs()},
                       {"io",
                        {{"window_s", io.getWindowS()},
                         {"open_files", io.getOpenFiles()},
                         {"read_bytes_per_s", io.getReadBytesPerSec()},
                         {"write_bytes_per_s", io.getWriteBytesPerSec()},
                         {"read_ops_per_s", io.getReadOpsPerSec()},
                         {"write_ops_per_s", io.getWriteOpsPerSec()},
                         {"fsyncs_per_s", io.getFsyncsPerSec()},
                         {"latency_avg_ms", io.getLatencyAvgMs()},
                         {"latency_max_ms", io.getLatencyMaxMs()}}}});
  }
  j["clients"] = clients;
  // The Replication header line and top's FS line (client_mds.capnp).
  if (s.getReplicationNorm() > 0)
    j["replicas_default"] = {{"norm", s.getReplicationNorm()}, {"limit", s.getReplicationLimit()}};
  if (s.hasFs())
    j["fs"] = {{"data_bytes", s.getFs().getDataBytes()},
               {"files", s.getFs().getFiles()},
               {"inodes", s.getFs().getInodes()}};
  return j;
}

std::string replication_line(const nlohmann::json& j) {
  if (!j.contains("replicas_default")) return "";
  char b[64];
  std::snprintf(b, sizeof b, "Replication: %2u norm, %2u limit", j["replicas_default"].value("norm", 0u),
                j["replicas_default"].value("limit", 0u));
  return b;
}

namespace {
// ", 12.0MB/s, 2.0 chunks/s, ETA 3s" from the rates `pstorage top` adds
// (cli/top_screen.hpp add_progress_rates); "" when there are none.
std::string rate_suffix(const nlohmann::json& work, bool with_eta) {
  std::string out;
  if (work.contains("bytes_per_s")) out += ", " + human_rate(work["bytes_per_s"].get<uint64_t>());
  if (work.contains("chunks_per_s")) out += ", " + chunk_rate_text(work["chunks_per_s"].get<double>());
  if (with_eta && work.contains("rate_known"))
    out += ", " + eta_text(work.contains("eta_s") ? std::optional<double>(work["eta_s"].get<double>()) : std::nullopt);
  return out;
}
}  // namespace

std::string replication_work_line(const nlohmann::json& j) {
  if (!j.contains("replication")) return "";
  auto& r = j["replication"];
  if (r.value("running", uint64_t{0}) + r.value("queued", uint64_t{0}) == 0) return "";
  // With top's rates the rate replaces the bytes copied, so the line fits
  // 80 columns: "Replicating: 64 running, 123456 queued, 512.0MB/s, 123.4
  // chunks/s, ETA 17d  6h" is 79.
  std::string out = "Replicating: " + std::to_string(r.value("running", uint64_t{0})) + " running, " +
                    std::to_string(r.value("queued", uint64_t{0})) + " queued";
  if (!r.contains("rate_known")) return out + ", " + human_bytes(r.value("bytes_copied", uint64_t{0})) + " copied";
  return out + rate_suffix(r, true);
}

std::string rebalancing_line(const nlohmann::json& j) {
  if (!j.contains("rebalance") || j["rebalance"].value("running", uint64_t{0}) == 0) return "";
  auto& r = j["rebalance"];
  return "Rebalancing: " + std::to_string(r.value("running", uint64_t{0})) + " running, " +
         std::to_string(r.value("moved", uint64_t{0})) + " chunks moved" + rate_suffix(r, false);
}

std::string fs_line(const nlohmann::json& j) {
  uint64_t replicas = 0;
  for (auto& c : j.value("cs", nlohmann::json::array())) replicas += c.value("replicas", uint64_t{0});
  const uint64_t chunks = j.contains("chunks") ? j["chunks"].value("total", uint64_t{0}) : 0;
  std::string out = "FS:  ";
  if (j.contains("fs"))
    out += human_bytes(j["fs"].value("data_bytes", uint64_t{0})) + " in " +
           std::to_string(j["fs"].value("files", uint64_t{0})) + " files, " +
           std::to_string(j["fs"].value("inodes", uint64_t{0})) + " inodes, ";
  return out + std::to_string(chunks) + " chunks, " + std::to_string(replicas) + " chunk replicas";
}

nlohmann::json license_to_json(proto::LicenseState::Reader l) {
  return {{"hwid", l.getHwid().cStr()},
          {"status", l.getStatus().cStr()},
          {"reason", l.getReason().cStr()},
          {"key_number", l.getKeyNumber().cStr()},
          {"capacity_bytes", l.getCapacityBytes()},
          {"allocatable_bytes", l.getAllocatableBytes()},
          {"used_bytes", l.getUsedBytes()},
          {"replicas_max", l.getReplicasMax()},
          {"autorecovery", l.getAutorecovery()},
          {"autorebalance", l.getAutorebalance()}};
}

std::string license_line(const nlohmann::json& l) {
  const double gb = static_cast<double>(l.value("capacity_bytes", uint64_t{0})) / 1e9;
  char cap[48];
  if (gb >= 1000)
    std::snprintf(cap, sizeof cap, "%gTB", gb / 1000);
  else
    std::snprintf(cap, sizeof cap, "%gGB", gb);
  const std::string status = l.value("status", std::string());
  std::string out = status == "NONE" ? std::string("License: none (evaluation mode)")
                                     : "License: " + l.value("key_number", std::string()) + " is " + status;
  out += std::string(", ") + cap + " capacity";
  if (const std::string why = l.value("reason", std::string()); !why.empty()) out += " (" + why + ")";
  return out;
}

std::string human_duration_ms(uint64_t ms) {
  uint64_t s = ms / 1000;
  const uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
  s %= 60;
  char buf[64];
  if (d) std::snprintf(buf, sizeof buf, "%llud %2lluh", (unsigned long long)d, (unsigned long long)h);
  else if (h) std::snprintf(buf, sizeof buf, "%lluh %2llum", (unsigned long long)h, (unsigned long long)m);
  else if (m) std::snprintf(buf, sizeof buf, "%llum %2llus", (unsigned long long)m, (unsigned long long)s);
  else std::snprintf(buf, sizeof buf, "%llus", (unsigned long long)s);
  return buf;
}

std::string human_rate(uint64_t bytes_per_s) { return human_bytes(bytes_per_s) + "/s"; }

std::string io_line(const nlohmann::json& io) {
  auto u = [&](const char* k) { return io.is_object() ? io.value(k, uint64_t{0}) : uint64_t{0}; };
  auto d = [&](const char* k) { return io.is_object() ? io.value(k, 0.0) : 0.0; };
  char buf[160];
  std::snprintf(buf, sizeof buf, "IO:        read %9s (%4.0fops/s), write %9s (%4.0fops/s)",
                human_rate(u("read_bytes_per_s")).c_str(), d("read_ops_per_s"),
                human_rate(u("write_bytes_per_s")).c_str(), d("write_ops_per_s"));
  return buf;
}

std::vector<std::string> stat_header_lines(const nlohmann::json& j) {
  std::vector<std::string> out;
  auto& cn = j["cs_nodes"];
  const std::string problem = j.value("master_problem", std::string());
  if (!problem.empty()) {
    // Guide "Configuring MDS Servers": a majority of the MDSs must run.
    out.push_back("*** NO MASTER MDS: " + problem);
    out.push_back(
        "*** Start the MDSs marked inactive below (pstorage-mdsd -r DIR on their hosts; 'pstorage list-services "
        "-M' there shows DIR) until a majority runs; the CS list below may be stale.");
    out.push_back("");
  }
  out.push_back("Cluster '" + j["cluster"].get<std::string>() + "': " + j["status"].get<std::string>());
  // Guide "Understanding Disk Space Usage": "Space: [OK] allocatable 180GB
  // of 200GB, free 1.6TB of 1.7TB".
  auto& sp = j["space"];
  out.push_back("Space: [OK] allocatable " + human_bytes(sp.value("allocatable_bytes", uint64_t{0})) + " of " +
                human_bytes(sp.value("allocatable_total_bytes", uint64_t{0})) + ", free " +
                human_bytes(sp["free_bytes"].get<uint64_t>()) + " of " + human_bytes(sp["total_bytes"].get<uint64_t>()));
  std::ostringstream o;
  o << "MDS nodes: " << j["mds_nodes"]["avail"].get<size_t>() << " of " << j["mds_nodes"]["total"].get<size_t>();
  if (j.value("master_id", 0u))
    o << ", epoch " << j.value("epoch", uint64_t{0}) << ", epoch time "
      << human_duration_ms(j.value("epoch_age_ms", uint64_t{0})) << ", master MDS#" << j.value("master_id", 0u)
      << ", commit " << j.value("commit_index", uint64_t{0});
  else
    o << ", epoch " << j.value("epoch", uint64_t{0}) << ", no master";
  out.push_back(o.str());
  o.str("");
  o << "CS nodes:  " << cn["active"].get<size_t>() << " of " << cn["total"].get<size_t>() << " ("
    << cn["active"].get<size_t>() << " avail, " << cn["inactive"].get<size_t>() << " inactive, "
    << cn["offline"].get<size_t>() << " offline)";
  out.push_back(o.str());
  if (j.contains("license")) out.push_back(license_line(j["license"]));
  if (auto r = replication_line(j); !r.empty()) out.push_back(r);
  if (auto r = replication_work_line(j); !r.empty()) out.push_back(r);
  out.push_back(io_line(j.contains("io") ? j["io"] : nlohmann::json()));
  if (j.contains("chunks")) {
    mds::chunk_counts counts;
    for (size_t i = 0; i < mds::chunk_state_count; ++i) {
      auto st = static_cast<mds::chunk_state>(i);
      counts.by_state[i] = j["chunks"].value(mds::to_string(st), uint64_t{0});
    }
    counts.total = j["chunks"].value("total", uint64_t{0});
    std::istringstream lines(mds::format_chunks_line(counts));
    for (std::string l; std::getline(lines, l);) out.push_back(l);
  }
  if (auto r = rebalancing_line(j); !r.empty()) out.push_back(r);
  if (auto r = scrub_line(j); !r.empty()) out.push_back(r);
  return out;
}

// Guide "Monitoring Metadata Servers": "M" before the id marks the master;
// MDSID STATUS %CTIME COMMITS %CPU MEM UPTIME HOST (HOST: its address).
// %CPU, MEM, UPTIME: the MDS's own figures from its /metrics ("process",
// added by the CLI, frontends/cli/mds_figures.hpp); COMMITS: journal entries
// the MDS took per second ("commits_per_s", from two answers: top only);
// %CTIME: the share of time the MDS spent writing its journal ("process",
// journal_store::write_ns_total). "-" where a figure is missing. `wide` (stat)
// adds LAG and ACK: entries it is behind the master's last one and time
// since it last answered the master (the master's view).
std::string mds_table_header(bool wide) {
  char line[160];
  if (wide)
    std::snprintf(line, sizeof line, "%-6s %-9s %6s %7s %6s %7s %8s %6s %8s %s", "MDSID", "STATUS", "%CTIME",
                  "COMMITS", "%CPU", "MEM", "UPTIME", "LAG", "ACK", "HOST");
  else
    std::snprintf(line, sizeof line, "%-6s %-9s %6s %7s %6s %7s %8s %s", "MDSID", "STATUS", "%CTIME", "COMMITS",
                  "%CPU", "MEM", "UPTIME", "HOST");
  return line;
}

std::string mds_table_row(const nlohmann::json& m, bool have_master, bool wide) {
  const bool master = m["master"].get<bool>();
  std::string lag = "-", ack = "-", commits = "-", cpu = "-", mem = "-", up = "-", ctime = "-";
  if (have_master && (master || m.value("match_index", uint64_t{0}) || m.value("last_ack_ms", uint64_t{0}))) {
    lag = std::to_string(m.value("lag", uint64_t{0}));
    ack = master ? "-" : human_duration_ms(m.value("last_ack_ms", uint64_t{0}));
  }
  if (m.contains("commits_per_s")) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f/s", m["commits_per_s"].get<double>());
    commits = b;
  }
  if (m.contains("process")) {
    auto& p = m["process"];
    char b[32];
    std::snprintf(b, sizeof b, "%.1f%%", p.value("cpu_percent", 0.0));
    cpu = b;
    mem = human_bytes(p.value("resident_bytes", uint64_t{0}));
    up = human_duration_ms(static_cast<uint64_t>(p.value("uptime_s", 0.0) * 1000));
    if (p.contains("ctime_percent")) {
      std::snprintf(b, sizeof b, "%.1f%%", p["ctime_percent"].get<double>());
      ctime = b;
    }
  }
  char line[256];
  if (wide)
    std::snprintf(line, sizeof line, "%s%5u %-9s %6s %7s %6s %7s %8s %6s %8s %s", master ? "M" : " ",
                  m["id"].get<uint32_t>(), m["status"].get<std::string>().c_str(), ctime.c_str(), commits.c_str(), cpu.c_str(),
                  mem.c_str(), up.c_str(), lag.c_str(), ack.c_str(), m["address"].get<std::string>().c_str());
  else
    std::snprintf(line, sizeof line, "%s%5u %-9s %6s %7s %6s %7s %8s %s", master ? "M" : " ", m["id"].get<uint32_t>(),
                  m["status"].get<std::string>().c_str(), ctime.c_str(), commits.c_str(), cpu.c_str(), mem.c_str(), up.c_str(),
                  m["address"].get<std::string>().c_str());
  return line;
}

namespace {

// One CS column: its title, width (0: the rest of the line, last only) and
// the cell from the stat JSON's CS object.
struct cs_column {
  const char* title;
  int width;
  std::function<std::string(const nlohmann::json&)> cell;
};

double io_value(const nlohmann::json& cs, const char* key) {
  return cs.contains("io") ? cs["io"].value(key, 0.0) : 0.0;
}
std::string fixed(double v, const char* fmt) {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
// Milliseconds, one decimal below 10 ms.
std::string ms(double v) { return fixed(v, v < 10 ? "%.1f" : "%.0f"); }

const cs_column& column(const std::string& name) {
  static const std::vector<cs_column> all = {
      {"CSID", 6, [](auto& c) { return std::to_string(c["id"].template get<uint32_t>()); }},
      {"STATUS", 9,
       [](auto& c) { return c.value("releasing", false) ? std::string("releasing") : c["status"].template get<std::string>(); }},
      {"SPACE", 8, [](auto& c) { return human_bytes(c["space_bytes"].template get<uint64_t>()); }},
      {"FREE", 8, [](auto& c) { return human_bytes(c["free_bytes"].template get<uint64_t>()); }},
      {"REPLICAS", 8, [](auto& c) { return std::to_string(c.value("replicas", uint64_t{0})); }},
      // Guide: IOWAIT, IOLAT avg/max (ms, last 20 s), QDEPTH.
      {"IOWAIT", 6, [](auto& c) { return fixed(io_value(c, "iowait_percent"), "%.0f%%"); }},
      {"IOLAT", 11, [](auto& c) { return ms(io_value(c, "latency_avg_ms")) + "/" + ms(io_value(c, "latency_max_ms")); }},
      {"QDEPTH", 6, [](auto& c) { return fixed(io_value(c, "queue_depth"), "%.1f"); }},
      {"READ", 9, [](auto& c) { return human_rate(static_cast<uint64_t>(io_value(c, "read_bytes_per_s"))); }},
      {"WRITE", 9, [](auto& c) { return human_rate(static_cast<uint64_t>(io_value(c, "write_bytes_per_s"))); }},
      {"RD_OPS", 6, [](auto& c) { return fixed(io_value(c, "read_ops_per_s"), "%.0f"); }},
      {"WR_OPS", 6, [](auto& c) { return fixed(io_value(c, "write_ops_per_s"), "%.0f"); }},
      {"FSYNCS", 6, [](auto& c) { return fixed(io_value(c, "sync_ops_per_s"), "%.0f"); }},
      // Guide "Improving High-Capacity HDD Performance": RMW (mitigated by SSD
      // journals: none here, "-") and JRMW, the CS's unaligned writes in its
      // last 20 s, from its own /status (cs[].jrmw, added by `top`; "-" without).
      {"RMW", 4, [](auto&) { return std::string("-"); }},
      {"JRMW", 5, [](auto& c) { return c.contains("jrmw") ? std::to_string(c["jrmw"].template get<uint64_t>()) : std::string("-"); }},
      {"TIER", 4, [](auto& c) { return std::to_string(c["tier"].template get<unsigned>()); }},
      {"FLAGS", 5, [](auto& c) { return c["flags"].template get<std::string>(); }},
      {"LOCATION", 12, [](auto& c) { return c.value("location", std::string()); }},
      {"ADDRESS", 21, [](auto& c) { return c["address"].template get<std::string>(); }},
      {"HOST", 0, [](auto& c) { return c["host"].template get<std::string>(); }},
  };
  for (auto& c : all)
    if (name == c.title) return c;
  throw std::logic_error("no CS column " + name);
}

const std::vector<std::string>& column_names(cs_columns set) {
  static const std::vector<std::string> stat = {"CSID",   "STATUS", "SPACE", "FREE",  "REPLICAS", "IOWAIT",
                                                "IOLAT",  "QDEPTH", "TIER",  "FLAGS", "ADDRESS",  "HOST"};
  static const std::vector<std::string> io = {"CSID",  "STATUS", "SPACE",  "FREE",  "REPLICAS",
                                              "IOWAIT", "IOLAT", "QDEPTH", "FLAGS", "HOST"};
  static const std::vector<std::string> rates = {"CSID",   "STATUS", "READ",  "WRITE", "RD_OPS", "WR_OPS",
                                                 "FSYNCS", "IOLAT",  "RMW",   "JRMW",  "HOST"};
  static const std::vector<std::string> placement = {"CSID", "STATUS", "TIER", "FLAGS", "LOCATION", "ADDRESS", "HOST"};
  switch (set) {
    case cs_columns::stat: return stat;
    case cs_columns::io: return io;
    case cs_columns::rates: return rates;
    case cs_columns::placement: return placement;
  }
  return stat;
}

template <class Cell>
std::string join_columns(cs_columns set, Cell&& cell) {
  std::string out;
  for (auto& name : column_names(set)) {
    auto& c = column(name);
    std::string v = cell(c);
    if (!out.empty()) out += ' ';
    if (c.width > 0 && v.size() < static_cast<size_t>(c.width)) v.resize(c.width, ' ');
    out += v;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

const char* to_string(cs_columns set) {
  switch (set) {
    case cs_columns::stat: return "all";
    case cs_columns::io: return "I/O";
    case cs_columns::rates: return "rates";
    case cs_columns::placement: return "placement";
  }
  return "?";
}

cs_columns next_cs_columns(cs_columns set) {
  switch (set) {
    case cs_columns::io: return cs_columns::rates;
    case cs_columns::rates: return cs_columns::placement;
    default: return cs_columns::io;
  }
}

std::string cs_table_header(cs_columns set) {
  return join_columns(set, [](const cs_column& c) { return std::string(c.title); });
}

std::string cs_table_row(const nlohmann::json& cs, cs_columns set) {
  return join_columns(set, [&](const cs_column& c) { return c.cell(cs); });
}

std::string event_line(const nlohmann::json& e) {
  std::time_t t = static_cast<std::time_t>(e.value("time_ns", int64_t{0}) / 1000000000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%d-%m-%y %H:%M:%S", &tm);
  char sev[8];
  std::snprintf(sev, sizeof sev, "%-4s", e.value("severity", std::string()).c_str());
  return std::string(when) + " " + e.value("source", std::string()) + " " + sev + " " + e.value("text", std::string());
}

std::string client_table_header() {
  char line[160];
  std::snprintf(line, sizeof line, "%-4s %6s %9s %9s %6s %6s %6s %-11s %s", "CLID", "LEASES", "READ", "WRITE", "RD_OPS",
                "WR_OPS", "FSYNCS", "IOLAT", "HOST");
  return line;
}

std::string client_table_row(const nlohmann::json& c) {
  const nlohmann::json io = c.value("io", nlohmann::json::object());
  auto v = [&](const char* k) { return io.value(k, 0.0); };
  const std::string lat = ms(v("latency_avg_ms")) + "/" + ms(v("latency_max_ms"));
  char line[256];
  std::snprintf(line, sizeof line, "%-4u %6.1f %9s %9s %6.0f %6.0f %6.0f %-11s %s", c.value("id", 0u),
                v("open_files"), human_rate(static_cast<uint64_t>(v("read_bytes_per_s"))).c_str(),
                human_rate(static_cast<uint64_t>(v("write_bytes_per_s"))).c_str(), v("read_ops_per_s"),
                v("write_ops_per_s"), v("fsyncs_per_s"), lat.c_str(), c.value("host", std::string()).c_str());
  return line;
}

std::string stat_to_text(const nlohmann::json& j) {
  std::ostringstream o;
  for (auto& l : stat_header_lines(j)) o << l << "\n";
  o << "\n" << mds_table_header(true) << "\n";
  const bool have_master = j.value("master_id", 0u) != 0;
  for (auto& m : j["mds"]) o << mds_table_row(m, have_master, true) << "\n";
  o << "\n" << cs_table_header(cs_columns::stat) << "\n";
  for (auto& c : j["cs"]) o << cs_table_row(c, cs_columns::stat) << "\n";
  o << "\n" << client_table_header() << "\n";
  for (auto& c : j.value("clients", nlohmann::json::array())) o << client_table_row(c) << "\n";
  return o.str();
}

}  // namespace pstorage::frontend
