#include "frontends/cli/mds_commands.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "frontends/cli/mds_cli_rules.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/discovery_rules.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "frontends/common/mds_client.hpp"
#include "persistence/cluster_ca.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/cs_repo.hpp"
#include "persistence/mds_store.hpp"

namespace pstorage::cli {
namespace fs = std::filesystem;

namespace {

struct mds_cli_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class F>
int guarded(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::cerr << "pstorage: " << e.what() << "\n";
    return 1;
  }
}

void require_cluster(const global_options& g) {
  if (g.cluster.empty()) throw mds_cli_error("no cluster given; use -c NAME");
  if (auto e = persistence::validate_cluster_name(g.cluster)) throw mds_cli_error(*e);
}

std::string config_dir_arg(const global_options& g) {
  return g.config_dir ? " --config-dir " + *g.config_dir : std::string();
}

// Can this host listen on host:port? The MDS needs PORT (MDS<->MDS), PORT+1
// (clients, CSs) and PORT+2 (HTTP status) on its address (docs/ports.md).
enum class bind_check { free, in_use, not_local, unknown };

bind_check try_bind(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) return bind_check::unknown;
  bind_check out = bind_check::unknown;
  int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as the daemons bind
    if (bind(fd, res->ai_addr, res->ai_addrlen) == 0) out = bind_check::free;
    else if (errno == EADDRINUSE) out = bind_check::in_use;
    else if (errno == EADDRNOTAVAIL) out = bind_check::not_local;
    close(fd);
  }
  freeaddrinfo(res);
  return out;
}

// The nearest existing directory at or above `p` must be writable.
void require_creatable(const fs::path& p) {
  fs::path probe = p;
  while (!probe.empty() && !fs::exists(probe)) probe = probe.parent_path();
  if (probe.empty()) probe = "/";
  if (access(probe.c_str(), W_OK) != 0)
    throw mds_cli_error("cannot create '" + p.string() + "': '" + probe.string() + "' is not writable (" +
                        std::strerror(errno) + "); choose another directory or run as root");
}

void require_fresh_repo(const fs::path& repo) {
  if (persistence::mds_store::exists(repo) || persistence::cs_repo::exists(repo))
    throw mds_cli_error("'" + repo.string() + "' already holds a pstorage repository; choose another directory");
  if (fs::exists(repo) && !fs::is_directory(repo))
    throw mds_cli_error("'" + repo.string() + "' exists and is not a directory");
  if (fs::exists(repo) && !fs::is_empty(repo))
    throw mds_cli_error("directory '" + repo.string() + "' is not empty; use an empty or new directory");
  require_creatable(repo);
}

// Absolute, without "." / ".." / a trailing '/': as recorded in the service list.
fs::path normal_path(const std::string& p) {
  auto n = fs::absolute(p).lexically_normal();
  if (!n.has_filename() && n.has_parent_path() && n != n.root_path()) n = n.parent_path();
  return n;
}

std::string members_text(const nlohmann::json& members) {
  std::string out;
  for (auto& m : members)
    out += (out.empty() ? "" : ", ") + std::string("MDS#") + std::to_string(m["id"].get<uint32_t>()) + " at " +
           m["address"].get<std::string>();
  return out;
}

}  // namespace

int make_mds_join(const global_options& g, const make_mds_options& o) {
  return guarded([&] {
    require_cluster(g);
    if (o.ask_password || o.password_file)
      throw mds_cli_error(
          "-p/--password-file only go with -I (a new cluster); a joining MDS uses this host's auth_digest.key "
          "(from 'pstorage -c " + g.cluster + " auth-node')");
    if (o.chunk_size_given)
      throw mds_cli_error("--chunk-size only goes with -I: a joining MDS takes the cluster's chunk size");
    std::string err;
    auto ep = parse_mds_address(o.address, &err);
    if (!ep) throw mds_cli_error(err);
    auto host = g.host();

    // 1. This host proves the password with the digest auth-node left.
    auto key = host.auth_key(g.cluster);
    if (!key)
      throw mds_cli_error("this host is not authenticated in cluster '" + g.cluster + "' (" +
                          host.auth_key_path(g.cluster).string() + " is missing); run 'pstorage -c " + g.cluster +
                          config_dir_arg(g) + " auth-node' first (it finds the cluster through " +
                          (host.cluster_dir(g.cluster) / "bs.list").string() + "), then run make-mds again");
    auto auth = persistence::auth_digest::parse(*key);
    if (!auth || auth->cluster != g.cluster)
      throw mds_cli_error(host.auth_key_path(g.cluster).string() + " is corrupt or for another cluster; run 'pstorage -c " +
                          g.cluster + config_dir_arg(g) + " auth-node' again");

    // 2. Local checks before the cluster changes: the repository can be made
    // and the MDS can listen on its ports here.
    const fs::path repo = normal_path(o.repo);
    require_fresh_repo(repo);
    for (uint16_t off = 0; off < 3; ++off) {
      const uint16_t port = static_cast<uint16_t>(ep->port + off);
      switch (try_bind(ep->host, port)) {
        case bind_check::in_use:
          throw mds_cli_error("port " + std::to_string(port) + " on " + ep->host +
                              " is in use (another MDS or program); an MDS at " + ep->to_string() + " needs ports " +
                              std::to_string(ep->port) + ".." + std::to_string(ep->port + 2) +
                              "; pick another with -a ADDR:PORT");
        case bind_check::not_local:
          throw mds_cli_error(ep->host + " is not an address of this host; run make-mds on the host that will run "
                              "the MDS, with one of its own addresses (-a ADDR[:PORT])");
        default: break;
      }
    }

    // 3. Where the cluster is: -b, else bs.list.
    std::vector<endpoint> seeds;
    for (auto& b : o.bootstrap) {
      auto s = parse_mds_address(b, &err);
      if (!s) throw mds_cli_error("-b: " + err);
      seeds.push_back(*s);
    }
    if (seeds.empty()) {
      std::string source, why;
      seeds = frontend::mds_addresses(host, g.cluster, &source, &why);
      if (seeds.empty())
        throw mds_cli_error(why + "; or give a running MDS with -b ADDR[:PORT] (the first MDS, or all running MDSs)");
      spdlog::info("MDS addresses of cluster '{}' from {}: {}", g.cluster, source,
                   frontend::discovery::join_endpoints(seeds));
    }

    // 4. The master adds the MDS to the membership (journaled).
    frontend::mds_client client(g.cluster, seeds);
    nlohmann::json answer;
    try {
      answer = client.membership(auth->digest, ep->to_string(), 0);
    } catch (const std::exception& e) {
      throw mds_cli_error("the cluster did not add an MDS at " + ep->to_string() + ": " + e.what());
    }
    const uint32_t id = answer["mds_id"].get<uint32_t>();
    const uint64_t chunk_size = answer["chunk_size"].get<uint64_t>();
    const auto& members = answer["members"];

    // 5. The repository: nothing half-made. On failure the cluster already
    // lists the MDS: say how to undo that.
    const bool dir_existed = fs::exists(repo);
    try {
      fs::create_directories(repo);
      {
        persistence::mds_store store(persistence::mds_store::db_path(repo).string());
        store.init_cluster(g.cluster, id, ep->to_string(), *auth);
        std::vector<persistence::mds_record> list;
        uint32_t highest = id;
        for (auto& m : members) {
          list.push_back({m["id"].get<uint32_t>(), m["address"].get<std::string>()});
          highest = std::max(highest, list.back().id);
        }
        store.set_mdses(list);
        if (chunk_size) persistence::meta_set(store.db(), "chunk_size", std::to_string(chunk_size));
        // The cluster CA, so this MDS can sign auth-node certificates when
        // master (sent only over TLS; docs/security.md).
        if (answer.contains("ca_key") && answer.contains("ca_certificate")) {
          persistence::meta_set(store.db(), persistence::ca_key_meta, answer["ca_key"].get<std::string>());
          persistence::meta_set(store.db(), persistence::ca_cert_meta, answer["ca_certificate"].get<std::string>());
        }
        persistence::meta_set(store.db(), "max_mds_id", std::to_string(highest));
      }
    } catch (const std::exception& e) {
      std::error_code ec;
      if (dir_existed) {
        for (auto* f : {"mds.db", "mds.db-wal", "mds.db-shm", "mds.db-journal"}) fs::remove(repo / f, ec);
      } else {
        fs::remove_all(repo, ec);
      }
      throw mds_cli_error("the cluster added MDS#" + std::to_string(id) + " at " + ep->to_string() +
                          ", but its repository could not be created in " + repo.string() + ": " + e.what() +
                          "\nUndo the addition with: pstorage -c " + g.cluster + config_dir_arg(g) + " rm-mds " +
                          std::to_string(id));
    }
    // 6. This host: discovery and the service list.
    try {
      for (auto& m : members)
        if (auto a = parse_endpoint(m["address"].get<std::string>())) host.add_to_bs_list(g.cluster, *a);
      host.add_service({"mds", g.cluster, repo.string()});
      host.host_id();
    } catch (const std::exception& e) {
      throw mds_cli_error("MDS#" + std::to_string(id) + " was added and its repository " + repo.string() +
                          " made, but this host's configuration could not be updated: " + e.what() +
                          "\nFix that and add " + ep->to_string() + " to bs.list by hand, or undo with: pstorage -c " +
                          g.cluster + config_dir_arg(g) + " rm-mds " + std::to_string(id) + " and delete " +
                          repo.string());
    }

    std::cout << "Added MDS#" << id << " at " << ep->to_string() << " to cluster '" << g.cluster << "' (repository "
              << repo.string() << ", chunk size " << chunk_size << " bytes)\n"
              << "The cluster's MDSs are now: " << members_text(members) << "\n"
              << "Start it with: pstorage-mdsd" << config_dir_arg(g) << " -r " << repo.string() << "\n";
    if (auto advice = join_advice(id, members.size()); !advice.empty()) std::cout << advice << "\n";
    return 0;
  });
}

int running_mdsd_pid(const std::string& repo) {
  std::error_code ec;
  const fs::path want = fs::weakly_canonical(fs::absolute(repo), ec);
  for (auto& d : fs::directory_iterator("/proc", ec)) {
    const auto name = d.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(d.path() / "cmdline", std::ios::binary);
    std::vector<std::string> argv;
    for (std::string a; std::getline(in, a, '\0');) argv.push_back(a);
    if (argv.empty() || fs::path(argv[0]).filename() != "pstorage-mdsd") continue;
    for (size_t i = 1; i < argv.size(); ++i) {
      std::string r;
      if ((argv[i] == "-r" || argv[i] == "--repository") && i + 1 < argv.size()) r = argv[i + 1];
      else if (argv[i].rfind("--repository=", 0) == 0) r = argv[i].substr(13);
      else if (argv[i].rfind("-r", 0) == 0 && argv[i].size() > 2 && argv[i][2] != '-') r = argv[i].substr(2);
      if (r.empty()) continue;
      fs::path p = r;
      if (p.is_relative()) p = fs::read_symlink(d.path() / "cwd", ec) / p;
      if (fs::weakly_canonical(p, ec) == want) return std::stoi(name);
    }
  }
  return 0;
}

namespace {

int rm_mds(const global_options& g, uint32_t id, bool json) {
  return guarded([&] {
    require_cluster(g);
    if (id == 0) throw mds_cli_error("MDS ids start at 1; see the MDSID column of 'pstorage -c " + g.cluster + " stat'");
    auto host = g.host();
    auto digest = frontend::load_auth_digest(host, g.cluster);
    frontend::mds_client client(g.cluster, frontend::require_mds_addresses(host, g.cluster));
    nlohmann::json answer;
    try {
      answer = client.membership(digest, "", id);
    } catch (const std::exception& e) {
      throw mds_cli_error("MDS#" + std::to_string(id) + " was not removed: " + e.what());
    }
    if (json) {
      std::cout << answer.dump(2) << "\n";
      return 0;
    }
    const auto& members = answer["members"];
    std::cout << "Removed MDS#" << id << " from cluster '" << g.cluster << "'\n"
              << "The cluster's MDSs are now: " << members_text(members) << " (a majority is "
              << mds_majority(members.size()) << " of " << members.size() << ")\n"
              << "On MDS#" << id << "'s host: stop its pstorage-mdsd and delete its repository "
              << "('pstorage list-services -M' shows it); drop its address from bs.list files.\n";
    if (members.size() % 2 == 0)
      std::cout << "Note: " << members.size() << " MDSs tolerate no more failed MDSs than " << members.size() - 1
                << " would; the guide recommends 3 or 5.\n";
    return 0;
  });
}

int configure_mds(const global_options& g, const std::string& repo_arg, const std::vector<std::string>& specs) {
  return guarded([&] {
    const fs::path repo = normal_path(repo_arg);
    if (!persistence::mds_store::exists(repo))
      throw mds_cli_error("'" + repo.string() + "' is not an MDS repository (no mds.db); 'pstorage list-services -M' "
                          "lists this host's MDS repositories");
    std::vector<address_change> changes;
    for (auto& s : specs) {
      std::string err;
      auto c = parse_address_change(s, &err);
      if (!c) throw mds_cli_error(err);
      changes.push_back(*c);
    }
    if (int pid = running_mdsd_pid(repo.string()))
      throw mds_cli_error("pstorage-mdsd (pid " + std::to_string(pid) + ") is running on " + repo.string() +
                          "; stop it first (service pstorage-mdsd stop, or kill " + std::to_string(pid) +
                          "), then run configure-mds again");
    persistence::mds_store store(persistence::mds_store::db_path(repo).string());
    const auto cluster = store.cluster();
    if (!g.cluster.empty() && g.cluster != cluster)
      throw mds_cli_error("'" + repo.string() + "' is an MDS of cluster '" + cluster + "', not '" + g.cluster + "'");
    const auto self = store.self_id();
    const auto before = store.mdses();
    // A running MDS started without -r in our view (another mount
    // namespace, a renamed binary) still holds its port.
    for (auto& m : before)
      if (m.id == self)
        if (auto ep = parse_mds_address(m.address, nullptr))
          for (uint16_t off = 0; off < 2; ++off)
            if (try_bind(ep->host, static_cast<uint16_t>(ep->port + off)) == bind_check::in_use)
              throw mds_cli_error("port " + std::to_string(ep->port + off) + " of MDS#" + std::to_string(self) +
                                  " (" + m.address + ") is in use: is its pstorage-mdsd still running? Stop it "
                                  "first, then run configure-mds again");
    std::string err;
    auto after = apply_address_changes(before, changes, &err);
    if (!after) throw mds_cli_error(err);
    store.set_mdses(*after);
    std::cout << "MDS addresses in " << repo.string() << " (cluster '" << cluster << "', this is MDS#" << self
              << "):\n";
    auto host = g.host();
    auto bs = host.bs_list(cluster);
    std::vector<std::string> stale;
    for (size_t i = 0; i < after->size(); ++i) {
      const auto& a = (*after)[i];
      const auto& b = before[i];
      std::cout << "  MDS#" << a.id << " " << (a.address == b.address ? a.address : b.address + " -> " + a.address)
                << (a.id == self ? "  (this MDS)" : "") << "\n";
      if (a.address != b.address)
        for (auto& e : bs)
          if (e.to_string() == b.address) stale.push_back(b.address);
    }
    std::cout << "Start it with: pstorage-mdsd" << config_dir_arg(g) << " -r " << repo.string()
              << "\nRun configure-mds with the same -n list on every other MDS host before starting them.\n";
    if (!stale.empty()) {
      std::cout << (host.cluster_dir(cluster) / "bs.list").string() << " still lists old addresses:";
      for (auto& s : stale) std::cout << " " << s;
      std::cout << "; replace them with the new ones on this host and on every CS and client host.\n";
    }
    return 0;
  });
}

}  // namespace

std::optional<int> mds_commands::dispatch(const global_options& g) const {
  if (*rm_mds) return cli::rm_mds(g, rm_id, json);
  if (*configure_mds) return cli::configure_mds(g, repo, new_addresses);
  return std::nullopt;
}

std::unique_ptr<mds_commands> add_mds_commands(CLI::App& app) {
  auto c = std::make_unique<mds_commands>();
  c->rm_mds = app.add_subcommand(
      "rm-mds",
      "remove an MDS from the cluster (guide: Removing MDS Servers).\n"
      "The master refuses a removal that would leave fewer running MDSs than a majority of the remaining ones, "
      "and says why. Find MDS ids in the MDSID column of 'pstorage -c NAME stat'. Add the replacement MDS first "
      "(make-mds), then remove the old one; afterwards stop its pstorage-mdsd and delete its repository.");
  c->rm_mds->add_flag("--json", c->json, "print the new membership as JSON");
  c->rm_mds->add_option("MDS_ID", c->rm_id, "id of the MDS to remove (MDSID column of stat)")->required();
  c->configure_mds = app.add_subcommand(
      "configure-mds",
      "rewrite the MDS addresses recorded in a stopped MDS's repository (guide: Changing Parallels Cloud "
      "Storage Cluster Network).\nOn every MDS host: stop pstorage-mdsd, run configure-mds with the new address "
      "of every MDS, start it again. The MDS reaches its peers at these addresses and serves on its own. "
      "Refused while the repository's pstorage-mdsd runs.\n"
      "Example: pstorage -c pcs1 configure-mds -r /pstorage/pcs1-mds -n 1@10.10.20.1 -n 2@10.10.20.2 -n "
      "3@10.10.20.3");
  c->configure_mds->add_option("-r,--repository", c->repo, "the MDS repository on this host (list-services -M)")
      ->required();
  c->configure_mds
      ->add_option("-n,--new-address", c->new_addresses,
                   "MDS_ID@ADDR[:PORT]: the new address of MDS MDS_ID (port default 2510); repeat per MDS")
      ->required();
  return c;
}

}  // namespace pstorage::cli
