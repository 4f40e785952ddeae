#include "frontends/cli/scrub_commands.hpp"

#include <iostream>

#include <nlohmann/json.hpp>

#include "frontends/cli/mds_request.hpp"
#include "frontends/common/scrub_view.hpp"

namespace pstorage::cli {

std::optional<int> scrub_commands::dispatch(const global_options& g) const {
  if (!*scrub) return std::nullopt;
  if (*start)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
      auto r = c.scrub(d, cs_ids, rate);
      std::string ids;
      for (auto& id : r["started"]) ids += (ids.empty() ? "CS#" : ", CS#") + std::to_string(id.get<uint32_t>());
      std::cout << "Scrubbing started on " << ids << " (see pstorage scrub status)\n";
      for (auto& f : r["failed"]) std::cerr << "pstorage: not started on " << f.get<std::string>() << "\n";
      return r["failed"].empty() ? 0 : 1;
    });
  if (*status)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
      auto stat = c.stat(d);
      if (json) {
        std::cout << frontend::scrub_status_json(stat).dump(2) << "\n";
        return 0;
      }
      for (auto& l : frontend::scrub_status_lines(stat)) std::cout << l << "\n";
      return 0;
    });
  std::cerr << "pstorage: scrub needs a subcommand: start or status\n";
  return 1;
}

std::unique_ptr<scrub_commands> add_scrub_commands(CLI::App& app) {
  auto c = std::make_unique<scrub_commands>();
  c->scrub = app.add_subcommand("scrub", "on-demand scrubbing of chunk servers (guide: Configuring Data Scrubbing)");
  c->start = c->scrub->add_subcommand(
      "start", "verify every replica of the chunk servers now (default: all active ones); bad replicas are rebuilt");
  c->start->add_option("--cs", c->cs_ids, "chunk server id (repeat for several)");
  c->start->add_option("--rate", c->rate, "at most this many replicas verified per second on each CS (default: no limit)");
  c->status = c->scrub->add_subcommand(
      "status", "per chunk server: STATE (idle/scheduled/running), progress, rate, ETA, bad replicas found, last run");
  c->status->add_flag("--json", c->json, "print JSON (docs/monitoring.md \"Scrubbing\")");
  return c;
}

}  // namespace pstorage::cli
