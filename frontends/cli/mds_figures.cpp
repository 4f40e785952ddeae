#include "frontends/cli/mds_figures.hpp"

#include <httplib.h>

#include <functional>
#include <future>
#include <optional>
#include <vector>

#include "frontends/cli/report_rules.hpp"
#include "frontends/common/process_stats.hpp"

namespace pstorage::cli {

namespace {

// GETs `path` from every node at once (1 s to connect, 2 s to answer) and
// hands each answer's body to `use` with its node; nodes that do not answer
// are left out.
void ask_nodes(const std::vector<report_node>& nodes, const char* path,
               const std::function<void(const report_node&, const std::string&)>& use) {
  std::vector<std::future<std::optional<std::string>>> asked;
  for (auto& n : nodes)
    asked.push_back(std::async(std::launch::async, [n, path]() -> std::optional<std::string> {
      httplib::Client cli(n.host, n.http_port);
      cli.set_connection_timeout(1, 0);
      cli.set_read_timeout(2, 0);
      auto res = cli.Get(path);
      if (!res || res->status != 200) return std::nullopt;
      return res->body;
    }));
  for (size_t i = 0; i < nodes.size(); ++i)
    if (auto body = asked[i].get()) use(nodes[i], *body);
}

}  // namespace

void add_mds_process_figures(nlohmann::json& stat) {
  if (!stat.contains("mds")) return;
  // report_nodes: the MDSs with their HTTP host and port.
  ask_nodes(report_nodes({{"mds", stat["mds"]}}), "/metrics", [&](const report_node& n, const std::string& body) {
    auto p = frontend::parse_process_metrics(body);
    if (!p) return;
    for (auto& m : stat["mds"])
      if ("mds-" + std::to_string(m.value("id", 0u)) == n.name) {
        m["process"] = {{"cpu_percent", p->cpu_percent},
                        {"resident_bytes", p->resident_bytes},
                        {"uptime_s", p->uptime_seconds}};
        if (p->ctime_percent >= 0) m["process"]["ctime_percent"] = p->ctime_percent;
      }
  });
}

void add_cs_disks(nlohmann::json& stat) {
  if (!stat.contains("cs")) return;
  ask_nodes(report_nodes({{"cs", stat["cs"]}}), "/status", [&](const report_node& n, const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) return;
    for (auto& c : stat["cs"]) {
      if ("cs-" + std::to_string(c.value("id", 0u)) != n.name) continue;
      if (j.contains("disk")) c["disk"] = j["disk"];
      if (j.contains("io") && j["io"].contains("unaligned_writes")) c["jrmw"] = j["io"]["unaligned_writes"];
    }
  });
}

}  // namespace pstorage::cli
