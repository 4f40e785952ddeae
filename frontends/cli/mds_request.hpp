// mds_request.hpp — the one way a CLI command talks to the cluster's MDS:
// checks the cluster name, loads this host's credentials (auth_digest.key)
// and the MDS addresses, calls f(client, digest); any error is printed as
// "pstorage: WHY" and the command exits 1.
#pragma once

#include <iostream>
#include <stdexcept>

#include "frontends/cli/commands.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/mds_client.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "persistence/host_config.hpp"

namespace pstorage::cli {

template <class F>
int with_mds_client(const global_options& g, F&& f) {
  try {
    if (g.cluster.empty()) throw std::runtime_error("the cluster name is required: pstorage -c NAME ...");
    if (auto e = persistence::validate_cluster_name(g.cluster)) throw std::runtime_error(*e);
    auto host = g.host();
    auto digest = frontend::load_auth_digest(host, g.cluster);
    frontend::mds_client client(g.cluster, frontend::require_mds_addresses(host, g.cluster));
    return f(client, digest);
  } catch (const std::exception& e) {
    std::cerr << "pstorage: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace pstorage::cli
