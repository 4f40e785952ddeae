// mds_discovery.hpp — cluster discovery (guide: "Configuring Cluster
// Discovery"; docs/discovery.md): where a node finds the MDSs of cluster
// NAME, and which cluster names the network announces (`pstorage discover`).
//
// MDS addresses, in this order (the first source that answers wins):
//   1. bs.list in the cluster's config dir (CONFIG/clusters/NAME/bs.list), if
//      present and non-empty ("Specifying MDS Servers Manually");
//   2. DNS SRV records _pstorage._tcp.NAME (search domains apply), targets
//      resolved to addresses, ordered by priority then weight;
//   3. (not implemented yet) Zeroconf: the seam is mds_addresses() in
//      mds_discovery.cpp, after the DNS SRV source.
// Every DNS query goes through c-ares with the system's /etc/resolv.conf, or
// the file named by $PSTORAGE_RESOLV_CONF; every lookup is bounded (about 5 s
// in all), so a dead DNS server gives an error, never a hang.
#pragma once

#include <string>
#include <vector>

#include "persistence/host_config.hpp"
#include "protocol/endpoint.hpp"

namespace pstorage::frontend {

// The MDS addresses (ADDR:PORT, PORT the MDS<->MDS port; clients use PORT+1)
// of `cluster`. On success *source_description says where they came from
// ("bs.list (/etc/pstorage/clusters/pcs1/bs.list)" or "DNS SRV
// _pstorage._tcp.pcs1"). When nothing is found the result is empty and
// *error names every source tried, why each gave nothing, and the fix.
std::vector<endpoint> mds_addresses(const persistence::host_config& host, const std::string& cluster,
                                    std::string* source_description, std::string* error);

// mds_addresses() for callers that need at least one: logs "MDS addresses of
// cluster 'NAME' from SOURCE: A, B" at info level (shown by the CLI with -v,
// always by the daemons) and throws std::runtime_error(error) when empty.
std::vector<endpoint> require_mds_addresses(const persistence::host_config& host, const std::string& cluster);

// Cluster names announced in pstorage_clusters TXT records (search domains
// apply). ok=false with `error` when the query failed or found no records;
// `rejected` lists items that are not valid cluster names.
struct txt_discovery {
  bool ok = false;
  std::vector<std::string> names;  // sorted, unique
  std::vector<std::string> rejected;
  std::string error;
  std::string resolver;  // "/etc/resolv.conf" or $PSTORAGE_RESOLV_CONF
};
txt_discovery discover_clusters_txt();

// The resolver configuration in use: $PSTORAGE_RESOLV_CONF if set, else
// /etc/resolv.conf.
std::string resolver_config_path();

}  // namespace pstorage::frontend
