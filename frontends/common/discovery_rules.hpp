// discovery_rules.hpp — the pure parts of cluster discovery (guide:
// "Configuring Cluster Discovery", "Using DNS Records", "Discovering Cluster
// Names"; docs/discovery.md): the DNS names asked for, the order of SRV
// answers, and how pstorage_clusters TXT records become cluster names. No I/O;
// the DNS queries themselves are in mds_discovery.cpp (c-ares).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "persistence/host_config.hpp"

namespace pstorage::frontend::discovery {

// SRV records announcing the MDSs of cluster NAME: _pstorage._tcp.NAME (the
// resolver's search domains apply, so _pstorage._tcp.pcs1 finds
// _pstorage._tcp.pcs1.pcs.test when pcs.test is searched).
inline std::string srv_name(const std::string& cluster) { return "_pstorage._tcp." + cluster; }
// TXT records listing the cluster names (search domains apply too).
inline constexpr const char* txt_name = "pstorage_clusters";

struct srv_entry {
  uint16_t priority = 0;
  uint16_t weight = 0;
  uint16_t port = 0;   // the MDS's MDS<->MDS port (bs.list form); clients use port+1
  std::string target;  // host name (or address) of the MDS
  bool operator==(const srv_entry&) const = default;
};

// RFC 2782 order: lower priority first; within a priority, higher weight
// first (the most preferred MDS is tried first); ties by target and port so
// the order is the same on every host and every run.
inline void order_srv(std::vector<srv_entry>& v) {
  std::stable_sort(v.begin(), v.end(), [](const srv_entry& a, const srv_entry& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    if (a.weight != b.weight) return a.weight > b.weight;
    if (a.target != b.target) return a.target < b.target;
    return a.port < b.port;
  });
}

// Cluster names from pstorage_clusters TXT records: every string of every
// record is a comma-separated list ("cluster1,cluster2" "cluster3" ...).
// Blanks around names are dropped, empty items skipped; the result is sorted
// and unique. Items that are not valid cluster names go to *rejected (with
// the reason) instead of the result.
struct txt_names {
  std::vector<std::string> names;
  std::vector<std::string> rejected;  // "'bad name': why"
};
inline txt_names names_from_txt(const std::vector<std::vector<std::string>>& records) {
  txt_names out;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  for (auto& rec : records)
    for (auto& s : rec) {
      size_t pos = 0;
      while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        if (comma == std::string::npos) comma = s.size();
        size_t b = pos, e = comma;
        while (b < e && blank(s[b])) ++b;
        while (e > b && blank(s[e - 1])) --e;
        std::string item = s.substr(b, e - b);
        if (!item.empty()) {
          if (auto why = persistence::validate_cluster_name(item))
            out.rejected.push_back("'" + item + "': " + *why);
          else
            out.names.push_back(item);
        }
        pos = comma + 1;
      }
    }
  std::sort(out.names.begin(), out.names.end());
  out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
  return out;
}

// "127.0.0.1:2510, 127.0.0.2:2510" for verbose output and error messages.
inline std::string join_endpoints(const std::vector<endpoint>& v) {
  std::string s;
  for (auto& e : v) s += (s.empty() ? "" : ", ") + e.to_string();
  return s;
}

}  // namespace pstorage::frontend::discovery
