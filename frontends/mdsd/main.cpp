// pstorage-mdsd — runs one metadata server in the foreground
// (guide: "Stage 2: Creating the First MDS Server", "service pstorage-mdsd
// start"). Ports: ADDR:PORT serves the MDS actor (default 2510), PORT+1 the
// HTTP status (default 2511); see docs/ports.md.
#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <random>

#include "actors/common/node_config.hpp"
#include "actors/mds/mds_actor.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/http_status.hpp"
#include "frontends/common/logging.hpp"
#include "frontends/common/stat_view.hpp"
#include "persistence/host_config.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"

using namespace pstorage;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  frontend::block_stop_signals();
  CLI::App app{"pstorage-mdsd: run a pstorage metadata server (MDS) in the foreground.\n"
               "The repository is created by 'pstorage -c NAME make-mds'. Stop with SIGTERM or Ctrl-C."};
  std::string repo, address, config_dir;
  int verbosity = 0;
  uint64_t offline_ms = 300000;
  app.add_option("-r,--repository", repo, "MDS repository directory (made by make-mds)")->required();
  app.add_option("-a,--address", address,
                 "ADDR[:PORT] to serve on instead of the one recorded at make-mds; PORT+1 serves HTTP /status");
  app.add_option("--config-dir", config_dir, "configuration root (default $PSTORAGE_CONFIG_DIR or /etc/pstorage)");
  app.add_option("--offline-timeout-ms", offline_ms,
                 "mds.wd.offline_tout: inactive CS becomes offline after this many ms (default 300000)");
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
    frontend::load_auth_digest(host, cluster);  // refuses to start on an unauthenticated host
    frontend::setup_logging("mdsd", fs::path(repo) / "logs" / "mdsd.log", verbosity);

    std::string err;
    auto ep = parse_endpoint(address.empty() ? store->self_address() : address, &err);
    if (!ep) throw std::runtime_error(err);
    if (!ep->port) ep->port = persistence::default_mds_port;

    node_config cfg;
    caf::actor_system sys{cfg};
    mds_deps deps;
    deps.store = store;
    deps.liveness.offline_after = std::chrono::milliseconds(offline_ms);
    deps.http_port = static_cast<uint16_t>(ep->port + 1);
    deps.seed = std::random_device{}();
    deps.md = md;
    deps.journal = journal;
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
    auto published = sys.middleman().publish(mds, ep->port, ep->host.c_str(), true);
    if (!published)
      throw std::runtime_error("cannot listen on " + ep->to_string() + ": " + sys.render(published.error()) +
                               " (port in use? another MDS running? pick another with -a ADDR:PORT)");
    frontend::http_status_server http(ep->host, deps.http_port, [&sys, mds, cluster, digest] {
      caf::scoped_actor self{sys};
      std::string body;
      auto req = wire::make<proto::ClientToMdsStat>([&](auto b) {
        auto c = b.initCredentials();
        c.setCluster(cluster);
        c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
      });
      self->request(mds, std::chrono::seconds(5), std::move(req))
          .receive(
              [&](msg::mds_to_client_stat& a) {
                auto d = wire::decode(a);
                body = d ? frontend::stat_to_json(*d).dump() : "{}";
              },
              [&](caf::error& e) { throw std::runtime_error(sys.render(e)); });
      return body;
    });
    spdlog::info("MDS#{} of cluster '{}' serving on {} (HTTP status on port {}, chunk size {} bytes)",
                 self_id, cluster, ep->to_string(), http.port(), md->chunk_size());
    int sig = frontend::wait_for_stop();
    spdlog::info("stopping on signal {}", sig);
    caf::anon_send_exit(mds, caf::exit_reason::user_shutdown);
    sys.middleman().close(*published);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pstorage-mdsd: " << e.what() << "\n";
    spdlog::error("{}", e.what());
    return 1;
  }
}
