// mds_ha_actor.cpp — the HA relocator on the master MDS (issue 18; docs/ha.md
// "The relocator"). Runs in the MDS actor like its other parts. The
// decisions are relocator_rules.hpp's (pure); this file gathers their
// inputs (md.db's journaled HA table, the grants it sent, the agents'
// reports), journals what they return (cmd_ha_assign: applied on every MDS
// only once committed, so a new master has every assignment), emits the
// guide's events and answers `pstorage ha` and the agents' renewals.
//
// It never orders a start: an agent runs exactly what its latest grant lists
// (grant_for), and a grant is only sent by the serving master within its
// leader lease (for_master), so two masters never both hand out a resource.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/ha/ha_params.hpp"
#include "actors/mds/mds_ha.hpp"
#include "actors/mds/mds_repair_state.hpp"
#include "actors/mds/mds_state.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::mds_impl {
namespace p = proto;

namespace {

constexpr auto round_period = std::chrono::milliseconds(100);

persistence::md_store& md(self_ptr self) { return *self->state.deps.md; }

std::vector<ha::ha_resource> table(self_ptr self) {
  std::vector<ha::ha_resource> out;
  for (auto& r : md(self).ha_resources()) out.push_back({r.def, r.node, r.from});
  return out;
}

// The runtime of the current mastership (reset when it changes: a new
// master knows no grant of its predecessor, nor its own from an earlier term).
ha_runtime& runtime(self_ptr self) {
  auto& st = self->state;
  if (!st.ha) st.ha = std::make_shared<ha_runtime>();
  if (st.ha->master_since != st.master_since_ns) {
    for (auto& pr : st.ha->planned)
      pr.rp.deliver(wire::make<p::MdsToClientHa>([&](auto b) {
        set_status(b.initStatus(), p::STATUS_UNAVAILABLE, "the master changed; run the command again");
      }));
    auto armed = st.ha->loop_armed;
    *st.ha = ha_runtime{};
    st.ha->loop_armed = armed;
    st.ha->master_since = st.master_since_ns;
  }
  return *st.ha;
}

// The lease timing from the cluster parameters (ha_params.hpp: set-config
// mds.ha.*, checked there before journaling); the defaults until they are
// loaded.
ha::lease_timing current_timing(self_ptr self) {
  auto& st = self->state;
  return st.repair ? ha::timing_from_params(st.repair->params) : ha::lease_timing{};
}

ha::relocator_input input_for(self_ptr self) {
  auto& H = runtime(self);
  H.timing = current_timing(self);
  ha::relocator_input in;
  in.resources = table(self);
  in.nodes = md(self).ha_nodes();
  in.agents = H.agents;
  in.from_since = H.from_since;
  in.cursor = md(self).ha_cursor();
  in.now = steady_ns(self);
  in.master_since = H.master_since;
  in.timing = H.timing;
  return in;
}

void fill_resource(p::HaResource::Builder b, const ha::ha_resource& r, bool running) {
  b.setName(r.def.name);
  b.setStartCmd(r.def.start_cmd);
  b.setStopCmd(r.def.stop_cmd);
  b.setCheckCmd(r.def.check_cmd);
  b.setPreferredNode(r.def.preferred_node);
  b.setBackupNode(r.def.backup_node);
  b.setIp(r.def.ip);
  b.setPolicy(r.def.policy);
  b.setNode(r.node);
  b.setFrom(r.from);
  b.setRunning(running);
}

msg::mds_to_client_ha ha_reply(self_ptr self, uint32_t code, const std::string& text) {
  auto in = input_for(self);
  return wire::make<p::MdsToClientHa>([&](auto b) {
    set_status(b.initStatus(), code, code == p::STATUS_OK ? "" : text);
    b.setMessage(text);
    auto rs = b.initResources(static_cast<unsigned>(in.resources.size()));
    for (unsigned i = 0; i < in.resources.size(); ++i) {
      const auto& r = in.resources[i];
      auto a = in.agents.find(r.node);
      bool running = a != in.agents.end() && a->second.running.count(r.def.name) && r.from.empty();
      fill_resource(rs[i], r, running);
    }
    auto ns = b.initNodes(static_cast<unsigned>(in.nodes.size()));
    for (unsigned i = 0; i < in.nodes.size(); ++i) {
      const auto& n = in.nodes[i];
      ns[i].setName(n.name);
      ns[i].setEnabled(n.enabled);
      ns[i].setParked(n.parked);
      ns[i].setLease(ha::to_string(n.parked ? ha::lease_state::expiring : ha::node_state(in, n)));
      auto a = in.agents.find(n.name);
      ns[i].setRunning(a == in.agents.end() ? 0 : static_cast<uint32_t>(a->second.running.size()));
      ns[i].setLimit(n.limit);
    }
  });
}

void answer_planned(self_ptr self, ha_runtime::planned_request& pr, uint32_t code, const std::string& text) {
  pr.rp.deliver(ha_reply(self, code, text));
}

// One relocator round (relocator_rules.hpp): journal the confirmed stops and
// the plan's moves, each one command; events once applied.
void ha_round(self_ptr self) {
  auto& H = runtime(self);
  if (H.busy) return;
  auto in = input_for(self);
  if (in.resources.empty() && H.planned.empty()) return;
  for (auto& r : H.starts.expire(in.now))
    spdlog::info("HA: {}: trying again the nodes that failed to start it", r);
  in.given_up = H.starts.given_up_all();
  auto planned = std::move(H.planned);
  H.planned.clear();
  for (auto& pr : planned) in.planned.push_back(pr.move);
  auto round = ha::relocate_round(in);

  // Planned moves: answered now when refused or held back, else when journaled.
  std::vector<ha_runtime::planned_request> moving;
  for (auto& pr : planned) {
    bool done = false;
    for (auto& f : round.refused)
      if (f.why == ha::cause::planned && f.resource == pr.move.resource && f.to == pr.move.to) {
        answer_planned(self, pr, p::STATUS_BAD_REQUEST, f.event());
        done = true;
        break;
      }
    for (auto& w : round.waiting)
      if (!done && w == pr.move.resource) {
        answer_planned(self, pr, p::STATUS_BUSY,
                       "cannot relocate " + w + " now: its stop on another node is still pending; try again");
        done = true;
      }
    if (!done) moving.push_back(std::move(pr));
  }
  for (auto& f : round.refused)
    if (f.why != ha::cause::planned) emit_once(self, f.event());
  // Failed starts (start_failures.hpp): every node that could take it gave
  // it up: wait, then try them all again; an operator's move starts afresh.
  for (auto& r : round.exhausted) {
    const int64_t at = H.starts.exhausted(r, in.now);
    spdlog::info("HA: {}: every node failed to start it; trying again in {} s", r, (at - in.now) / 1'000'000'000);
  }
  for (auto& m : round.moves)
    if (m.why == ha::cause::planned) H.starts.forget(m.resource);

  std::vector<std::pair<mds::cmd_ha_assign, std::string>> cmds;  // command, event once applied
  for (auto& c : round.confirm_stops) cmds.push_back({c, ""});
  for (size_t i = 0; i < round.assigns.size(); ++i) cmds.push_back({round.assigns[i], round.moves[i].event()});
  if (cmds.empty()) {
    for (auto& pr : moving) answer_planned(self, pr, p::STATUS_BUSY, "nothing to do for " + pr.move.resource);
    return;
  }
  H.busy = true;
  for (auto& [cmd, event] : cmds) H.journaling.insert(cmd.resource);
  auto left = std::make_shared<size_t>(cmds.size());
  auto waiting = std::make_shared<std::vector<ha_runtime::planned_request>>(std::move(moving));
  const int64_t since = H.master_since;
  for (auto& [cmd, event] : cmds) {
    commit_command(self, cmd, [self, cmd, event, left, waiting, since](std::optional<std::string> why) {
      auto& H2 = runtime(self);
      const bool same_master = H2.master_since == since;
      if (same_master) H2.journaling.erase(cmd.resource);
      if (why) {
        spdlog::warn("HA: {} -> {} not journaled: {}", cmd.resource, cmd.node, *why);
      } else if (same_master) {
        if (!cmd.from.empty())
          H2.from_since[cmd.resource] = steady_ns(self);
        else
          H2.from_since.erase(cmd.resource);
        if (!event.empty()) emit(self, event);
      }
      for (auto& pr : *waiting)
        if (pr.move.resource == cmd.resource) {
          pr.rp.deliver(ha_reply(self, why ? p::STATUS_UNAVAILABLE : p::STATUS_OK, why ? *why : event));
          pr.move.resource.clear();
        }
      if (--*left == 0 && same_master) H2.busy = false;
    });
  }
}

void ha_loop(self_ptr self) {
  if (serving_now(self)) ha_round(self);
  run_later(self, round_period, [self] { ha_loop(self); });
}

std::optional<mds::cmd_ha_set_node> node_row(self_ptr self, const std::string& name) {
  for (auto& n : md(self).ha_nodes())
    if (n.name == name) return n;
  return std::nullopt;
}

// Host names and resource names end up in events, commands' environment
// and the CLI's table: printable, no spaces, bounded.
std::optional<std::string> bad_name(const std::string& what, const std::string& s) {
  if (s.empty()) return what + " is empty";
  if (s.size() > 255) return what + " is longer than 255 bytes";
  for (unsigned char c : s)
    if (c <= ' ' || c == 0x7f || c == '/') return what + " '" + s + "' contains a space, '/' or a control character";
  return std::nullopt;
}

// The loop is armed by the first HA request (a CLI `ha` command or an
// agent's renewal), not at start: an MDS of a cluster without HA runs no
// extra timer (the simulator's schedules stay as they were). A new master
// arms it with the first renewal it gets; with no agent renewing there is
// no healthy node to relocate to anyway.
void arm_ha_loop(self_ptr self) {
  auto& H = runtime(self);
  if (H.loop_armed) return;
  H.loop_armed = true;
  run_later(self, round_period, [self] { ha_loop(self); });
}

}  // namespace

void init_ha(self_ptr self) { runtime(self); }

caf::result<msg::mds_to_client_ha> handle_ha(self_ptr self, const msg::client_to_mds_ha& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return ha_reply(self, p::STATUS_BAD_REQUEST, req.error);
  if (!credentials_ok(st, req->getCredentials())) return ha_reply(self, p::STATUS_AUTH_FAILED, auth_error(st));
  arm_ha_loop(self);
  const std::string op = req->getOp().cStr();
  auto r = req->getResource();
  const std::string name = r.getName().cStr();
  const std::string node = req->getNode().cStr();
  auto commit_then_reply = [self](const mds::md_command& cmd, std::string done_text) {
    auto rp = self->make_response_promise<msg::mds_to_client_ha>();
    commit_command(self, cmd, [self, rp, done_text](std::optional<std::string> why) mutable {
      if (why) {
        rp.deliver(ha_reply(self, p::STATUS_BAD_REQUEST, *why));
        return;
      }
      spdlog::info("HA: {}", done_text);
      rp.deliver(ha_reply(self, p::STATUS_OK, done_text));
    });
    return caf::result<msg::mds_to_client_ha>(rp);
  };
  auto known = [&](const std::string& n) {
    for (auto& x : md(self).ha_resources())
      if (x.def.name == n) return true;
    return false;
  };
  if (op == "list") return ha_reply(self, p::STATUS_OK, "");
  if (op == "add") {
    mds::cmd_ha_add_resource c{name, r.getStartCmd(), r.getStopCmd(), r.getCheckCmd(), r.getPreferredNode(),
                               r.getBackupNode(), r.getIp(), ""};
    c.policy = c.backup_node.empty() ? "round-robin" : "backup";
    if (auto e = bad_name("the resource name", c.name)) return ha_reply(self, p::STATUS_BAD_REQUEST, *e);
    if (c.start_cmd.empty() || c.stop_cmd.empty())
      return ha_reply(self, p::STATUS_BAD_REQUEST, "ha add " + c.name + ": --start and --stop are required");
    for (auto* n : {&c.preferred_node, &c.backup_node})
      if (!n->empty())
        if (auto e = bad_name("the node name", *n)) return ha_reply(self, p::STATUS_BAD_REQUEST, *e);
    if (known(c.name))
      return ha_reply(self, p::STATUS_BAD_REQUEST,
                      "HA resource " + c.name + " already exists; 'ha remove " + c.name + "' first to change it");
    return commit_then_reply(c, "HA resource " + c.name + " added");
  }
  if (op == "remove") {
    if (!known(name)) return ha_reply(self, p::STATUS_NOT_FOUND, "no HA resource " + name + " (see 'ha list')");
    runtime(self).starts.forget(name);
    return commit_then_reply(mds::cmd_ha_remove_resource{name}, "HA resource " + name + " removed");
  }
  if (op == "enable-node" || op == "disable-node") {
    if (auto e = bad_name("the node name", node)) return ha_reply(self, p::STATUS_BAD_REQUEST, *e);
    auto row = node_row(self, node).value_or(mds::cmd_ha_set_node{node, true, false, 0});
    row.enabled = op == "enable-node";
    if (op == "enable-node") row.limit = req->getLimit();
    if (op == "disable-node" && !node_row(self, node))
      return ha_reply(self, p::STATUS_NOT_FOUND, "node " + node + " is not an HA node (see 'ha list')");
    return commit_then_reply(row, "HA node " + node + (row.enabled ? " enabled" : " disabled"));
  }
  if (op == "relocate") {
    if (!known(name)) return ha_reply(self, p::STATUS_NOT_FOUND, "no HA resource " + name + " (see 'ha list')");
    if (auto e = bad_name("the target node name", node)) return ha_reply(self, p::STATUS_BAD_REQUEST, *e);
    auto rp = self->make_response_promise<msg::mds_to_client_ha>();
    runtime(self).planned.push_back({ha::planned_move{name, node}, rp});
    ha_round(self);
    return rp;
  }
  return ha_reply(self, p::STATUS_BAD_REQUEST,
                  "unknown ha operation '" + op + "' (add, remove, relocate, enable-node, disable-node, list)");
}

namespace {
msg::mds_to_agent_ha_renew renew_reply(self_ptr self, uint32_t code, const std::string& text, const std::string& node,
                                       bool granted) {
  auto& H = runtime(self);
  std::vector<ha::ha_resource> mine;
  if (granted) {
    auto all = table(self);
    auto names = ha::grant_for(all, node, H.journaling);
    for (auto& r : all)
      if (std::find(names.begin(), names.end(), r.def.name) != names.end()) mine.push_back(r);
    H.agents[node].granted_at = steady_ns(self);  // sent now (node_lease.hpp: granted_at)
  }
  H.timing = current_timing(self);
  if (granted) H.agents[node].timing = H.timing;  // relocator_rules.hpp rule 1
  return wire::make<p::MdsToAgentHaRenew>([&](auto b) {
    set_status(b.initStatus(), code, text);
    b.setGranted(granted);
    b.setLeaseNs(H.timing.lease);
    b.setDriftMarginNs(H.timing.drift_margin);
    b.setStopBudgetNs(H.timing.stop_budget);
    b.setRenewEveryNs(H.timing.renew_every);
    auto l = b.initAssigned(static_cast<unsigned>(mine.size()));
    for (unsigned i = 0; i < mine.size(); ++i) fill_resource(l[i], mine[i], true);
  });
}
}  // namespace

caf::result<msg::mds_to_agent_ha_renew> handle_ha_renew(self_ptr self, const msg::agent_to_mds_ha_renew& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return renew_reply(self, p::STATUS_BAD_REQUEST, req.error, "", false);
  if (!credentials_ok(st, req->getCredentials())) return renew_reply(self, p::STATUS_AUTH_FAILED, auth_error(st), "", false);
  arm_ha_loop(self);
  const std::string node = req->getNode().cStr();
  auto row = node_row(self, node);
  if (!row)
    return renew_reply(self, p::STATUS_NOT_FOUND,
                       "node " + node + " is not an HA node: run 'pstorage -c " + st.cluster +
                           " ha enable-node --node " + node + "'",
                       node, false);
  auto& H = runtime(self);
  auto& a = H.agents[node];
  a.reported_at = steady_ns(self);
  a.running.clear();
  for (auto r : req->getRunning()) a.running.insert(r.cStr());
  auto resources = table(self);
  auto assigned_here = [&](const std::string& r) {
    for (auto& x : resources)
      if (x.def.name == r) return x.node == node;
    return false;
  };
  for (auto s : req->getStarted())
    if (assigned_here(s.cStr())) {
      emit(self, std::string(s.cStr()) + " started on " + node);
      H.starts.forget(s.cStr());
    }
  for (auto f : req->getFailed()) {
    emit(self, std::string(f.getResource().cStr()) + " failed to start on " + node + ": " + f.getReason().cStr());
    if (assigned_here(f.getResource().cStr())) H.starts.failed(f.getResource().cStr(), node);
  }
  const bool leaving = req->getLeaving();
  if (leaving == row->parked)
    return renew_reply(self, p::STATUS_OK, leaving ? "parked" : "", node, !leaving);
  // Park (a clean stop: its resources stay assigned and do not run) or
  // unpark (its agent is back), journaled before the answer.
  row->parked = leaving;
  auto rp = self->make_response_promise<msg::mds_to_agent_ha_renew>();
  commit_command(self, *row, [self, rp, node, leaving](std::optional<std::string> why) mutable {
    if (why) {
      rp.deliver(renew_reply(self, p::STATUS_UNAVAILABLE, *why, node, false));
      return;
    }
    emit(self, "HA node " + node + (leaving ? " left cleanly: its resources stay on it and are not relocated"
                                            : " is back"));
    rp.deliver(renew_reply(self, p::STATUS_OK, leaving ? "parked" : "", node, !leaving));
  });
  return rp;
}

}  // namespace pstorage::mds_impl
