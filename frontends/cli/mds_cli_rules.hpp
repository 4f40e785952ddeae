// mds_cli_rules.hpp — pure pieces of the MDS membership commands of the CLI
// (guide: "Adding MDS Servers", "Removing MDS Servers", "Changing Parallels
// Cloud Storage Cluster Network"): address parsing with the default port,
// `configure-mds -n ID@ADDR[:PORT]` and its rewrite of an MDS list, and the
// advice printed after an MDS is added. No I/O; tests/unit/cli_mds_rules_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "persistence/host_config.hpp"
#include "persistence/mds_store.hpp"
#include "protocol/endpoint.hpp"

namespace pstorage::cli {

// "ADDR[:PORT]" of an MDS; a missing port is 2510 (guide: "If you omit the
// port, the default port 2510 will be used").
inline std::optional<endpoint> parse_mds_address(const std::string& text, std::string* error) {
  auto ep = parse_endpoint(text, error);
  if (ep && !ep->port) ep->port = persistence::default_mds_port;
  return ep;
}

// One `-n ID@ADDR[:PORT]` of configure-mds.
struct address_change {
  uint32_t id = 0;
  endpoint address;
};

inline std::optional<address_change> parse_address_change(const std::string& text, std::string* error) {
  auto bad = [&](const std::string& why) -> std::optional<address_change> {
    if (error) *error = "invalid -n '" + text + "': " + why + " (expected MDS_ID@ADDR[:PORT], e.g. 2@10.10.20.2)";
    return std::nullopt;
  };
  auto at = text.find('@');
  if (at == std::string::npos) return bad("no '@'");
  auto id_text = text.substr(0, at);
  if (id_text.empty() || id_text.size() > 9 || id_text.find_first_not_of("0123456789") != std::string::npos)
    return bad("'" + id_text + "' is not an MDS id");
  address_change c;
  c.id = static_cast<uint32_t>(std::stoul(id_text));
  if (c.id == 0) return bad("MDS ids start at 1");
  std::string err;
  auto ep = parse_mds_address(text.substr(at + 1), &err);
  if (!ep) return bad(err);
  c.address = *ep;
  return c;
}

// The MDS list after configure-mds: every change names a listed MDS, no MDS
// twice, and no two MDSs end up at one ADDR:PORT. On error returns nullopt
// and sets *error (cause and fix).
inline std::optional<std::vector<persistence::mds_record>> apply_address_changes(
    std::vector<persistence::mds_record> list, const std::vector<address_change>& changes, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<std::vector<persistence::mds_record>> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (changes.empty()) return fail("no -n MDS_ID@ADDR[:PORT] given");
  std::set<uint32_t> seen;
  for (auto& c : changes) {
    if (!seen.insert(c.id).second) return fail("MDS#" + std::to_string(c.id) + " is given twice");
    bool found = false;
    for (auto& m : list)
      if (m.id == c.id) {
        m.address = c.address.to_string();
        found = true;
      }
    if (!found) {
      std::string ids;
      for (auto& m : list) ids += (ids.empty() ? "" : ", ") + std::to_string(m.id);
      return fail("MDS#" + std::to_string(c.id) + " is not in this repository's MDS list (its MDSs: " + ids +
                  "); see 'pstorage -c NAME stat' for the cluster's MDS ids");
    }
  }
  for (size_t i = 0; i < list.size(); ++i)
    for (size_t j = i + 1; j < list.size(); ++j)
      if (list[i].address == list[j].address)
        return fail("MDS#" + std::to_string(list[i].id) + " and MDS#" + std::to_string(list[j].id) +
                    " would both be at " + list[i].address + "; give each MDS its own ADDR:PORT");
  return list;
}

// Majority of an n-member MDS set (guide: "the majority of MDS servers must
// be up and running").
inline size_t mds_majority(size_t n) { return n / 2 + 1; }

// What an operator must know right after MDS#new_id joined a cluster of
// `members` MDSs (the new one included) and before it runs: empty when
// nothing is at risk.
inline std::string join_advice(uint32_t new_id, size_t members) {
  const std::string id = "MDS#" + std::to_string(new_id);
  const size_t majority = mds_majority(members), others = members - 1;
  std::string out;
  if (others < majority)
    out = "Warning: the cluster now has " + std::to_string(members) + " MDSs and a majority needs " +
          std::to_string(majority) + ": metadata changes wait until " + id + " runs. Start it now.";
  else if (others == majority)
    out = "Note: until " + id + " runs, all " + std::to_string(others) +
          " other MDSs must stay up (a majority of " + std::to_string(members) + " is " + std::to_string(majority) +
          ").";
  if (members % 2 == 0)
    out += std::string(out.empty() ? "" : "\n") + "Note: " + std::to_string(members) +
           " MDSs tolerate no more failed MDSs than " + std::to_string(members - 1) +
           " would; the guide recommends 3 or 5 (add one more, or remove one).";
  return out;
}

}  // namespace pstorage::cli
