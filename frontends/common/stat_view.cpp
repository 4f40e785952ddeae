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
  for (auto m : s.getMdses()) {
    bool avail = m.getStatus() == proto::MdsStatus::AVAIL;
    mds_avail += avail;
    mdses.push_back({{"id", m.getId()},
                     {"status", avail ? "avail" : "inactive"},
                     {"address", m.getAddress().cStr()},
                     {"master", m.getIsMaster()},
                     {"http_port", m.getHttpPort()}});
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
  j["cs_nodes"] = {{"active", active}, {"inactive", inactive}, {"offline", offline}, {"total", configured}};
  j["mds"] = mdses;
  j["cs"] = css;
  return j;
}

std::string stat_to_text(const nlohmann::json& j) {
  std::ostringstream o;
  auto& cn = j["cs_nodes"];
  o << "Cluster '" << j["cluster"].get<std::string>() << "': " << j["status"].get<std::string>() << "\n";
  o << "Space: [OK] allocatable " << human_bytes(j["space"]["free_bytes"].get<uint64_t>()) << " of "
    << human_bytes(j["space"]["total_bytes"].get<uint64_t>()) << ", free "
    << human_bytes(j["space"]["free_bytes"].get<uint64_t>()) << "\n";
  o << "MDS nodes: " << j["mds_nodes"]["avail"].get<size_t>() << " of " << j["mds_nodes"]["total"].get<size_t>()
    << "\n";
  o << "CS nodes:  " << cn["active"].get<size_t>() << " of " << cn["total"].get<size_t>() << " ("
    << cn["active"].get<size_t>() << " avail, " << cn["inactive"].get<size_t>() << " inactive, "
    << cn["offline"].get<size_t>() << " offline)\n";
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
  std::snprintf(line, sizeof line, "%-7s %-9s %-24s %s\n", "MDSID", "STATUS", "ADDRESS", "HTTP");
  o << line;
  for (auto& m : j["mds"]) {
    std::string id = (m["master"].get<bool>() ? "M " : "  ") + std::to_string(m["id"].get<uint32_t>());
    std::snprintf(line, sizeof line, "%-7s %-9s %-24s %u\n", id.c_str(), m["status"].get<std::string>().c_str(),
                  m["address"].get<std::string>().c_str(), m["http_port"].get<unsigned>());
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
