#include "frontends/common/stat_view.hpp"

#include <cstdio>

#include "actors/mds/chunk_state.hpp"
#include <sstream>

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
                   {"releasing", c.getReleasing()}});
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
  j["space"] = {{"total_bytes", total}, {"free_bytes", free}};
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
  return j;
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

std::string stat_to_text(const nlohmann::json& j) {
  std::ostringstream o;
  auto& cn = j["cs_nodes"];
  const std::string problem = j.value("master_problem", std::string());
  if (!problem.empty()) {
    // Guide "Configuring MDS Servers": a majority of the MDSs must run.
    o << "*** NO MASTER MDS: " << problem << "\n"
      << "*** Start the MDSs marked inactive below (pstorage-mdsd -r DIR on their hosts; 'pstorage list-services "
         "-M' there shows DIR) until a majority runs; the CS list below may be stale.\n\n";
  }
  o << "Cluster '" << j["cluster"].get<std::string>() << "': " << j["status"].get<std::string>() << "\n";
  o << "Space: [OK] allocatable " << human_bytes(j["space"]["free_bytes"].get<uint64_t>()) << " of "
    << human_bytes(j["space"]["total_bytes"].get<uint64_t>()) << ", free "
    << human_bytes(j["space"]["free_bytes"].get<uint64_t>()) << "\n";
  o << "MDS nodes: " << j["mds_nodes"]["avail"].get<size_t>() << " of " << j["mds_nodes"]["total"].get<size_t>();
  if (j.value("master_id", 0u))
    o << ", epoch " << j.value("epoch", uint64_t{0}) << ", epoch time "
      << human_duration_ms(j.value("epoch_age_ms", uint64_t{0})) << ", master MDS#" << j.value("master_id", 0u)
      << ", commit " << j.value("commit_index", uint64_t{0});
  else
    o << ", epoch " << j.value("epoch", uint64_t{0}) << ", no master";
  o << "\n";
  o << "CS nodes:  " << cn["active"].get<size_t>() << " of " << cn["total"].get<size_t>() << " ("
    << cn["active"].get<size_t>() << " avail, " << cn["inactive"].get<size_t>() << " inactive, "
    << cn["offline"].get<size_t>() << " offline)\n";
  if (j.contains("license")) o << license_line(j["license"]) << "\n";
  if (j.contains("chunks")) {
    mds::chunk_counts counts;
    for (size_t i = 0; i < mds::chunk_state_count; ++i) {
      auto st = static_cast<mds::chunk_state>(i);
      auto n = j["chunks"].value(mds::to_string(st), uint64_t{0});
      counts.by_state[i] = n;
    }
    counts.total = j["chunks"].value("total", uint64_t{0});
    o << mds::format_chunks_line(counts) << "\n";
  }
  if (j.contains("replication") && j["replication"]["running"].get<uint64_t>() + j["replication"]["queued"].get<uint64_t>() > 0)
    o << "Replication: " << j["replication"]["running"].get<uint64_t>() << " running, "
      << j["replication"]["queued"].get<uint64_t>() << " queued, " << human_bytes(j["replication"]["bytes_copied"].get<uint64_t>())
      << " copied\n";
  if (j.contains("rebalance") && j["rebalance"]["running"].get<uint64_t>() > 0)
    o << "Rebalancing: " << j["rebalance"]["running"].get<uint64_t>() << " running, "
      << j["rebalance"]["moved"].get<uint64_t>() << " chunks moved\n";
  o << "\n";
  char line[256];
  // Guide "Monitoring Metadata Servers": "M" before the id marks the
  // master. MATCH / LAG / ACK: the journal index the MDS holds, entries it
  // is behind, time since it last answered the master (the master's view;
  // "-" where this MDS cannot know).
  std::snprintf(line, sizeof line, "%-6s %-9s %-24s %9s %6s %8s %s\n", "MDSID", "STATUS", "ADDRESS", "MATCH", "LAG",
                "ACK", "HTTP");
  o << line;
  const bool have_master = j.value("master_id", 0u) != 0;
  for (auto& m : j["mds"]) {
    const bool master = m["master"].get<bool>();
    std::string match = "-", lag = "-", ack = "-";
    if (have_master && (master || m.value("match_index", uint64_t{0}) || m.value("last_ack_ms", uint64_t{0}))) {
      match = std::to_string(m.value("match_index", uint64_t{0}));
      lag = std::to_string(m.value("lag", uint64_t{0}));
      ack = master ? "-" : human_duration_ms(m.value("last_ack_ms", uint64_t{0}));
    }
    std::snprintf(line, sizeof line, "%s%5u %-9s %-24s %9s %6s %8s %u\n", master ? "M" : " ", m["id"].get<uint32_t>(),
                  m["status"].get<std::string>().c_str(), m["address"].get<std::string>().c_str(), match.c_str(),
                  lag.c_str(), ack.c_str(), m["http_port"].get<unsigned>());
    o << line;
  }
  o << "\n";
  std::snprintf(line, sizeof line, "%-6s %-9s %-9s %-9s %-8s %-5s %-6s %-22s %s\n", "CSID", "STATUS", "SPACE", "FREE",
                "REPLICAS", "TIER", "FLAGS", "ADDRESS", "HOST");
  o << line;
  for (auto& c : j["cs"]) {
    std::string status = c["status"].get<std::string>();
    if (c.value("releasing", false)) status = "releasing";
    std::snprintf(line, sizeof line, "%-6u %-9s %-9s %-9s %-8llu %-5u %-6s %-22s %s\n", c["id"].get<uint32_t>(),
                  status.c_str(), human_bytes(c["space_bytes"].get<uint64_t>()).c_str(),
                  human_bytes(c["free_bytes"].get<uint64_t>()).c_str(),
                  static_cast<unsigned long long>(c.value("replicas", uint64_t{0})), c["tier"].get<unsigned>(),
                  c["flags"].get<std::string>().c_str(), c["address"].get<std::string>().c_str(),
                  c["host"].get<std::string>().c_str());
    o << line;
  }
  return o.str();
}

}  // namespace pstorage::frontend
