// pstorage-shamand — the HA agent of one node (issue 18; guide "Configuring
// High Availability": the `shamand` service, stopped first at a shutdown;
// docs/ha.md "The agent"). Runs in the foreground:
//  * a renewal thread asks the master MDS for the node's lease every renew
//    period (following master changes through bs.list like every client:
//    frontends/common/mds_client.hpp) and learns the resources assigned to
//    the node from each grant;
//  * the main loop, every 100 ms, decides what may run (node_lease.hpp:
//    nothing once agent_must_stop — self-fencing — or once the master
//    refused the lease) and has the resource runner start and stop it;
//  * SIGTERM/SIGINT: every resource is stopped, then the master is told the
//    node leaves (it is parked: nothing is relocated), then it exits 0.
//  * a guard process kills the resources' process groups if the agent dies
//    (resource_runner.hpp).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "actors/ha/node_lease.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/logging.hpp"
#include "frontends/common/mds_client.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "frontends/shamand/resource_runner.hpp"
#include "persistence/host_config.hpp"
#include "protocol/common.capnp.h"

using namespace pstorage;
namespace fs = std::filesystem;
namespace p = pstorage::proto;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What the renewal thread and the main loop share.
struct shared_state {
  std::mutex mu;
  std::condition_variable cv;
  ha::lease_timing timing;
  bool have_grant = false;
  int64_t requested_at = 0;                       // agent clock: send time of the newest granted request
  std::map<std::string, shamand::resource_spec> assigned;
  std::vector<std::string> active;                // the runner's, for the next report
  std::vector<std::string> started;               // not yet delivered to a master
  std::vector<std::pair<std::string, std::string>> failed;
  bool idle = true;
  std::atomic<bool> stopping{false};
  std::atomic<bool> left{false};                  // the leaving report was answered (or given up)
};

void renew_loop(shared_state& S, frontend::mds_client& client, const std::string& cluster, const std::string& digest,
                const std::string& node) {
  std::string last_problem;
  for (;;) {
    msg::agent_to_mds_ha_renew req;
    bool leaving = false;
    size_t n_started = 0, n_failed = 0;
    int64_t renew_every;
    {
      std::lock_guard lk(S.mu);
      leaving = S.stopping && S.idle;
      n_started = S.started.size();
      n_failed = S.failed.size();
      renew_every = S.timing.renew_every;
      req = wire::make<p::AgentToMdsHaRenew>([&](auto b) {
        auto c = b.initCredentials();
        c.setCluster(cluster);
        c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
        b.setNode(node);
        b.setLeaving(leaving);
        auto r = b.initRunning(static_cast<unsigned>(leaving ? 0 : S.active.size()));
        for (unsigned i = 0; !leaving && i < S.active.size(); ++i) r.set(i, S.active[i]);
        auto st = b.initStarted(static_cast<unsigned>(n_started));
        for (unsigned i = 0; i < n_started; ++i) st.set(i, S.started[i]);
        auto f = b.initFailed(static_cast<unsigned>(n_failed));
        for (unsigned i = 0; i < n_failed; ++i) {
          f[i].setResource(S.failed[i].first);
          f[i].setReason(S.failed[i].second);
        }
      });
    }
    const int64_t sent = now_ns();
    std::string problem;
    try {
      // A renewal not answered within a renew period is worth no more than
      // the next one: try the next MDS then (an MDS killed with -9 would
      // otherwise hold the request for mds_client's 15 s, past the lease).
      client.set_request_timeout(
          std::chrono::milliseconds(std::max<int64_t>(renew_every / 1'000'000, 500)));
      auto answer = client.send(req);
      auto d = wire::decode(answer);
      if (!d) throw std::runtime_error(d.error);
      std::lock_guard lk(S.mu);
      S.started.erase(S.started.begin(), S.started.begin() + static_cast<long>(n_started));
      S.failed.erase(S.failed.begin(), S.failed.begin() + static_cast<long>(n_failed));
      if (d->getStatus().getCode() != p::STATUS_OK) problem = d->getStatus().getMessage().cStr();
      if (d->getGranted()) {
        ha::lease_timing t;
        t.lease = d->getLeaseNs();
        t.drift_margin = d->getDriftMarginNs();
        t.stop_budget = d->getStopBudgetNs();
        t.renew_every = d->getRenewEveryNs();
        if (ha::check_timing(t, 0).empty()) S.timing = t;
        if (sent > S.requested_at) {
          S.requested_at = sent;
          S.have_grant = true;
          S.assigned.clear();
          for (auto r : d->getAssigned())
            S.assigned[r.getName().cStr()] = {r.getName().cStr(), r.getStartCmd().cStr(), r.getStopCmd().cStr(),
                                              r.getCheckCmd().cStr(), r.getIp().cStr()};
        }
      } else {
        S.assigned.clear();  // the master wants nothing run here
      }
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (problem != last_problem) {
      if (!problem.empty()) spdlog::warn("lease renewal: {}", problem);
      else spdlog::info("lease renewal: granted");
      last_problem = problem;
    }
    if (leaving) {
      spdlog::info(problem.empty() ? "the master parked this node: its resources are not relocated"
                                   : "could not tell the master this node leaves; its lease will run out");
      S.left = true;
      S.cv.notify_all();
      return;
    }
    const int64_t wait = sent + renew_every - now_ns();
    std::unique_lock lk(S.mu);
    if (wait > 0) S.cv.wait_for(lk, std::chrono::nanoseconds(wait), [&] { return S.stopping && S.idle; });
  }
}

}  // namespace

int main(int argc, char** argv) {
  frontend::block_stop_signals();
  CLI::App app{
      "pstorage-shamand: the High Availability agent of this node (guide: \"Configuring High Availability\").\n"
      "Holds the node's lease from the master MDS, runs the HA resources the master assigns to this node\n"
      "(pstorage -c NAME ha add ...), and stops them itself when it cannot renew the lease (self-fencing).\n"
      "SIGTERM/Ctrl-C stops the resources and parks the node: nothing is relocated (stop it first at a\n"
      "shutdown). Enable the node first: pstorage -c NAME ha enable-node --node HOST. docs/ha.md."};
  std::string cluster, node = frontend::local_host_name(), config_dir, state_dir = "/var/lib/pstorage/shamand";
  std::string ip_dev = "eth0";
  double check_interval_s = 5;
  int verbosity = 0;
  app.add_option("-c,--cluster", cluster, "cluster name")->required();
  app.add_option("--node", node, "this node's HA name (default: the host name)");
  app.add_option("--state-dir", state_dir, "log directory: shamand.log and RESOURCE.log (default /var/lib/pstorage/shamand)");
  app.add_option("--ip-dev", ip_dev, "network device for resources' --ip addresses (default eth0)");
  app.add_option("--check-interval", check_interval_s,
                 "seconds between two runs of a running resource's --check command (default 5); a check that "
                 "fails or takes longer fails the resource like a failed start")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--config-dir", config_dir, "configuration root (default $PSTORAGE_CONFIG_DIR or /etc/pstorage)");
  app.add_flag("-v,--verbose", verbosity, "more log output (repeat for more)");
  CLI11_PARSE(app, argc, argv);

  if (!config_dir.empty())  // mds_client reads this host's TLS credentials from there (node_tls.hpp)
    ::setenv("PSTORAGE_CONFIG_DIR", config_dir.c_str(), 1);
  try {
    persistence::host_config host(
        persistence::resolve_config_dir(config_dir.empty() ? std::nullopt : std::optional(config_dir)));
    if (auto e = persistence::validate_cluster_name(cluster)) throw std::runtime_error(*e);
    auto digest = frontend::load_auth_digest(host, cluster);
    auto mdses = frontend::require_mds_addresses(host, cluster);
    fs::create_directories(fs::path(state_dir) / "logs");
    // The guard first: forked while this process has one thread.
    const int guard_fd = shamand::start_guard();
    frontend::setup_logging("shamand", fs::path(state_dir) / "shamand.log", verbosity);
    spdlog::info("HA agent of node '{}' in cluster '{}' starting", node, cluster);

    shared_state S;
    frontend::mds_client client(cluster, mdses);
    std::thread renewer([&] { renew_loop(S, client, cluster, digest, node); });
    std::thread signals([&] {
      int sig = frontend::wait_for_stop();
      spdlog::info("signal {}: stopping every resource, then leaving the HA cluster", sig);
      S.stopping = true;
      S.cv.notify_all();
    });

    shamand::runner_options ro;
    ro.node = node;
    ro.ip_dev = ip_dev;
    ro.log_dir = (fs::path(state_dir) / "logs").string();
    ro.guard_fd = guard_fd;
    ro.check_every_ns = static_cast<int64_t>(check_interval_s * 1e9);
    shamand::resource_runner runner(ro);
    bool fenced_logged = false;
    while (!S.left) {
      const int64_t now = now_ns();
      std::map<std::string, shamand::resource_spec> wanted;
      {
        std::lock_guard lk(S.mu);
        const bool fenced = S.have_grant && ha::agent_must_stop(S.timing, S.requested_at, now);
        if (fenced && !fenced_logged)
          spdlog::warn("no lease renewal granted for {} ms: stopping every resource (self-fencing)",
                       (now - S.requested_at) / 1'000'000);
        fenced_logged = fenced;
        if (S.have_grant && !fenced && !S.stopping) wanted = S.assigned;
      }
      runner.step(wanted, now);
      {
        std::lock_guard lk(S.mu);
        S.active = runner.active();
        for (auto& s : runner.take_started()) S.started.push_back(s);
        for (auto& f : runner.take_failed()) S.failed.push_back(f);
        S.idle = runner.idle();
      }
      if (S.stopping && runner.idle()) S.cv.notify_all();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    renewer.join();
    // The signal thread waits in sigwait: it ends with the process.
    signals.detach();
    spdlog::info("HA agent of node '{}' stopped", node);
    close(guard_fd);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pstorage-shamand: " << e.what() << "\n";
    return 1;
  }
}
