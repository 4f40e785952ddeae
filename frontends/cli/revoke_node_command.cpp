// revoke_node_command.cpp — revoke_node_command.hpp.
#include "frontends/cli/revoke_node_command.hpp"


#include <cerrno>
#include <ctime>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "frontends/cli/mds_request.hpp"

#include "protocol/common.capnp.h"
#include "protocol/wire.hpp"

namespace pstorage::cli {
namespace p = proto;

namespace {

std::string utc(int64_t ns) {
  std::time_t t = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

std::optional<int> revoke_node_command::dispatch(const global_options& g) const {
  if (!*cmd) return std::nullopt;
  return with_mds_client(g, [&](frontend::mds_client& c, const std::string& digest) {
    auto answer = c.send(wire::make<p::ClientToMdsRevokeNode>([&](auto b) {
      auto cr = b.initCredentials();
      cr.setCluster(g.cluster);
      cr.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
      b.setHostId(host_id);
      b.setForce(force);
    }));
    auto a = wire::decode(answer);
    if (!a) throw std::runtime_error("bad answer from the master: " + a.error);
    auto st = a->getStatus();
    if (st.getCode() != p::STATUS_OK) {
      std::cerr << "pstorage: revoke-node " << host_id << ": " << st.getMessage().cStr() << "\n";
      return st.getPosixError() == ENOENT ? 2 : 1;
    }
    std::vector<uint32_t> dropped;
    for (auto id : a->getDroppedCs()) dropped.push_back(id);
    std::vector<std::string> revoked;
    for (auto h : a->getRevokedHosts()) revoked.emplace_back(h.cStr());
    const std::string name = a->getHost().cStr();
    if (json) {
      nlohmann::json j{{"host_id", host_id},        {"host", name},           {"time_ns", a->getTimeNs()},
                       {"dropped_cs", dropped},     {"revoked_hosts", revoked}};
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::cout << "Host " << host_id << (name.empty() ? "" : " (" + name + ")") << " is revoked from cluster '"
              << g.cluster << "' as of " << utc(a->getTimeNs()) << ".\n"
              << "Every MDS and chunk server of the cluster refuses its certificate in new TLS connections.\n";
    if (dropped.empty()) {
      std::cout << "No chunk server of it was active.\n";
    } else {
      std::cout << "Chunk servers taken offline:";
      for (auto id : dropped) std::cout << " CS#" << id;
      std::cout << " (their replicas are re-replicated: see pstorage stat).\n";
    }
    return 0;
  });
}

std::unique_ptr<revoke_node_command> add_revoke_node_command(CLI::App& app) {
  auto c = std::make_unique<revoke_node_command>();
  c->cmd = app.add_subcommand("revoke-node", "lock a host out of the cluster for good: its certificate is refused");
  c->cmd->description(
      "Revokes the host HOST_ID from the cluster (docs/security.md \"Revocation\"). The master records the\n"
      "revocation in the journal and answers once it is applied. From then on:\n"
      "  - every MDS and chunk server of the cluster refuses a new TLS connection whose certificate names\n"
      "    HOST_ID (the certificate auth-node gave that host), in the handshake, with a logged reason;\n"
      "  - the master takes the host's chunk servers offline at once and refuses their registration, so their\n"
      "    replicas are re-replicated on the other chunk servers (guide: \"Monitoring Chunk Servers\");\n"
      "  - the revocation is for good and survives restarts and master changes (it is in the journal).\n"
      "HOST_ID is the content of /etc/pstorage/host_id on that host (CONFIG/host_id); `pstorage stat --json`\n"
      "shows the host_id of every chunk server. A host id that no chunk server of the cluster reported is\n"
      "refused (exit 2) unless --force is given: a mistyped id must not leave the real host in.\n"
      "Connections the host had open before are not cut by the TLS layer: its chunk servers are dropped by the\n"
      "master, and its mounts lose service at their next reconnection. Run this on any host of the cluster that\n"
      "passed auth-node; it talks to the master. Exit status: 0 revoked, 1 error, 2 unknown host id.\n"
      "Examples:\n"
      "  pstorage -c pcs1 revoke-node 3f2a9c0e8d7b4a61\n"
      "  pstorage -c pcs1 revoke-node --force --json 9b1d7e20c4f35a88");
  c->cmd->add_option("HOST_ID", c->host_id, "the host id to revoke (/etc/pstorage/host_id on that host)")->required();
  c->cmd->add_flag("--force", c->force,
                   "revoke even when no chunk server of the cluster runs on that host (a host of mounts or an MDS)");
  c->cmd->add_flag("--json", c->json,
                   "print {\"host_id\", \"host\", \"time_ns\", \"dropped_cs\": [CS ids], \"revoked_hosts\": [...]}");
  return c;
}

}  // namespace pstorage::cli
