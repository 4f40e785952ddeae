// host_config.hpp — the per-host configuration root (guide: "Creating a
// cluster", "Creating Host UUIDs", "Failure Domain Topology").
//
// Layout under the root (default /etc/pstorage, overridden by the
// environment variable PSTORAGE_CONFIG_DIR, which `--config-dir DIR` on every
// binary sets):
//   host_id                       this host's unique id (generated on first use)
//   location                      "room.row.rack" of this host (optional)
//   clusters/NAME/bs.list         MDS addresses, one ADDR:PORT per line
//   clusters/NAME/auth_digest.key proof this host passed `auth-node`
//   services                      repositories created on this host (list-services)
//   ka_server                     update-license's default KA server HOST[:PORT] (docs/licensing.md)
//   license_public_key            the vendor key an MDS verifies licenses with (docs/licensing.md)
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/endpoint.hpp"

namespace pstorage::persistence {

inline constexpr const char* default_config_dir = "/etc/pstorage";
inline constexpr uint16_t default_mds_port = 2510;  // guide: ports 2510 and 2511

// Cluster names: letters, digits, '-' and '_' only, 1..63 characters.
// Returns an operator-ready error message, or nullopt when valid.
std::optional<std::string> validate_cluster_name(const std::string& name);

// `--config-dir` value if given, else $PSTORAGE_CONFIG_DIR, else /etc/pstorage.
std::filesystem::path resolve_config_dir(const std::optional<std::string>& option);

// One configured service (MDS or CS repository) on this host.
struct service_entry {
  std::string kind;     // "mds" or "cs"
  std::string cluster;
  std::string repo;     // absolute repository path
};

class host_config {
 public:
  explicit host_config(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path cluster_dir(const std::string& cluster) const;

  // This host's id; generated (32 hex digits, like the guide's uuidgen
  // recipe) and stored on first use.
  std::string host_id() const;
  // The stored id, if any, without making one (auth-node: nothing is written
  // before the password is accepted).
  std::optional<std::string> stored_host_id() const;
  // A fresh id, not written (host_id() writes it on first use).
  static std::string new_host_id();
  void write_host_id(const std::string& id) const;
  // "room.row.rack" from the location file; "0.0.0" when absent.
  std::string location() const;

  std::vector<endpoint> bs_list(const std::string& cluster) const;
  // Appends addr to bs.list unless already present; creates the directory.
  void add_to_bs_list(const std::string& cluster, const endpoint& addr) const;

  std::optional<std::string> auth_key(const std::string& cluster) const;  // file contents
  void write_auth_key(const std::string& cluster, const std::string& contents) const;
  std::filesystem::path auth_key_path(const std::string& cluster) const;

  // A one-value setting file (ka_server, license_public_key): its first
  // line that is not empty or a '#' comment, trimmed; nullopt when the file
  // or such a line is missing.
  std::optional<std::string> setting(const std::string& name) const;
  std::filesystem::path setting_path(const std::string& name) const { return root_ / name; }

  std::vector<service_entry> services() const;
  void add_service(const service_entry& s) const;

 private:
  std::filesystem::path root_;
};

}  // namespace pstorage::persistence
