#include "frontends/cli/attr_commands.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/client/attr_args.hpp"
#include "actors/client/mountinfo.hpp"
#include "actors/client/session.hpp"
#include "persistence/node_tls.hpp"
#include "actors/mds/md_validate.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/discovery_rules.hpp"
#include "frontends/common/mds_discovery.hpp"

namespace pstorage::cli {
namespace fs = std::filesystem;

namespace {
struct attr_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct target {
  std::string cluster;
  std::string cluster_path;  // inside the cluster
  std::string shown;         // as the user named it
};

// Finds the cluster and in-cluster path of PATH (or takes -c + -p PATH).
target resolve_target(const global_options& g, const std::string& path, bool cluster_path) {
  target t;
  t.shown = path;
  if (cluster_path) {
    if (g.cluster.empty()) throw attr_error("-p needs the cluster: pstorage -c NAME ... -p " + path);
    if (auto e = persistence::validate_cluster_name(g.cluster)) throw attr_error(*e);
    if (path.empty() || path[0] != '/')
      throw attr_error("with -p the path must be absolute inside the cluster, e.g. -p /vm");
    t.cluster = g.cluster;
    t.cluster_path = fs::path(path).lexically_normal().string();
    if (t.cluster_path.size() > 1 && t.cluster_path.back() == '/') t.cluster_path.pop_back();
    return t;
  }
  std::string abs = fs::absolute(path).lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream ss;
  ss << in.rdbuf();
  auto where = client::locate_path(client::parse_mountinfo(ss.str()), abs);
  if (!where)
    throw attr_error("'" + path +
                     "' is not on a mounted pstorage file system; give a path under a pstorage-mount mount point "
                     "(e.g. /pstorage/pcs1), or the cluster and an in-cluster path: pstorage -c NAME get-attr -p /");
  if (!g.cluster.empty() && g.cluster != where->mount.cluster)
    throw attr_error("'" + path + "' belongs to cluster '" + where->mount.cluster + "', not '" + g.cluster + "'");
  t.cluster = where->mount.cluster;
  t.cluster_path = where->cluster_path;
  return t;
}

std::unique_ptr<client::session> open_session(const global_options& g, const std::string& cluster) {
  auto host = g.host();
  std::string source, why;
  auto mds = frontend::mds_addresses(host, cluster, &source, &why);  // bs.list, else DNS SRV
  if (mds.empty()) throw attr_error("unknown cluster '" + cluster + "': " + why);
  spdlog::info("MDS addresses of cluster '{}' from {}: {}", cluster, source, frontend::discovery::join_endpoints(mds));
  client::session_options o;
  o.cluster = cluster;
  o.mds = mds;
  o.digest = frontend::load_auth_digest(host, cluster);
  o.tls = persistence::require_node_tls(host, cluster);  // mutual TLS unless encryption is off
  o.client_id = frontend::local_host_name() + ":cli:" + std::to_string(::getpid());
  o.background = false;
  return std::make_unique<client::session>(o);
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
}  // namespace

int get_attr(const global_options& g, const std::string& path, bool cluster_path, bool json) {
  return guarded([&] {
    auto t = resolve_target(g, path, cluster_path);
    auto s = open_session(g, t.cluster);
    client::file_attr a;
    if (s->lookup(t.cluster_path, a))
      throw attr_error("cannot get attributes of '" + path + "': " + client::session::last_error());
    mds::repl_attrs r;
    r.replicas_norm = a.repl.replicas;
    r.replicas_min = a.repl.min_replicas;
    r.tier = a.repl.tier;
    r.domain = mds::parse_failure_domain(a.repl.failure_domain).value_or(mds::failure_domain::host);
    if (json) {
      nlohmann::json j = {{"file", t.shown},
                          {"cluster", t.cluster},
                          {"path", t.cluster_path},
                          {"inode", a.ino},
                          {"type", a.is_dir ? "directory" : "file"},
                          {"size", a.size},
                          {"mode", a.mode & 07777},
                          {"mtime_ns", a.mtime_ns},
                          {"replicas", a.repl.replicas},
                          {"min_replicas", a.repl.min_replicas},
                          {"tier", a.repl.tier},
                          {"failure_domain", a.repl.failure_domain}};
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    uint32_t id = 0;
    if (s->master_mds_id(id) == 0) std::cout << "connected to MDS#" << id << "\n";
    std::cout << "File: '" << t.shown << "'\nAttributes:\n";
    std::cout << "  type=" << (a.is_dir ? "directory" : "file") << "\n";
    std::cout << "  inode=" << a.ino << "\n";
    if (!a.is_dir) std::cout << "  size=" << a.size << "\n";
    for (auto& line : mds::format_repl_attrs(r)) std::cout << "  " << line << "\n";
    return 0;
  });
}

int set_attr(const global_options& g, const std::vector<std::string>& operands, bool recursive, bool cluster_path) {
  return guarded([&] {
    auto ops = client::parse_set_attr_operands(operands);
    if (!ops.value) throw attr_error(ops.error);
    // Refuse bad values before touching the cluster (guide "Cluster
    // Parameters Overview": replicas 1..15, MIN <= NORM, tier 0..3).
    auto parsed = mds::parse_repl_attrs(ops.value->assignments);
    if (!parsed) throw attr_error(parsed.error().message);
    auto t = resolve_target(g, ops.value->path, cluster_path);
    auto s = open_session(g, t.cluster);
    if (s->set_repl(t.cluster_path, ops.value->assignments, recursive))
      throw attr_error("cannot set attributes of '" + ops.value->path + "': " + client::session::last_error());
    return 0;
  });
}

std::optional<int> attr_commands::dispatch(const global_options& g) const {
  if (get && *get) {
    if (get_operands.size() != 1) {
      std::cerr << "pstorage: get-attr takes exactly one PATH\n";
      return 1;
    }
    return get_attr(g, get_operands[0], cluster_path, json);
  }
  if (set && *set) return set_attr(g, set_operands, recursive, cluster_path);
  return std::nullopt;
}

std::unique_ptr<attr_commands> add_attr_commands(CLI::App& app) {
  auto c = std::make_unique<attr_commands>();
  c->get = app.add_subcommand("get-attr", "show the attributes of a file or directory on a mounted cluster");
  c->get->add_flag("--json", c->json, "print JSON");
  c->get->add_flag("-p,--cluster-path", c->cluster_path, "PATH is inside the cluster given by -c");
  c->get->add_option("PATH", c->get_operands, "path on a pstorage mount")->required();
  c->set = app.add_subcommand(
      "set-attr", "set replicas=NORM[:MIN], tier=0..3, failure-domain=disk|host|rack|row|room on a path");
  c->set->add_flag("-R,--recursive", c->recursive, "apply to the whole subtree");
  c->set->add_flag("-p,--cluster-path", c->cluster_path, "PATH is inside the cluster given by -c");
  c->set->add_option("ARGS", c->set_operands, "PATH ATTR=VALUE...")->required();
  return c;
}

}  // namespace pstorage::cli
