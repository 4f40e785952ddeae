#include "frontends/cli/ha_commands.hpp"

#include <iomanip>
#include <iostream>
#include <sstream>

#include "frontends/cli/mds_request.hpp"
#include "frontends/common/mds_client.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::cli {

namespace p = proto;

namespace {

// The answer's table as JSON (ha list --json).
nlohmann::json ha_to_json(p::MdsToClientHa::Reader d) {
  nlohmann::json j{{"resources", nlohmann::json::array()}, {"nodes", nlohmann::json::array()}};
  for (auto r : d.getResources()) {
    std::string node = r.getNode().cStr(), from = r.getFrom().cStr();
    std::string state = node.empty()     ? "unplaced"
                        : !from.empty()  ? "stopping on " + from
                        : r.getRunning() ? "running"
                                         : "starting";
    j["resources"].push_back({{"name", r.getName().cStr()},
                              {"node", node},
                              {"from", from},
                              {"state", state},
                              {"policy", r.getPolicy().cStr()},
                              {"preferred_node", r.getPreferredNode().cStr()},
                              {"backup_node", r.getBackupNode().cStr()},
                              {"ip", r.getIp().cStr()},
                              {"start", r.getStartCmd().cStr()},
                              {"stop", r.getStopCmd().cStr()},
                              {"check", r.getCheckCmd().cStr()}});
  }
  for (auto n : d.getNodes())
    j["nodes"].push_back({{"name", n.getName().cStr()},
                          {"enabled", n.getEnabled()},
                          {"parked", n.getParked()},
                          {"lease", n.getLease().cStr()},
                          {"running", n.getRunning()},
                          {"limit", n.getLimit()}});
  return j;
}

int run(const global_options& g, const std::string& op, const std::function<void(p::ClientToMdsHa::Builder)>& fill,
        bool print_table, bool json) {
  return with_mds_client(g, [&](frontend::mds_client& c, const std::string& digest) {
    auto answer = c.send(wire::make<p::ClientToMdsHa>([&](auto b) {
      auto cr = b.initCredentials();
      cr.setCluster(g.cluster);
      cr.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(digest.data()), digest.size()));
      b.setOp(op);
      fill(b);
    }));
    auto d = wire::decode(answer);
    if (!d) throw std::runtime_error(d.error);
    if (d->getStatus().getCode() != p::STATUS_OK) throw std::runtime_error(d->getStatus().getMessage().cStr());
    auto j = ha_to_json(*d);
    if (json) {
      std::cout << j.dump(2) << "\n";
    } else {
      if (std::string msg = d->getMessage().cStr(); !msg.empty()) std::cout << msg << "\n";
      if (print_table) std::cout << ha_list_text(j);
    }
    return 0;
  });
}

std::string dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string ha_list_text(const nlohmann::json& j) {
  std::ostringstream o;
  auto row = [&](std::initializer_list<std::pair<std::string, int>> cols) {
    for (auto& [text, w] : cols) o << std::left << std::setw(w) << text << ' ';
    o << "\n";
  };
  row({{"RESOURCE", 16}, {"NODE", 12}, {"STATE", 22}, {"POLICY", 11}, {"BACKUP", 12}, {"IP", 18}});
  for (auto& r : j["resources"])
    row({{r["name"].get<std::string>(), 16},
         {dash(r["node"].get<std::string>()), 12},
         {r["state"].get<std::string>(), 22},
         {r["policy"].get<std::string>(), 11},
         {dash(r["backup_node"].get<std::string>()), 12},
         {dash(r["ip"].get<std::string>()), 18}});
  o << "\n";
  row({{"NODE", 16}, {"ENABLED", 8}, {"LEASE", 9}, {"RUNNING", 8}, {"LIMIT", 6}});
  for (auto& n : j["nodes"])
    row({{n["name"].get<std::string>(), 16},
         {n["enabled"].get<bool>() ? (n["parked"].get<bool>() ? "parked" : "yes") : "no", 8},
         {n["parked"].get<bool>() ? "-" : n["lease"].get<std::string>(), 9},
         {std::to_string(n["running"].get<uint32_t>()), 8},
         {n["limit"].get<uint32_t>() ? std::to_string(n["limit"].get<uint32_t>()) : "-", 6}});
  return o.str();
}

std::unique_ptr<ha_commands> add_ha_commands(CLI::App& app) {
  auto c = std::make_unique<ha_commands>();
  c->ha = app.add_subcommand(
      "ha",
      "High Availability (guide: Configuring High Availability; docs/ha.md): HA resources are services (start, "
      "stop and optional check commands run by /bin/sh) that the master keeps running on exactly one HA node. "
      "Every HA node runs pstorage-shamand, which holds a lease from the master and runs what the master assigns "
      "to it; a node that cannot renew its lease stops its resources itself, and the master then relocates "
      "them, round-robin over the healthy HA nodes (default) or to the resource's backup node, within about "
      "8 s (docs/ha.md 'Failover bound'). Events: 'Relocating RESOURCE from HOST1 to HOST2', 'RESOURCE started "
      "on HOST2', 'RESOURCE failed to start on HOST2: REASON', 'no node can take RESOURCE' (pstorage get-event).\n"
      "  pstorage -c pcs1 ha enable-node --node node1\n"
      "  pstorage -c pcs1 ha add web --start '/srv/web/start' --stop '/srv/web/stop' --backup-node node3\n"
      "  pstorage -c pcs1 ha list\n"
      "  pstorage -c pcs1 ha relocate web --to node2");
  c->ha->require_subcommand(1);

  c->add = c->ha->add_subcommand(
      "add",
      "add an HA resource; the master places it on --node if that node can take it, else round-robin. The "
      "commands run on the node with PSTORAGE_HA_RESOURCE, PSTORAGE_HA_NODE and PSTORAGE_HA_IP set; the start "
      "command must return (exit 0: started) and leave the service running in its process group; the stop "
      "command must stop it (whatever remains in the start's process group is killed after it). Keep the "
      "service's state on the cluster mount so that it continues on another node.");
  c->add->add_option("RESOURCE", c->resource, "resource name (no spaces or '/')")->required();
  c->add->add_option("--start", c->start, "command that starts the service")->required();
  c->add->add_option("--stop", c->stop, "command that stops the service")->required();
  c->add->add_option("--check", c->check, "command that checks the running service (exit 0: healthy), run by its node's agent every 5 s (pstorage-shamand --check-interval); a failure counts as a failed start");
  c->add->add_option("--node", c->node, "preferred node for its first placement");
  c->add->add_option("--backup-node", c->backup_node,
                     "relocate to this node when its node fails (policy backup; round-robin when it cannot "
                     "take it)");
  c->add->add_option("--ip", c->ip,
                     "ADDR/PREFIX that moves with the resource: added with 'ip addr add' on the node before "
                     "the start, removed after the stop (pstorage-shamand --ip-dev)");

  c->list = c->ha->add_subcommand("list", "list HA resources (node, state, policy) and HA nodes (lease, running)");
  c->list->add_flag("--json", c->json, "print JSON: {\"resources\": [...], \"nodes\": [...]}");

  c->remove = c->ha->add_subcommand("remove", "remove an HA resource: its node stops it");
  c->remove->add_option("RESOURCE", c->resource, "resource name")->required();

  c->relocate = c->ha->add_subcommand(
      "relocate",
      "move a resource to another node now (a planned move): it is stopped where it runs, then started on HOST. "
      "Refused with the reason when HOST is not a healthy enabled HA node, is full, or already runs it.");
  c->relocate->add_option("RESOURCE", c->resource, "resource name")->required();
  c->relocate->add_option("--to", c->to, "target node")->required();

  c->enable = c->ha->add_subcommand(
      "enable-node", "make a node an HA node (its pstorage-shamand then gets a lease and resources)");
  c->enable->add_option("--node", c->node, "node name (default: this host's name)");
  c->enable->add_option("--limit", c->limit, "at most this many resources on the node (default 0: no limit)");
  c->disable = c->ha->add_subcommand(
      "disable-node", "stop giving resources to a node; the ones it runs are moved off (stopped, then started "
                      "elsewhere)");
  c->disable->add_option("--node", c->node, "node name (default: this host's name)");
  return c;
}

std::optional<int> ha_commands::dispatch(const global_options& g) const {
  if (!*ha) return std::nullopt;
  const std::string node_or_host = node.empty() ? frontend::local_host_name() : node;
  if (*add)
    return run(g, "add", [&](auto b) {
      auto r = b.initResource();
      r.setName(resource);
      r.setStartCmd(start);
      r.setStopCmd(stop);
      r.setCheckCmd(check);
      r.setPreferredNode(node);
      r.setBackupNode(backup_node);
      r.setIp(ip);
    }, false, false);
  if (*list) return run(g, "list", [](auto) {}, true, json);
  if (*remove) return run(g, "remove", [&](auto b) { b.initResource().setName(resource); }, false, false);
  if (*relocate)
    return run(g, "relocate", [&](auto b) {
      b.initResource().setName(resource);
      b.setNode(to);
    }, false, false);
  if (*enable)
    return run(g, "enable-node", [&](auto b) {
      b.setNode(node_or_host);
      b.setLimit(limit);
    }, false, false);
  if (*disable) return run(g, "disable-node", [&](auto b) { b.setNode(node_or_host); }, false, false);
  return 2;
}

}  // namespace pstorage::cli
