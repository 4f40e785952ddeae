#include "frontends/cli/mds_figures.hpp"

#include <httplib.h>

#include <future>
#include <optional>
#include <vector>

#include "frontends/cli/report_rules.hpp"
#include "frontends/common/process_stats.hpp"

namespace pstorage::cli {

void add_mds_process_figures(nlohmann::json& stat) {
  if (!stat.contains("mds")) return;
  // report_nodes: the MDSs first, with their HTTP host and port.
  nlohmann::json only_mds = {{"mds", stat["mds"]}};
  auto nodes = report_nodes(only_mds);
  std::vector<std::future<std::optional<frontend::process_figures>>> asked;
  for (auto& n : nodes)
    asked.push_back(std::async(std::launch::async, [n]() -> std::optional<frontend::process_figures> {
      httplib::Client cli(n.host, n.http_port);
      cli.set_connection_timeout(1, 0);
      cli.set_read_timeout(2, 0);
      auto res = cli.Get("/metrics");
      if (!res || res->status != 200) return std::nullopt;
      return frontend::parse_process_metrics(res->body);
    }));
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto p = asked[i].get();
    if (!p) continue;
    for (auto& m : stat["mds"])
      if ("mds-" + std::to_string(m.value("id", 0u)) == nodes[i].name)
        m["process"] = {{"cpu_percent", p->cpu_percent},
                        {"resident_bytes", p->resident_bytes},
                        {"uptime_s", p->uptime_seconds}};
  }
}

}  // namespace pstorage::cli
