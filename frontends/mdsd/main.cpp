// pstorage-mdsd — runs one metadata server in the foreground
// (guide: "Stage 2: Creating the First MDS Server", "service pstorage-mdsd
// start"). Ports (docs/ports.md): ADDR:PORT is the MDS<->MDS port where the
// election actor is published (default 2510), PORT+1 serves the MDS actor to
// clients, CSs and the CLI (2511), PORT+2 the HTTP status (2512): GET
// /status and GET /metrics (docs/monitoring.md).
#include <malloc.h>
#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <optional>
#include <iostream>
#include <random>

#include "actors/common/transport.hpp"
#include "actors/common/mds_locator_policy.hpp"
#include "actors/common/node_config.hpp"
#include "actors/election/election_connector.hpp"
#include "actors/mds/mds_actor.hpp"
#include "frontends/common/auth_wire.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/http_status.hpp"
#include "frontends/common/log_share.hpp"
#include "frontends/common/logging.hpp"
#include "frontends/common/metrics_daemons.hpp"
#include "frontends/common/process_stats.hpp"
#include "frontends/common/stat_view.hpp"
#include "frontends/common/bounded_stop.hpp"
#include "persistence/host_config.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"
#include "persistence/node_tls.hpp"

using namespace pstorage;
namespace fs = std::filesystem;

namespace {
// One auth-node step on the HTTP port: JSON body -> the MDS actor -> JSON
// (auth_wire.hpp). A malformed body answers 400; no answer within 10 s an
// IO error status.
template <class Answer, class Handle, class Request, class ToJson>
frontend::http_status_server::post_handler auth_gateway(caf::actor_system& sys, Handle mds, Request make_request,
                                                        ToJson to_json) {
  return [&sys, mds, make_request, to_json](const std::string& body, const std::string& peer) {
    nlohmann::json j;
    try {
      auto request = make_request(nlohmann::json::parse(body), peer);
      caf::scoped_actor self{sys};
      self->request(mds, std::chrono::seconds(10), std::move(request))
          .receive([&](Answer& answer) { j = to_json(answer); },
                   [&](caf::error& e) { j = {{"status", proto::STATUS_IO_ERROR}, {"message", sys.render(e)}}; });
    } catch (const std::exception& e) {
      return std::pair<int, std::string>(
          400, nlohmann::json{{"status", proto::STATUS_BAD_REQUEST}, {"message", e.what()}}.dump());
    }
    return std::pair<int, std::string>(200, j.dump());
  };
}
}  // namespace

int main(int argc, char** argv) {
  // At most two glibc arenas: with one per CAF worker, each kept its own copy
  // of the master's freed repair working set (docs/soak.md "MDS memory";
  // heap_trim.hpp gives back what is left). Before any thread starts.
  mallopt(M_ARENA_MAX, 2);
  frontend::block_stop_signals();
  CLI::App app{"pstorage-mdsd: run a pstorage metadata server (MDS) in the foreground.\n"
               "The repository is created by 'pstorage -c NAME make-mds'. Stop with SIGTERM or Ctrl-C."};
  std::string repo, address, config_dir;
  int verbosity = 0;
  uint64_t offline_ms = 300000;
  app.add_option("-r,--repository", repo, "MDS repository directory (made by make-mds)")->required();
  app.add_option("-a,--address", address,
                 "ADDR[:PORT] to serve on instead of the one recorded at make-mds: PORT is the MDS<->MDS port, "
                 "PORT+1 serves clients, CSs and the CLI, PORT+2 HTTP /status");
  app.add_option("--config-dir", config_dir, "configuration root (default $PSTORAGE_CONFIG_DIR or /etc/pstorage)");
  app.add_option("--offline-timeout-ms", offline_ms,
                 "mds.wd.offline_tout: inactive CS becomes offline after this many ms (default 300000)");
  uint64_t session_ms = 60000;
  app.add_option("--session-timeout-ms", session_ms,
                 "a client (mount) not heard from for this many ms loses its open files and write leases; files "
                 "unlinked while open that nobody has open any more are then purged (default 60000)");
  uint64_t journal_keep = 20000, journal_every = 20000;
  app.add_option("--journal-keep", journal_keep,
                 "journal compaction: keep this many newest applied entries in journal.db so a follower that is "
                 "briefly behind catches up from them; one further behind gets the whole md.db (default 20000)");
  app.add_option("--journal-compact-every", journal_every,
                 "journal compaction: compact once this many more entries are applied (default 20000)");
  app.add_flag("-v,--verbose", verbosity, "more log output (repeat for more)");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!persistence::mds_store::exists(repo))
      throw std::runtime_error("'" + repo + "' is not an MDS repository; create it with 'pstorage -c NAME make-mds'");
    auto store = std::make_shared<persistence::mds_store>(persistence::mds_store::db_path(repo).string());
    // Namespace + chunk map (DIR/md.db), created on first start with the chunk
    // size recorded by make-mds (--chunk-size); later starts must agree.
    persistence::md_store_options md_opts;
    if (auto cs = persistence::meta_get(store->db(), "chunk_size")) md_opts.chunk_size = std::stoull(*cs);
    auto md = std::make_shared<persistence::md_store>((fs::path(repo) / "md.db").string(), md_opts);
    // The replicated journal (docs/election.md): the election actor's file.
    auto journal = std::make_shared<persistence::journal_store>(
        (fs::path(repo) / persistence::journal_store::file_name).string());
    auto cluster = store->cluster();
    persistence::host_config host(persistence::resolve_config_dir(config_dir.empty() ? std::nullopt
                                                                                      : std::optional(config_dir)));
    // Read where no host_config is passed (the license vendor key, actors/license/vendor_key.hpp).
    ::setenv("PSTORAGE_CONFIG_DIR", host.root().c_str(), 1);
    frontend::load_auth_digest(host, cluster);  // refuses to start on an unauthenticated host
    frontend::setup_logging("mdsd", fs::path(repo) / "logs" / "mdsd.log", verbosity);

    std::string err;
    auto ep = parse_endpoint(address.empty() ? store->self_address() : address, &err);
    if (!ep) throw std::runtime_error(err);
    if (!ep->port) ep->port = persistence::default_mds_port;

    node_config cfg;
    // Mutual TLS with the cluster CA unless encryption is off (persistence/node_tls.hpp).
    if (auto tls = persistence::require_node_tls(host, cluster)) cfg.use_tls(tls->cert, tls->key, tls->ca);
    // Armed on SIGTERM; outlives the actor system, whose destructor it bounds.
    std::optional<frontend::stop_watchdog> watchdog;
    caf::actor_system sys{cfg};
    mds_deps deps;
    deps.store = store;
    deps.liveness.offline_after = std::chrono::milliseconds(offline_ms);
    deps.session_timeout = std::chrono::milliseconds(std::max<uint64_t>(session_ms, 1000));
    if (ep->port > 65533) throw std::runtime_error("port " + std::to_string(ep->port) + " leaves no room for PORT+1 and PORT+2");
    const uint16_t service_port = mds_locate::service_endpoint(*ep).port;
    deps.http_port = static_cast<uint16_t>(ep->port + 2);
    deps.connect_peer = make_remote_peer_connector(sys);
    // The election actor goes on the MDS<->MDS port: spawn_mds hands it over
    // from the MDS actor's start (a worker thread), so main waits for it.
    auto election_promise = std::make_shared<std::promise<election_api>>();
    auto election_future = election_promise->get_future();
    deps.election_spawned = [election_promise](const election_api& e) { election_promise->set_value(e); };
    deps.seed = std::random_device{}();
    deps.md = md;
    deps.journal = journal;
    deps.journal_keep = journal_keep;
    deps.journal_compact_every = std::max<uint64_t>(journal_every, 1);
    deps.wall_clock_ns = [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    // Everything the main thread needs from the store is read before the
    // actor exists: from then on only the MDS actor uses the SQLite
    // connections (opened without SQLite's own mutex, persistence/sqlite_db).
    const auto digest = store->auth().digest;
    const auto self_id = store->self_id();
    auto mds = spawn_mds(sys, deps);
    try {  // from here an error must stop the MDS actor: stop_after_error
    auto listen = [&](auto handle, uint16_t port, const char* what) {
      auto p = transport::publish(sys, handle, port, ep->host.c_str(), true);
      if (!p) {
        throw std::runtime_error("cannot listen on " + ep->host + ":" + std::to_string(port) + " (" + what +
                                 "): " + sys.render(p.error()) +
                                 " (port in use? another MDS running? pick another with -a ADDR:PORT; the MDS "
                                 "uses PORT, PORT+1 and PORT+2)");
      }
      return *p;
    };
    if (election_future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      throw std::runtime_error("the MDS started no election actor within 30 s");
    }
    auto peer_port = listen(election_future.get(), ep->port, "MDS<->MDS");
    auto published = listen(mds, service_port, "clients, CSs, CLI");
    // The MDS actor's stat answer (ClientToMdsStat), as `pstorage stat` gets
    // it; an error if it gives none within 5 s.
    auto ask_stat = [&sys, mds, cluster, digest]() -> std::optional<msg::mds_to_client_stat> {
      caf::scoped_actor self{sys};
      std::optional<msg::mds_to_client_stat> answer;
      auto req = wire::make<proto::ClientToMdsStat>([&](auto b) {
        auto c = b.initCredentials();
        c.setCluster(cluster);
        c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
      });
      self->request(mds, std::chrono::seconds(5), std::move(req))
          .receive([&](msg::mds_to_client_stat& a) { answer = std::move(a); },
                   [&](caf::error& e) { throw std::runtime_error(sys.render(e)); });
      return answer;
    };
    // GET /metrics (docs/monitoring.md): this MDS's role always; the
    // cluster's figures when it answers stat itself (the master).
    auto metrics = [&ask_stat, self_id, cluster] {
      std::optional<msg::mds_to_client_stat> answer;
      try {
        answer = ask_stat();
      } catch (const std::exception& e) {
        spdlog::debug("/metrics: no stat answer: {}", e.what());
      }
      frontend::metrics_registry r;
      wire::decode_result<proto::MdsToClientStat> d;
      if (answer) d = wire::decode(*answer);
      frontend::add_mds_metrics(r, self_id, cluster, d ? &*d : nullptr);
      // %CPU, MEM, UPTIME of this MDS (guide: "Monitoring Metadata Servers")
      if (auto p = frontend::read_process_figures()) frontend::add_process_metrics(r, *p);
      return r.text();
    };
    // auth-node (issue 14): a host without a certificate cannot reach the
    // MDS actor over TLS, so its two steps come as JSON on this port and go
    // to the actor with the connecting address (auth_wire.hpp).
    std::map<std::string, frontend::http_status_server::post_handler> auth_posts{
        {frontend::auth_wire::challenge_path,
         auth_gateway<msg::mds_to_client_auth_salt>(sys, mds, frontend::auth_wire::challenge_request,
                                                    frontend::auth_wire::challenge_answer)},
        {frontend::auth_wire::node_path,
         auth_gateway<msg::mds_to_client_auth_node>(sys, mds, frontend::auth_wire::node_request,
                                                    frontend::auth_wire::node_answer)},
        // make-report's log tails (log_share.hpp): only for an authenticated host.
        {frontend::log_share::path, [&digest, &cluster, &repo](const std::string& body, const std::string&) {
           return frontend::log_share::answer(body, digest, cluster, fs::path(repo) / "logs", frontend::log_share::now_s());
         }},
        // ... and its configuration: the host's whitelisted files, the repository's settings (never the digest).
        {frontend::log_share::config_path,
         [&digest, &cluster, &repo, root = host.root(),
          settings = nlohmann::json{{"kind", "mds"}, {"cluster", cluster}, {"mds_id", self_id},
                                    {"address", ep->to_string()}, {"http_port", deps.http_port},
                                    {"chunk_size", md->chunk_size()}, {"offline_timeout_ms", offline_ms},
                                    {"session_timeout_ms", session_ms}, {"journal_keep", journal_keep},
                                    {"journal_compact_every", journal_every}}](const std::string& body,
                                                                                const std::string&) {
           return frontend::log_share::config_answer(body, digest, cluster, root, repo, settings,
                                                     frontend::log_share::now_s());
         }}};
    frontend::http_status_server http(
        ep->host, deps.http_port,
        [&ask_stat] {
          auto answer = ask_stat();
          if (!answer) return std::string("{}");
          auto d = wire::decode(*answer);
          return d ? frontend::stat_to_json(*d).dump() : std::string("{}");
        },
        metrics, std::move(auth_posts));
    spdlog::info("MDS#{} of cluster '{}' at {}: MDS<->MDS port {}, clients/CSs on port {}, HTTP status on port "
                 "{}, chunk size {} bytes",
                 self_id, cluster, ep->to_string(), peer_port, published, http.port(), md->chunk_size());
    int sig = frontend::wait_for_stop();
    spdlog::info("stopping on signal {}", sig);
    // Bounded stop (issue 15: exit within 2 s of SIGTERM): the MDS actor is
    // stopped and awaited; helpers that may hang (an election connect to a
    // peer that accepts but never answers) are not (frontends/common/bounded_stop.hpp).
    watchdog.emplace(frontend::stop_limit);
    // The MDS actor first, the ports after: closing the ports drops the CSs'
    // connections, and an MDS actor still running then journaled "CS#N has
    // not registered during the last 0 sec and is marked as inactive" for
    // every CS at every MDS stop (and "The cluster is degraded ...").
    if (!frontend::stop_and_await(sys, mds, frontend::actor_stop_wait))
      spdlog::warn("the MDS actor did not stop within {} ms", frontend::actor_stop_wait.count());
    sys.middleman().close(published);
    sys.middleman().close(peer_port);
    frontend::end_once_no_actor_runs(sys, frontend::helpers_stop_wait, 0);
    sys.await_actors_before_shutdown(false);
    return 0;
    } catch (const std::exception& e) {
      return frontend::stop_after_error(sys, caf::actor_cast<caf::actor>(mds), "pstorage-mdsd", e.what());
    }
  } catch (const std::exception& e) {
    std::cerr << "pstorage-mdsd: " << e.what() << "\n";
    spdlog::error("{}", e.what());
    return 1;
  }
}
