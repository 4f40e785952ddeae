#include "tests/sim/ha_agents.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>

#include "actors/common/atoms.hpp"
#include "actors/ha/node_lease.hpp"
#include "actors/mds/mds_api.hpp"
#include "protocol/common.capnp.h"
#include "protocol/messages.hpp"

namespace pstorage::sim {
namespace p = proto;
using ms = std::chrono::milliseconds;

// ---- the truth (pure) ---------------------------------------------------------------------

std::string ha_truth::start(const std::string& r, const std::string& node, int64_t now_ms) {
  auto& nodes = on[r];
  std::string detail;
  if (!nodes.empty() && !nodes.count(node)) {
    detail = r + " starts on " + node + " while it runs on";
    for (auto& n : nodes) detail += " " + n;
  }
  nodes.insert(node);
  if (auto d = down_since_ms.find(r); d != down_since_ms.end()) {
    auto& longest = longest_down_ms[r];
    longest = std::max(longest, now_ms - d->second);
    down_since_ms.erase(d);
  }
  return detail;
}

void ha_truth::stop(const std::string& r, const std::string& node, int64_t now_ms) {
  auto it = on.find(r);
  if (it == on.end() || !it->second.erase(node)) return;
  if (it->second.empty()) down_since_ms[r] = now_ms;
}

std::string ha_truth::overdue(int64_t now_ms, int64_t bound_ms) const {
  for (auto& [r, since] : down_since_ms)
    if (now_ms - since > bound_ms)
      return r + " has run on no node for " + std::to_string(now_ms - since) + " ms (bound " + std::to_string(bound_ms) +
             " ms)";
  return "";
}

std::string ha_truth::not_running_once() const {
  for (auto& [r, nodes] : on)
    if (nodes.size() != 1) return r + " runs on " + std::to_string(nodes.size()) + " nodes after the settle phase";
  for (auto& [r, since] : down_since_ms) return r + " runs nowhere since " + std::to_string(since) + " ms";
  return "";
}

// ---- actors ---------------------------------------------------------------------------------

namespace {
template <class B>
void put_credentials(ha_env* env, B b) {
  auto c = b.initCredentials();
  c.setCluster(env->cluster);
  c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(env->digest.data()), env->digest.size()));
}

struct agent_state {
  std::string node;
  size_t client = 0;
  double rate = 1.0;
  int64_t born_ms = 0;
  ha::lease_timing timing;
  bool have_grant = false;
  int64_t requested_at = 0;  // agent clock (ns): send time of the newest granted request
  std::set<std::string> assigned;
  enum phase { starting, running, stopping };
  std::map<std::string, std::pair<phase, uint64_t>> procs;  // resource -> phase, generation
  uint64_t generation = 0;
  std::vector<std::string> started;  // not yet reported
  bool fenced_noted = false;
  // Agent clock (ns) and real delays for agent-clock periods.
  int64_t clock_ns(ha_env* env) const {
    return 1'000'000'000'000 + static_cast<int64_t>(static_cast<double>(env->now_ms() - born_ms) * rate * 1e6);
  }
  ms real(int64_t agent_ms) const { return ms(std::max<int64_t>(1, static_cast<int64_t>(agent_ms / rate))); }
};
}  // namespace

caf::actor spawn_ha_setup(caf::actor_system& sys, ha_env* env, size_t client, std::vector<std::string> nodes,
                          std::vector<std::pair<std::string, std::string>> resources, bool relocations) {
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    // Each step: (op, node or resource name, backup node).
    struct step {
      std::string op, name, backup;
    };
    auto steps = std::make_shared<std::vector<step>>();
    for (auto& n : nodes) steps->push_back({"enable-node", n, ""});
    for (auto& [r, b] : resources) steps->push_back({"add", r, b});
    auto at = std::make_shared<size_t>(0);
    self->send(self, tick_atom::value);
    // A planned move now and then, once set up (answers only counted).
    auto relocate = [=] {
      self->delayed_send(self, ms(env->between(2000, 8000)), later_atom::value);
      auto link = env->mds(client);
      if (!link || env->stopping()) return;
      const auto& r = resources[static_cast<size_t>(env->between(0, static_cast<int64_t>(resources.size()) - 1))].first;
      const auto& to = nodes[static_cast<size_t>(env->between(0, static_cast<int64_t>(nodes.size()) - 1))];
      env->note("ha operator: relocate " + r + " --to " + to);
      env->count("ha.relocate.sent");
      self->request(caf::actor_cast<mds_api>(link), ms(5000), wire::make<p::ClientToMdsHa>([&](auto b) {
              put_credentials(env, b);
              b.setOp("relocate");
              b.initResource().setName(r);
              b.setNode(to);
            }))
          .then(
              [=](msg::mds_to_client_ha& a) {
                auto d = wire::decode(a);
                env->count(d && d->getStatus().getCode() == p::STATUS_OK ? "ha.relocate.done" : "ha.relocate.refused");
              },
              [=](caf::error&) { env->count("ha.relocate.lost"); });
    };
    return {[=](later_atom) {
              if (!env->stopping()) relocate();
            },
            [=](tick_atom) {
      if (*at >= steps->size()) return;
      self->delayed_send(self, ms(1000), tick_atom::value);
      auto link = env->mds(client);
      if (!link) return;
      const step s = (*steps)[*at];
      env->count("ha.setup." + s.op + ".sent");
      self->request(caf::actor_cast<mds_api>(link), ms(5000), wire::make<p::ClientToMdsHa>([&](auto b) {
              put_credentials(env, b);
              b.setOp(s.op);
              if (s.op == "enable-node") {
                b.setNode(s.name);
              } else {
                auto r = b.initResource();
                r.setName(s.name);
                r.setStartCmd("start " + s.name);
                r.setStopCmd("stop " + s.name);
                r.setBackupNode(s.backup);
              }
            }))
          .then(
              [=](msg::mds_to_client_ha& a) {
                auto d = wire::decode(a);
                if (!d || *at >= steps->size() || (*steps)[*at].name != s.name || (*steps)[*at].op != s.op) return;
                std::string text = d->getMessage().cStr();
                if (d->getStatus().getCode() == p::STATUS_OK || text.find("already") != std::string::npos) {
                  env->note("ha setup: " + s.op + " " + s.name + " done");
                  ++*at;
                  self->send(self, tick_atom::value);
                  if (*at == steps->size() && relocations)
                    self->delayed_send(self, ms(env->between(2000, 8000)), later_atom::value);
                }
              },
              [=](caf::error&) { env->count("ha.setup.lost"); });
    }};
  });
}

caf::actor spawn_ha_agent(caf::actor_system& sys, ha_env* env, size_t client, std::string node, double rate) {
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    auto st = std::make_shared<agent_state>();
    st->node = node;
    st->client = client;
    st->rate = rate;
    st->born_ms = env->now_ms();
    env->note("ha agent " + node + " starts (clock rate " + std::to_string(rate) + ")");
    auto begin_stop = [=](const std::string& r) {
      auto& [ph, gen] = st->procs[r];
      if (ph == agent_state::starting) {  // killed at once
        env->truth.stop(r, node, env->now_ms());
        st->procs.erase(r);
        return;
      }
      ph = agent_state::stopping;
      gen = ++st->generation;
      self->delayed_send(self, st->real(env->between(0, 1700)), later_atom::value, r, gen);
    };
    self->send(self, tick_atom::value);
    self->send(self, heartbeat_atom::value);
    return {
        // The main loop: what may run now.
        [=](tick_atom) {
          self->delayed_send(self, st->real(100), tick_atom::value);
          const int64_t now = st->clock_ns(env);
          const bool fenced = st->have_grant && ha::agent_must_stop(st->timing, st->requested_at, now);
          if (fenced && !st->fenced_noted) {
            env->note("ha agent " + node + " fences itself: no renewal granted for " +
                      std::to_string((now - st->requested_at) / 1'000'000) + " ms of its clock");
            env->count("ha.agent.fenced");
          }
          st->fenced_noted = fenced;
          std::set<std::string> wanted;
          if (st->have_grant && !fenced) wanted = st->assigned;
          std::vector<std::string> unwanted;
          for (auto& [r, pg] : st->procs)
            if (!wanted.count(r) && pg.first != agent_state::stopping) unwanted.push_back(r);
          for (auto& r : unwanted) begin_stop(r);
          for (auto& r : wanted) {
            if (st->procs.count(r)) continue;
            auto detail = env->truth.start(r, node, env->now_ms());
            if (!detail.empty()) env->raise("ha-never-two-nodes", detail);
            env->count("ha.agent.start");
            const uint64_t gen = ++st->generation;
            st->procs[r] = {agent_state::starting, gen};
            self->delayed_send(self, st->real(env->between(10, 600)), start_atom::value, r, gen);
          }
        },
        [=](start_atom, const std::string& r, uint64_t gen) {
          auto it = st->procs.find(r);
          if (it == st->procs.end() || it->second.second != gen || it->second.first != agent_state::starting) return;
          it->second.first = agent_state::running;
          st->started.push_back(r);
        },
        [=](later_atom, const std::string& r, uint64_t gen) {
          auto it = st->procs.find(r);
          if (it == st->procs.end() || it->second.second != gen) return;
          env->truth.stop(r, node, env->now_ms());
          st->procs.erase(it);
        },
        // A renewal every renew period of the agent's clock; one in flight.
        [=](heartbeat_atom) {
          const int64_t period_ms = st->timing.renew_every / 1'000'000;
          self->delayed_send(self, st->real(period_ms), heartbeat_atom::value);
          auto link = env->mds(client);
          if (!link) return;
          const int64_t sent = st->clock_ns(env);
          const size_t n_started = st->started.size();
          auto req = wire::make<p::AgentToMdsHaRenew>([&](auto b) {
            put_credentials(env, b);
            b.setNode(node);
            auto r = b.initRunning(static_cast<unsigned>(st->procs.size()));
            unsigned i = 0;
            for (auto& [name, pg] : st->procs) r.set(i++, name);
            auto s = b.initStarted(static_cast<unsigned>(n_started));
            for (unsigned k = 0; k < n_started; ++k) s.set(k, st->started[k]);
            b.initFailed(0);
          });
          env->count("ha.agent.renew.sent");
          self->request(caf::actor_cast<mds_api>(link), st->real(std::max<int64_t>(period_ms, 500)), std::move(req))
              .then(
                  [=](msg::mds_to_agent_ha_renew& a) {
                    auto d = wire::decode(a);
                    if (!d) return;
                    const size_t k = std::min(n_started, st->started.size());
                    st->started.erase(st->started.begin(), st->started.begin() + static_cast<long>(k));
                    if (!d->getGranted()) {
                      env->count("ha.agent.renew.refused");
                      if (d->getStatus().getCode() == p::STATUS_OK) st->assigned.clear();
                      return;
                    }
                    env->count("ha.agent.renew.granted");
                    ha::lease_timing t;
                    t.lease = d->getLeaseNs();
                    t.drift_margin = d->getDriftMarginNs();
                    t.stop_budget = d->getStopBudgetNs();
                    t.renew_every = d->getRenewEveryNs();
                    if (ha::check_timing(t, 0).empty()) st->timing = t;
                    if (sent > st->requested_at) {
                      st->requested_at = sent;
                      st->have_grant = true;
                      st->assigned.clear();
                      for (auto r : d->getAssigned()) st->assigned.insert(r.getName().cStr());
                    }
                  },
                  [=](caf::error&) { env->count("ha.agent.renew.lost"); });
        },
    };
  });
}

void ha_agent_killed(ha_env* env, const std::string& node) {
  for (auto& [r, nodes] : env->truth.on)
    if (nodes.count(node)) env->truth.stop(r, node, env->now_ms());
}

caf::actor spawn_ha_monitor(caf::actor_system& sys, ha_env* env, int64_t bound_ms) {
  return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->delayed_send(self, ms(100), tick_atom::value);
    return {[=](tick_atom) {
      self->delayed_send(self, ms(100), tick_atom::value);
      if (bound_ms <= 0) return;
      auto detail = env->truth.overdue(env->now_ms(), bound_ms);
      if (!detail.empty()) env->raise("ha-relocated-within-bound", detail);
    }};
  });
}

}  // namespace pstorage::sim
