// mds_client.hpp — blocking client of the MDS for CLI tools: finds the MDS
// through bs.list, sends one request at a time and returns the decoded
// answer. Errors are thrown as std::runtime_error with an operator-ready
// message (cause and fix).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/endpoint.hpp"
#include "protocol/messages.hpp"

namespace pstorage::frontend {

class mds_client {
 public:
  mds_client(std::string cluster, std::vector<endpoint> mds_addresses);
  ~mds_client();

  // auth-node goes over HTTP (frontends/cli/auth_node_command.cpp).
  // The stat answer as JSON (frontends/common/stat_view.hpp).
  nlohmann::json stat(const std::string& digest);
  // set-config / get-config: [{name, value, default, unit, description}].
  // Throws with the MDS's message (unknown name, out of range).
  nlohmann::json config(const std::string& digest, const std::vector<std::string>& set,
                        const std::vector<std::string>& get);
  // get-event: [{id, time_ns, severity, source, text}], oldest first.
  nlohmann::json events(const std::string& digest, int64_t after_id, uint32_t limit);
  // rm-cs: mode 0 release, 1 cancel, 2 force. {remaining_chunks, cs_status}.
  nlohmann::json rm_cs(const std::string& digest, uint32_t cs_id, int mode);
  // scrub start: the master orders the CSs `cs_ids` (empty: every active
  // one) to scrub now, at most `per_second` replicas a second each (0: no
  // limit). {started: [id], failed: ["CS#N: why"]}; throws when none took it.
  nlohmann::json scrub(const std::string& digest, const std::vector<uint32_t>& cs_ids, uint32_t per_second);
  // make-mds (joining) / rm-mds: add the MDS at `add_address` (ADDR:PORT) or
  // remove MDS `remove_id`. {mds_id, chunk_size, members: [{id, address}]}.
  // Throws with the master's reason when refused.
  nlohmann::json membership(const std::string& digest, const std::string& add_address, uint32_t remove_id);
  // load-license (`load`: the license's file or key form) / view-license and
  // stat --license-hwid (`load` empty): the cluster's license state after the
  // request, as stat's "license" object plus "text" (the installed license's
  // file form). Throws with the master's reason when a license is refused.
  nlohmann::json license(const std::string& digest, const std::string& load);

  // High Availability (issue 18): `pstorage ha` and pstorage-shamand's lease
  // renewal, sent to the master like every request above; the answer as
  // received (its status is the caller's to check).
  msg::mds_to_client_ha send(const msg::client_to_mds_ha& request);
  msg::mds_to_agent_ha_renew send(const msg::agent_to_mds_ha_renew& request);
  msg::mds_to_client_revoke_node send(const msg::client_to_mds_revoke_node& request);

  // How long one request waits for its answer before the next MDS is tried
  // (default 15 s). CAF does not fail a request to an MDS killed with -9 on
  // an open connection: it waits for this timeout. pstorage-shamand sets its
  // renew period, so a master failover costs it a renewal, not its lease.
  void set_request_timeout(std::chrono::milliseconds t);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pstorage::frontend
