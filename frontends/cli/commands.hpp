// commands.hpp — the `pstorage` CLI subcommands (guide: "Creating a
// Parallels Cloud Storage cluster", "Password-based Authentication",
// "Monitoring"). Each returns the process exit code and prints errors as
// "pstorage: <cause>; <fix>" on stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "persistence/host_config.hpp"

namespace pstorage::cli {

struct global_options {
  std::string cluster;
  std::optional<std::string> config_dir;
  int verbosity = 0;
  persistence::host_config host() const {
    return persistence::host_config(persistence::resolve_config_dir(config_dir));
  }
};

struct make_mds_options {
  bool init = false;  // -I: create a new cluster
  std::string address;
  std::string repo;
  bool ask_password = false;  // -p
  std::optional<std::string> password_file;
  // --chunk-size: the cluster's chunk size, bytes or 1M/4M/64M (default 64M);
  // a multiple of 4096, at least 64K. Fixed for the cluster's lifetime.
  std::string chunk_size = "64M";
  bool chunk_size_given = false;
  // -b ADDR[:PORT] (joining only): MDSs of the running cluster to ask, in
  // place of bs.list (guide "Adding MDS Servers", step 6).
  std::vector<std::string> bootstrap;
};

struct make_cs_options {
  std::string repo;
  std::string address;
  unsigned tier = 0;
  bool no_checksums = false;  // -S
};

int make_mds(const global_options& g, const make_mds_options& o);
int make_cs(const global_options& g, const make_cs_options& o);
int auth_node(const global_options& g, const std::optional<std::string>& password_file);
int stat(const global_options& g, bool json);
// mds_only (-M): MDS repositories with their MDS id and address (guide:
// "You can obtain the identifier and repository path for the current MDS
// with the pstorage list-services -M command").
// discover (guide: "Discovering Cluster Names"): cluster names from DNS TXT
// records pstorage_clusters. Prints "Discovering using DNS TXT records: OK"
// (or FAIL, the reason on stderr) and the names, one a line, sorted; with
// json {"sources":[{"method":"dns-txt","ok":...}],"clusters":[...]}. Exit 0
// when a name was found.
int discover(const global_options& g, bool json);
int list_services(const global_options& g, bool json, bool mds_only = false);

}  // namespace pstorage::cli
