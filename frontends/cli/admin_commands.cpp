#include "frontends/cli/admin_commands.hpp"

#include <chrono>
#include <ctime>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "frontends/cli/event_commands.hpp"
#include "frontends/cli/mds_request.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/discovery_rules.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "frontends/common/mds_client.hpp"
#include "frontends/common/progress_rate.hpp"
#include "frontends/common/stat_view.hpp"

namespace pstorage::cli {

namespace {

struct admin_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};


int print_params(const nlohmann::json& params, bool json) {
  if (json) {
    std::cout << params.dump(2) << "\n";
    return 0;
  }
  for (auto& p : params)
    std::cout << p["name"].get<std::string>() << " = " << p["value"].get<int64_t>() << "\t(" << p["unit"].get<std::string>()
              << ", default " << p["default"].get<int64_t>() << ")\n";
  return 0;
}

}  // namespace

std::optional<int> admin_commands::dispatch(const global_options& g) const {
  if (*set_config)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
      auto params = c.config(d, assignments, {});
      for (auto& p : params)
        std::cout << "Set " << p["name"].get<std::string>() << "=" << p["value"].get<int64_t>() << "\n";
      return 0;
    });
  if (*get_config)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) { return print_params(c.config(d, {}, names), json); });
  if (*get_event) return cli::get_event(g, event_opts);
  if (*rm_cs)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
      if (cancel + force > 1) throw admin_error("--cancel and -f exclude each other");
      int mode = cancel ? 1 : force ? 2 : 0;
      auto r = c.rm_cs(d, cs_id, mode);
      std::string id = "CS#" + std::to_string(cs_id);
      if (cancel) {
        std::cout << "Removal of " << id << " cancelled\n";
        return 0;
      }
      if (force) {
        std::cout << id << " dropped; its replicas are re-replicated from the remaining copies\n";
        return 0;
      }
      if (!wait) {
        std::cout << id << " is being removed: " << r["remaining_chunks"].get<uint64_t>()
                  << " chunks to move (see pstorage stat)\n";
        return 0;
      }
      auto start = std::chrono::steady_clock::now();
      uint64_t last = UINT64_MAX;
      frontend::progress_rate progress;  // chunks moved off it per second, over the last 20 s
      auto last_print = start;
      while (r["cs_status"].get<std::string>() != "dropped") {
        uint64_t left = r["remaining_chunks"].get<uint64_t>();
        if (r["cs_status"].get<std::string>() != "releasing")
          throw admin_error("removal of " + id + " stopped (status " + r["cs_status"].get<std::string>() + ")");
        const auto now = std::chrono::steady_clock::now();
        progress.observe(std::chrono::duration<double>(now - start).count(), left);
        // A line when the count changes, at most every 2 s, and every 10 s
        // while it does not: "CS#3: 40 chunks left to move, 5.0 chunks/s, ETA 8s".
        if (last == UINT64_MAX || (left != last && now - last_print >= std::chrono::seconds(2)) ||
            now - last_print >= std::chrono::seconds(10)) {
          std::cout << id << ": " << left << " chunks left to move";
          if (auto rate = progress.per_second()) std::cout << ", " << frontend::chunk_rate_text(rate);
          std::cout << ", " << frontend::eta_text(progress.eta_s()) << "\n" << std::flush;
          last_print = now;
          last = left;
        }
        if (wait_timeout_s && std::chrono::steady_clock::now() - start > std::chrono::seconds(wait_timeout_s))
          throw admin_error("timed out waiting for the removal of " + id);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        r = c.rm_cs(d, cs_id, 0);
      }
      std::cout << id << " removed from the cluster\n";
      return 0;
    });
  return std::nullopt;
}

std::unique_ptr<admin_commands> add_admin_commands(CLI::App& app) {
  auto c = std::make_unique<admin_commands>();
  c->set_config = app.add_subcommand("set-config", "set cluster parameters: NAME=VALUE...");
  c->set_config->add_option("ASSIGNMENTS", c->assignments, "NAME=VALUE, e.g. mds.wd.verify_chunks=3")->required();
  c->get_config = app.add_subcommand("get-config", "show cluster parameters (all, or the NAMEs given)");
  c->get_config->add_option("NAMES", c->names, "parameter names");
  c->get_config->add_flag("--json", c->json, "print JSON");
  c->get_event = app.add_subcommand(
      "get-event",
      "show the cluster event log, oldest first: TIME SYS SEV MESSAGE (guide: Monitoring Event Logs; SYS is "
      "MDS#N for the MDS that raised the event, JRN for the journal's, CS#N for what a CS reported; "
      "docs/monitoring.md)");
  c->get_event->add_flag("--json", c->event_opts.json,
                         "print a JSON array [{id, time_ns, severity, source, text, epoch}]; with --follow one "
                         "JSON object a line");
  c->get_event->add_option("--since", c->event_opts.since,
                           "only events from TIME on: 30s, 10m, 2h, 1d (before now), '2026-12-06 23:40[:05]', "
                           "2026-12-06, '06-12-26 23:40:05' (as printed), @EPOCH_SECONDS");
  c->get_event->add_flag("-f,--follow", c->event_opts.follow,
                         "keep printing new events (asks every second) until interrupted; rides out a master change");
  c->rm_cs = app.add_subcommand("rm-cs", "remove a chunk server (its data is moved to the others first)");
  c->rm_cs->add_flag("--wait", c->wait, "wait until the removal is complete");
  c->rm_cs->add_flag("--cancel", c->cancel, "cancel a removal in progress");
  c->rm_cs->add_flag("-f,--force", c->force, "drop at once: only for an irreversibly lost chunk server");
  c->rm_cs->add_option("--timeout", c->wait_timeout_s, "with --wait: give up after this many seconds");
  c->rm_cs->add_option("CSID", c->cs_id, "chunk server id")->required();
  return c;
}

}  // namespace pstorage::cli
