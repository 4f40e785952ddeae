#include "frontends/cli/commands.hpp"

#include "actors/mds/byte_size.hpp"

#include <iostream>

#include <nlohmann/json.hpp>

#include "frontends/cli/mds_commands.hpp"
#include "frontends/cli/mds_figures.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/mds_client.hpp"
#include "frontends/common/discovery_rules.hpp"
#include "frontends/common/mds_discovery.hpp"

#include <spdlog/spdlog.h>
#include "frontends/common/password.hpp"
#include "frontends/common/stat_view.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/cluster_ca.hpp"
#include "persistence/node_tls.hpp"
#include "persistence/cs_repo.hpp"
#include "persistence/file_util.hpp"
#include "persistence/mds_store.hpp"

namespace pstorage::cli {
namespace fs = std::filesystem;

namespace {
struct cli_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void require_cluster(const global_options& g) {
  if (g.cluster.empty()) throw cli_error("no cluster given; use -c NAME");
  if (auto e = persistence::validate_cluster_name(g.cluster)) throw cli_error(*e);
}

template <class F>
int guarded(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::cerr << "pstorage: " << e.what() << "\n";
    return 1;
  }
}

// An existing directory must be empty (or hold nothing of ours).
void require_fresh_repo(const fs::path& repo) {
  if (persistence::mds_store::exists(repo) || persistence::cs_repo::exists(repo))
    throw cli_error("'" + repo.string() + "' already holds a pstorage repository; choose another directory");
  if (fs::exists(repo) && !fs::is_directory(repo))
    throw cli_error("'" + repo.string() + "' exists and is not a directory");
  if (fs::exists(repo) && !fs::is_empty(repo))
    throw cli_error("directory '" + repo.string() + "' is not empty; use an empty or new directory");
}
}  // namespace

int make_mds(const global_options& g, const make_mds_options& o) {
  return guarded([&] {
    if (!o.init) return make_mds_join(g, o);
    require_cluster(g);
    if (!o.bootstrap.empty())
      throw cli_error("-b names MDSs of an existing cluster: it goes with make-mds without -I (adding an MDS)");
    std::string err;
    auto ep = parse_endpoint(o.address, &err);
    if (!ep) throw cli_error(err);
    if (!ep->port) ep->port = persistence::default_mds_port;
    auto chunk_size = mds::parse_byte_size(o.chunk_size);
    if (!chunk_size.value) throw cli_error("--chunk-size: " + chunk_size.error);
    if (auto why = mds::validate_chunk_size(*chunk_size.value); !why.empty())
      throw cli_error("--chunk-size: " + why);
    auto host = g.host();
    fs::path repo = fs::absolute(o.repo);
    require_fresh_repo(repo);
    if (host.auth_key(g.cluster))
      throw cli_error("this host already belongs to a cluster named '" + g.cluster + "' (" +
                      host.auth_key_path(g.cluster).string() + " exists); pick another name");
    auto password = frontend::read_password("Please enter password for new cluster: ", o.password_file, true);
    auto digest = persistence::make_auth_digest(g.cluster, password);
    fs::create_directories(repo);
    persistence::mds_store store(persistence::mds_store::db_path(repo).string());
    store.init_cluster(g.cluster, 1, ep->to_string(), digest);
    persistence::meta_set(store.db(), "chunk_size", std::to_string(*chunk_size.value));
    // The cluster CA (docs/security.md "Keys and certificates"): kept in
    // mds.db only; this host's node certificate signed with it at once.
    auto ca = persistence::make_cluster_ca(g.cluster);
    persistence::meta_set(store.db(), persistence::ca_key_meta, ca.key_pem);
    persistence::meta_set(store.db(), persistence::ca_cert_meta, ca.cert_pem);
    auto node = persistence::make_node_key();
    persistence::write_node_tls(host, g.cluster, node.key_pem,
                                persistence::issue_node_certificate(ca, node.cert_pem, g.cluster,
                                                                    frontend::local_host_name(), 3650,
                                                                    host.host_id()),
                                ca.cert_pem);
    host.write_auth_key(g.cluster, digest.serialize());
    host.add_to_bs_list(g.cluster, *ep);
    host.add_service({"mds", g.cluster, repo.string()});
    host.host_id();
    std::cout << "Created cluster '" << g.cluster << "' with MDS#1 at " << ep->to_string() << " in " << repo.string()
              << " (chunk size " << *chunk_size.value << " bytes)"
              << "\nStart it with: pstorage-mdsd -r " << repo.string() << "\n";
    return 0;
  });
}

int make_cs(const global_options& g, const make_cs_options& o) {
  return guarded([&] {
    require_cluster(g);
    if (o.tier > 3) throw cli_error("tier " + std::to_string(o.tier) + " is out of range 0..3");
    if (!o.address.empty()) {
      std::string err;
      if (!parse_endpoint(o.address, &err)) throw cli_error(err);
    }
    auto host = g.host();
    frontend::load_auth_digest(host, g.cluster);
    frontend::require_mds_addresses(host, g.cluster);  // bs.list, else DNS SRV; throws naming both
    fs::path repo = fs::absolute(o.repo);
    require_fresh_repo(repo);
    persistence::cs_settings s;
    s.cluster = g.cluster;
    s.repo_uuid = persistence::to_hex(persistence::random_bytes(16));
    s.tier = o.tier;
    s.checksums = !o.no_checksums;
    s.address = o.address;
    persistence::cs_repo::create(repo, s);
    host.add_service({"cs", g.cluster, repo.string()});
    host.host_id();
    std::cout << "Created chunk server repository " << repo.string() << " (tier " << o.tier
              << (s.checksums ? ", checksums on" : ", checksums off") << ")\nStart it with: pstorage-csd -r "
              << repo.string() << "\n";
    return 0;
  });
}

// auth_node: auth_node_command.cpp (challenge-response and the node certificate).

int stat(const global_options& g, bool json) {
  return guarded([&] {
    require_cluster(g);
    auto host = g.host();
    auto digest = frontend::load_auth_digest(host, g.cluster);
    frontend::mds_client client(g.cluster, frontend::require_mds_addresses(host, g.cluster));
    auto j = client.stat(digest);
    add_mds_process_figures(j);  // each MDS's own %CPU, MEM, UPTIME (its /metrics)
    std::cout << (json ? j.dump(2) + "\n" : frontend::stat_to_text(j));
    return 0;
  });
}

int discover(const global_options& g, bool json) {
  return guarded([&] {
    (void)g;
    auto txt = frontend::discover_clusters_txt();
    for (auto& r : txt.rejected) std::cerr << "pstorage: discover: ignoring TXT item " << r << "\n";
    if (json) {
      nlohmann::json src = {{"method", "dns-txt"}, {"ok", txt.ok}};
      if (!txt.ok) src["error"] = txt.error;
      nlohmann::json out = {{"sources", nlohmann::json::array({src})}, {"clusters", txt.names}};
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << "Discovering using DNS TXT records: " << (txt.ok ? "OK" : "FAIL") << std::endl;
      if (!txt.ok) std::cerr << "pstorage: discover: " << txt.error << "\n";
      for (auto& n : txt.names) std::cout << n << "\n";
    }
    spdlog::info("discover: resolver configuration {}", txt.resolver);
    if (txt.names.empty()) {
      std::cerr << "pstorage: no cluster name discovered; tried: DNS TXT records '" << frontend::discovery::txt_name
                << "' in the search domains of " << txt.resolver
                << " (DNS zone transfer and Zeroconf are not implemented). Fix: add a record such as '"
                << frontend::discovery::txt_name
                << " 300 IN TXT \"pcs1,pcs2\"' to your DNS zone, or skip discovery: run commands with -c NAME "
                   "and list the MDSs in CONFIG/clusters/NAME/bs.list (ADDR:2510 a line) or in DNS SRV records "
                   "_pstorage._tcp.NAME (docs/discovery.md)\n";
      return 1;
    }
    return 0;
  });
}

int list_services(const global_options& g, bool json, bool mds_only) {
  return guarded([&] {
    auto all = g.host().services();
    nlohmann::json out = nlohmann::json::array();
    for (auto& s : all) {
      if (!g.cluster.empty() && s.cluster != g.cluster) continue;
      if (mds_only && s.kind != "mds") continue;
      nlohmann::json e = {{"type", s.kind}, {"cluster", s.cluster}, {"repository", s.repo}};
      if (s.kind == "mds") {
        // The MDS's id and own address from its mds.db (read only when the
        // repository exists: opening would create it).
        e["mds_id"] = nullptr;
        e["address"] = nullptr;
        if (persistence::mds_store::exists(s.repo)) {
          try {
            persistence::mds_store store(persistence::mds_store::db_path(s.repo).string());
            e["mds_id"] = store.self_id();
            e["address"] = store.self_address();
          } catch (const std::exception& ex) {
            e["error"] = ex.what();
          }
        } else {
          e["error"] = "repository missing";
        }
      }
      out.push_back(std::move(e));
    }
    if (json) {
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    auto text = [](const nlohmann::json& v) {
      return v.is_null() ? std::string("-") : v.is_string() ? v.get<std::string>() : v.dump();
    };
    if (mds_only) {
      std::printf("%-5s %-16s %-6s %-22s %s\n", "TYPE", "CLUSTER", "MDSID", "ADDRESS", "REPOSITORY");
      for (auto& s : out)
        std::printf("%-5s %-16s %-6s %-22s %s%s\n", "mds", s["cluster"].get<std::string>().c_str(),
                    text(s["mds_id"]).c_str(), text(s["address"]).c_str(), s["repository"].get<std::string>().c_str(),
                    s.contains("error") ? ("  (" + s["error"].get<std::string>() + ")").c_str() : "");
      return 0;
    }
    std::printf("%-5s %-16s %s\n", "TYPE", "CLUSTER", "REPOSITORY");
    for (auto& s : out)
      std::printf("%-5s %-16s %s\n", s["type"].get<std::string>().c_str(), s["cluster"].get<std::string>().c_str(),
                  s["repository"].get<std::string>().c_str());
    return 0;
  });
}

}  // namespace pstorage::cli
