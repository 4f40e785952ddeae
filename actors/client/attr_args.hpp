// attr_args.hpp — the operands of `pstorage set-attr` (guide "Configuring
// Replication Parameters", "Configuring Failure Domains", "Using Storage
// Tiers"):
//   pstorage set-attr [-R] /pstorage/pcs1 replicas=3
//   pstorage -c pcs1 set-attr -R -p /failure-domain=rack
// With -p the path is inside the cluster named by -c; the guide writes the
// path and the first assignment glued together ("/failure-domain=rack" is
// the path "/" and "failure-domain=rack"); "-p / failure-domain=rack" works too.
// Pure: values are checked later by mds::parse_repl_attrs.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pstorage::client {

struct set_attr_operands {
  std::string path;
  std::vector<std::string> assignments;
  bool operator==(const set_attr_operands&) const = default;
};

struct set_attr_parse {
  std::optional<set_attr_operands> value;
  std::string error;
};

// operands: everything after the options, in order.
set_attr_parse parse_set_attr_operands(const std::vector<std::string>& operands);

}  // namespace pstorage::client
