// pstorage-csd — runs one chunk server in the foreground (guide: "Setting Up
// Chunk Servers", "service pstorage-csd start"). It listens on any free port
// unless make-cs or -a gave one, registers with the MDS found through bs.list
// or DNS SRV (docs/discovery.md) and heartbeats. HTTP /status is served on another free port (reported to
// the MDS and shown by `pstorage stat --json`), with GET /metrics beside it;
// see docs/ports.md and docs/monitoring.md.
//
// Replicas live in the repository beside cs.db: chunks.db + chunks/ (see
// persistence/disk_chunk_storage.hpp). Checksumming follows make-cs (-S turns
// it off). The chunk storage is opened with the largest chunk size a CS
// accepts (cs_max_chunk_size, 64 MiB): clusters use that or a smaller size,
// and the storage only uses it as an upper bound for ranges.
#include <sys/statvfs.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <tuple>
#include <nlohmann/json.hpp>
#include <iostream>

#include "actors/common/transport.hpp"
#include "actors/common/node_config.hpp"
#include "actors/cs/cs_actor.hpp"
#include "actors/cs/disk_health.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/discovery_rules.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "frontends/common/http_status.hpp"
#include "frontends/common/log_share.hpp"
#include "frontends/common/metrics_daemons.hpp"
#include "frontends/common/bounded_stop.hpp"
#include "frontends/common/process_stats.hpp"
#include "frontends/common/logging.hpp"
#include "actors/common/cs_directory.hpp"
#include "frontends/csd/connection_guard.hpp"
#include "persistence/disk_chunk_storage.hpp"
#include "persistence/host_config.hpp"
#include "persistence/node_tls.hpp"

using namespace pstorage;
namespace fs = std::filesystem;

static space_info disk_space(const std::string& dir) {
  struct statvfs s {};
  if (statvfs(dir.c_str(), &s) != 0) return {};
  return {static_cast<uint64_t>(s.f_blocks) * s.f_frsize, static_cast<uint64_t>(s.f_bavail) * s.f_frsize};
}

// Why the repository's chunk storage cannot be used, or "" if it can. A
// repository whose storage was never created (no chunks.db) is fine: the
// first start creates it.
static std::string chunk_dir_problem(const fs::path& repo) {
  std::error_code ec;
  if (!fs::exists(repo / "chunks.db", ec)) return {};
  const auto chunks = repo / "chunks";
  if (!fs::is_directory(chunks, ec)) return "'" + chunks.string() + "' is missing";
  if (::access(chunks.c_str(), R_OK | W_OK | X_OK) != 0)
    return "'" + chunks.string() + "' is not accessible: " + std::strerror(errno);
  return {};
}

int main(int argc, char** argv) {
  frontend::block_stop_signals();
  CLI::App app{"pstorage-csd: run a pstorage chunk server (CS) in the foreground.\n"
               "The repository is created by 'pstorage -c NAME make-cs'. Stop with SIGTERM or Ctrl-C."};
  std::string repo, address, config_dir;
  int verbosity = 0;
  app.add_option("-r,--repository", repo, "CS repository directory (made by make-cs)")->required();
  app.add_option("-a,--address", address, "ADDR[:PORT] to serve on (default: as given to make-cs, else any port)");
  app.add_option("--config-dir", config_dir, "configuration root (default $PSTORAGE_CONFIG_DIR or /etc/pstorage)");
  app.add_flag("-v,--verbose", verbosity, "more log output (repeat for more)");
  CLI11_PARSE(app, argc, argv);
  // Armed on SIGTERM; outlives the actor system, whose destructor it bounds
  // (frontends/common/bounded_stop.hpp).
  std::optional<frontend::stop_watchdog> watchdog;

  std::atomic<bool> fatal{false};
  try {
    if (!persistence::cs_repo::exists(repo))
      throw std::runtime_error("'" + repo + "' is not a chunk server repository; create it with "
                               "'pstorage -c NAME make-cs -r " + repo + "'");
    auto csrepo = std::make_shared<persistence::cs_repo>(persistence::cs_repo::db_path(repo).string());
    auto settings = csrepo->settings();
    persistence::host_config host(persistence::resolve_config_dir(config_dir.empty() ? std::nullopt
                                                                                      : std::optional(config_dir)));
    auto digest = frontend::load_auth_digest(host, settings.cluster);
    std::string mds_source, mds_error;  // bs.list, else DNS SRV _pstorage._tcp.CLUSTER
    auto mdses = frontend::mds_addresses(host, settings.cluster, &mds_source, &mds_error);
    if (mdses.empty()) throw std::runtime_error(mds_error);
    frontend::setup_logging("csd", fs::path(repo) / "logs" / "csd.log", verbosity);
    spdlog::info("MDS addresses of cluster '{}' from {}: {}", settings.cluster, mds_source,
                 frontend::discovery::join_endpoints(mdses));

    std::string err;
    std::string addr_text = address.empty() ? settings.address : address;
    endpoint ep;
    if (!addr_text.empty()) {
      auto p = parse_endpoint(addr_text, &err);
      if (!p) throw std::runtime_error(err);
      ep = *p;
    } else {
      // No address given: serve where the MDS is reachable from (loopback
      // clusters stay on loopback), on any free port.
      ep.host = mdses.front().host.rfind("127.", 0) == 0 || mdses.front().host == "::1" ? mdses.front().host
                                                                                        : "0.0.0.0";
    }

    persistence::disk_storage_options sopts;
    sopts.checksums = settings.checksums;
    sopts.chunk_size = cs_max_chunk_size;
    // Flag R (guide: "Failed Chunk Servers": "The path to the chunk repository
    // is invalid on CS start"): the chunk storage existed (chunks.db) but its
    // chunks/ directory is missing or inaccessible, or it cannot be opened.
    // The CS then runs without storage and reports R; it never recreates an
    // empty chunks/ over a disk that is not mounted.
    std::shared_ptr<persistence::chunk_storage> storage;
    std::string repo_problem = chunk_dir_problem(fs::path(repo));
    if (repo_problem.empty()) {
      auto opened = persistence::disk_chunk_storage::open(fs::path(repo), sopts);
      if (opened)
        storage = std::move(opened.value);
      else
        repo_problem = opened.status.message;
    }
    if (!repo_problem.empty()) {
      spdlog::error("chunk repository '{}' is invalid (flag R): {}", repo, repo_problem);
      std::cerr << "pstorage-csd: chunk repository invalid (flag R): " << repo_problem << "\n";
    } else {
      if (storage->checksums_enabled() != settings.checksums)
        spdlog::warn("chunk storage in '{}' has checksums {}, the repository settings say {}; the storage wins", repo,
                     storage->checksums_enabled() ? "on" : "off", settings.checksums ? "on" : "off");
      if (auto all = storage->list())
        spdlog::info("chunk storage: {} replicas, checksums {}", all.value.size(),
                     storage->checksums_enabled() ? "on (flag C)" : "off (flag D)");
    }

    node_config cfg;
    // Mutual TLS with the cluster CA unless encryption is off (persistence/node_tls.hpp).
    if (auto tls = persistence::require_node_tls(host, settings.cluster)) cfg.use_tls(tls->cert, tls->key, tls->ca);
    caf::actor_system sys{cfg};
    auto repo_path = fs::absolute(repo).string();
    std::atomic<uint32_t> cs_id{settings.cs_id};
    std::atomic<bool> registered{false};
    // I/O figures (docs/monitoring.md): recorded by the CS actor, read here
    // on the HTTP thread. CAF's clock is the steady clock in the daemon.
    auto io = std::make_shared<cs::io_monitor>(std::chrono::steady_clock::now());
    auto io_json = [&io] {
      auto [f, t] = io->read(std::chrono::steady_clock::now());
      return nlohmann::json{{"window_s", f.window_s},
                            {"read_bytes_per_s", f.read_bytes_per_s},
                            {"write_bytes_per_s", f.write_bytes_per_s},
                            {"read_ops_per_s", f.read_ops_per_s},
                            {"write_ops_per_s", f.write_ops_per_s},
                            {"sync_ops_per_s", f.sync_ops_per_s},
                            {"latency_avg_ms", f.latency_avg_ms},
                            {"latency_max_ms", f.latency_max_ms},
                            {"queue_depth", f.queue_depth},
                            {"iowait_percent", f.iowait_percent},
                            {"in_flight", f.in_flight},
                            {"read_bytes_total", t.read_bytes},
                            {"write_bytes_total", t.write_bytes},
                            {"read_ops_total", t.read_ops},
                            {"write_ops_total", t.write_ops},
                            {"sync_ops_total", t.sync_ops},
                            {"unaligned_writes", f.unaligned_writes},  // JRMW, last 20 s
                            {"unaligned_writes_total", t.unaligned_writes}};
    };
    // The disks table of `pstorage top` (actors/cs/disk_health.hpp): smartctl
    // at most every 10 minutes, like the guide's cron job; $PSTORAGE_SMARTCTL
    // names another program (tests).
    std::mutex disk_mutex;
    std::optional<cs::disk_health> disk;
    std::chrono::steady_clock::time_point disk_at;
    // The same cached reading for /status (`disk`) and /metrics
    // (pstorage_cs_disk_smart_status, docs/monitoring.md).
    auto disk_now = [&] {
      std::lock_guard<std::mutex> g(disk_mutex);
      const auto now = std::chrono::steady_clock::now();
      if (!disk || now - disk_at >= std::chrono::minutes(10)) {
        const char* prog = std::getenv("PSTORAGE_SMARTCTL");
        disk = cs::read_disk_health(repo_path, prog && *prog ? prog : "smartctl");
        disk_at = now;
      }
      return *disk;
    };
    auto metrics = [&] {
      frontend::cs_metrics_input in;
      in.cs_id = cs_id.load();
      in.registered = registered.load();
      in.cluster = settings.cluster;
      auto sp = disk_space(repo_path);
      in.space_bytes = sp.total_bytes;
      in.free_bytes = sp.free_bytes;
      std::tie(in.io, in.totals) = io->read(std::chrono::steady_clock::now());
      in.disk = disk_now();
      frontend::metrics_registry r;
      frontend::add_cs_metrics(r, in);
      if (auto p = frontend::read_process_figures()) frontend::add_process_metrics(r, *p);
      return r.text();
    };
    frontend::http_status_server http(ep.host, 0, [&] {
      auto sp = disk_space(repo_path);
      nlohmann::json j{{"role", "cs"},
                       {"cluster", settings.cluster},
                       {"cs_id", cs_id.load()},
                       {"registered", registered.load()},
                       {"repository", repo_path},
                       {"tier", settings.tier},
                       {"checksums", storage ? storage->checksums_enabled() : settings.checksums},
                       {"repository_missing", storage == nullptr},
                       {"space_bytes", sp.total_bytes},
                       {"free_bytes", sp.free_bytes},
                       {"io", io_json()},
                       {"disk", disk_now().to_json()}};
      return j.dump();
    }, metrics, {{frontend::log_share::path, [&](const std::string& body, const std::string&) {
      // make-report's log tails (log_share.hpp): only for an authenticated host.
      return frontend::log_share::answer(body, digest, settings.cluster, fs::path(repo) / "logs", frontend::log_share::now_s());
    }}, {frontend::log_share::config_path, [&](const std::string& body, const std::string&) {
      // ... and its configuration: the host's whitelisted files, the repository's settings (cs.db).
      nlohmann::json s{{"kind", "cs"}, {"cluster", settings.cluster}, {"cs_id", cs_id.load()},
                       {"repo_uuid", settings.repo_uuid}, {"tier", settings.tier}, {"checksums", settings.checksums},
                       {"address", settings.address}};
      return frontend::log_share::config_answer(body, digest, settings.cluster, host.root(), repo, s,
                                                frontend::log_share::now_s());
    }}});

    cs_deps deps;
    deps.repo = csrepo;
    deps.storage = storage;
    deps.io = io;
    deps.repository_missing = storage == nullptr;
    deps.directory = spawn_remote_cs_directory(sys);
    deps.space = [repo_path] { return disk_space(repo_path); };
    deps.locator = spawn_remote_mds_locator(sys, mdses);
    deps.digest = digest;
    deps.host = frontend::local_host_name();
    deps.host_id = host.host_id();
    deps.location = host.location();
    deps.http_port = http.port();
    deps.on_registered = [&](uint32_t id) {
      cs_id = id;
      registered = true;
    };
    deps.on_fatal = [&](const std::string&) {
      fatal = true;
      frontend::request_stop();
    };
    // Publish first so the address we register is the one we listen on.
    auto cs = spawn_cs(sys, deps);
    try {  // from here an error must stop the CS actor: stop_after_error
    auto port = transport::publish(sys, cs, ep.port, ep.host.c_str(), true);
    if (!port)
      throw std::runtime_error("cannot listen on " + ep.to_string() + ": " + sys.render(port.error()) +
                               " (port in use? pick another with -a ADDR:PORT)");
    // Connections to the port that never send one complete BASP header are
    // closed with a logged reason (CAF 0.17 keeps them forever).
    csd::connection_guard guard(*port);
    endpoint advertised{ep.host == "0.0.0.0" ? deps.host : ep.host, *port};
    caf::anon_send(cs, start_atom::value, advertised.to_string());
    // The CS actor ends only when the daemon stops it, or on an exit message
    // with reason kill, which CAF 0.17 delivers from any peer that reaches
    // the port and no handler can refuse (docs/security.md): then the daemon
    // must not linger serving nothing; it exits 1 (systemd restarts it).
    auto stopping = std::make_shared<std::atomic<bool>>(false);  // outlives this scope in the functor
    caf::actor_cast<caf::abstract_actor*>(cs)->attach_functor([stopping, &sys, &fatal](const caf::error& reason) {
      if (*stopping) return;
      spdlog::error("the chunk server actor stopped ({}); a peer may have sent it an exit message. Exiting",
                    sys.render(reason));
      fatal = true;
      frontend::request_stop();
    });
    spdlog::info("chunk server of cluster '{}' serving on {} (HTTP status on port {})", settings.cluster,
                 advertised.to_string(), http.port());
    int sig = frontend::wait_for_stop();
    if (!fatal) spdlog::info("stopping on signal {}", sig);
    // Bounded stop (issue 15): the CS actor, owner of the chunk files and
    // chunks.db, is stopped and awaited; helpers that may hang (a connect to
    // an MDS that accepts but never answers) are not.
    watchdog.emplace(frontend::stop_limit);
    *stopping = true;
    caf::anon_send_exit(deps.directory, caf::exit_reason::user_shutdown);
    sys.middleman().close(*port);
    if (!frontend::stop_and_await(sys, cs, frontend::actor_stop_wait))
      spdlog::warn("the chunk server actor did not stop within {} ms", frontend::actor_stop_wait.count());
    frontend::end_once_no_actor_runs(sys, frontend::helpers_stop_wait, fatal ? 1 : 0);
    sys.await_actors_before_shutdown(false);
    return fatal ? 1 : 0;
    } catch (const std::exception& e) {
      caf::anon_send_exit(deps.directory, caf::exit_reason::user_shutdown);
      return frontend::stop_after_error(sys, caf::actor_cast<caf::actor>(cs), "pstorage-csd", e.what());
    }
  } catch (const std::exception& e) {
    std::cerr << "pstorage-csd: " << e.what() << "\n";
    spdlog::error("{}", e.what());
    return 1;
  }
}
