#include "persistence/host_config.hpp"

#include <cstdlib>
#include <sstream>

#include "persistence/file_util.hpp"

namespace pstorage::persistence {
namespace fs = std::filesystem;

std::optional<std::string> validate_cluster_name(const std::string& name) {
  if (name.empty()) return "cluster name is empty; give one with -c NAME";
  if (name.size() > 63) return "cluster name '" + name + "' is longer than 63 characters";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok)
      return "invalid cluster name '" + name + "': character '" + std::string(1, c) +
             "' is not allowed (use a-z, A-Z, 0-9, '-' and '_')";
  }
  return std::nullopt;
}

fs::path resolve_config_dir(const std::optional<std::string>& option) {
  if (option && !option->empty()) return fs::absolute(*option);
  if (const char* env = std::getenv("PSTORAGE_CONFIG_DIR"); env && *env) return fs::absolute(env);
  return default_config_dir;
}

host_config::host_config(fs::path root) : root_(std::move(root)) {}

fs::path host_config::cluster_dir(const std::string& cluster) const { return root_ / "clusters" / cluster; }

std::optional<std::string> host_config::stored_host_id() const {
  if (auto s = read_file(root_ / "host_id")) {
    std::string id = *s;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (!id.empty()) return id;
  }
  return std::nullopt;
}

std::string host_config::new_host_id() { return to_hex(random_bytes(16)); }

void host_config::write_host_id(const std::string& id) const {
  fs::create_directories(root_);
  write_file_atomic(root_ / "host_id", id + "\n");
}

std::string host_config::host_id() const {
  if (auto id = stored_host_id()) return *id;
  std::string id = new_host_id();
  write_host_id(id);
  return id;
}

std::string host_config::location() const {
  auto s = read_file(root_ / "location");
  if (!s) return "0.0.0";
  std::string v = *s;
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v.empty() ? "0.0.0" : v;
}

std::optional<std::string> host_config::setting(const std::string& name) const {
  auto s = read_file(setting_path(name));
  if (!s) return std::nullopt;
  std::istringstream in(*s);
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    return line.substr(b, line.find_last_not_of(" \t\r") + 1 - b);
  }
  return std::nullopt;
}

std::vector<endpoint> host_config::bs_list(const std::string& cluster) const {
  std::vector<endpoint> out;
  auto s = read_file(cluster_dir(cluster) / "bs.list");
  if (!s) return out;
  std::istringstream in(*s);
  std::string line;
  while (std::getline(in, line)) {
    auto b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
    if (auto e = parse_endpoint(line)) {
      if (!e->port) e->port = default_mds_port;
      out.push_back(*e);
    }
  }
  return out;
}

void host_config::add_to_bs_list(const std::string& cluster, const endpoint& addr) const {
  auto dir = cluster_dir(cluster);
  fs::create_directories(dir);
  auto list = bs_list(cluster);
  for (auto& e : list)
    if (e == addr) return;
  std::string content = read_file(dir / "bs.list").value_or("");
  if (!content.empty() && content.back() != '\n') content += '\n';
  content += addr.to_string() + "\n";
  write_file_atomic(dir / "bs.list", content);
}

fs::path host_config::auth_key_path(const std::string& cluster) const {
  return cluster_dir(cluster) / "auth_digest.key";
}

std::optional<std::string> host_config::auth_key(const std::string& cluster) const {
  return read_file(auth_key_path(cluster));
}

void host_config::write_auth_key(const std::string& cluster, const std::string& contents) const {
  fs::create_directories(cluster_dir(cluster));
  write_file_atomic(auth_key_path(cluster), contents, 0600);
}

std::vector<service_entry> host_config::services() const {
  std::vector<service_entry> out;
  auto s = read_file(root_ / "services");
  if (!s) return out;
  std::istringstream in(*s);
  service_entry e;
  while (in >> e.kind >> e.cluster >> e.repo) out.push_back(e);
  return out;
}

void host_config::add_service(const service_entry& s) const {
  fs::create_directories(root_);
  auto all = services();
  std::string content;
  for (auto& e : all) {
    if (e.repo == s.repo) continue;  // re-created repository replaces the old line
    content += e.kind + " " + e.cluster + " " + e.repo + "\n";
  }
  content += s.kind + " " + s.cluster + " " + s.repo + "\n";
  write_file_atomic(root_ / "services", content);
}

}  // namespace pstorage::persistence
