// mds_client.hpp — blocking client of the MDS for CLI tools: finds the MDS
// through bs.list, sends one request at a time and returns the decoded
// answer. Errors are thrown as std::runtime_error with an operator-ready
// message (cause and fix).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/endpoint.hpp"

namespace pstorage::frontend {

class mds_client {
 public:
  mds_client(std::string cluster, std::vector<endpoint> mds_addresses);
  ~mds_client();

  struct salt {
    std::string bytes;
    uint32_t iterations;
  };
  salt auth_salt();
  // Throws on a wrong password.
  void auth_node(const std::string& digest, const std::string& host);
  // The stat answer as JSON (frontends/common/stat_view.hpp).
  nlohmann::json stat(const std::string& digest);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pstorage::frontend
