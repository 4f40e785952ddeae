// simulation.cpp — the harness: builds the simulated cluster, drives the test
// coordinator step by step with seeded choices, injects faults, keeps the
// model (model.hpp) up to date and checks the invariants after every step.
#include "tests/sim/simulation.hpp"

#include <cmath>
#include <caf/all.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include "actors/common/node_config.hpp"
#include "actors/common/sim_bugs.hpp"
#include "protocol/common.capnp.h"
#include "protocol/messages.hpp"
#include "persistence/md_store.hpp"
#include "tests/sim/data_client.hpp"
#include "tests/sim/mds_cluster.hpp"
#include "tests/sim/meta_client.hpp"
#include "tests/sim/ops_client.hpp"
#include "tests/sim/ha_agents.hpp"
#include "tests/sim/node_factory.hpp"
#include "tests/sim/proxy.hpp"
#include "tests/sim/rng.hpp"

namespace pstorage::sim {
namespace {
namespace p = proto;
using clock_tp = caf::actor_clock::time_point;
constexpr int64_t request_timeout_ms = 5000;

struct link_rec {
  caf::actor a;
  std::string from, to;
  int from_inc, to_inc;
  bool dead = false;
};

struct cs_node {
  cs_disk disk;
  cs_api actor;
  mds_locator_api locator;
  cs_directory_api directory;
  caf::actor first_mds_link;  // bug locator_stale_mds
};

struct agenda_item {
  std::string what;
  bool undo;  // the end of a fault: run at once when faults stop
  std::function<void()> fn;
};

class harness {
 public:
  explicit harness(const run_options& o)
      : opts_(o), sc_(*o.sc), rng_(o.seed), net_(rng_, o.sc->net), sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {
    tr_.echo = o.echo_trace;
    skew_rng_ = rng(o.seed ^ 0xC10C5CE3D00D5EEDull);
    t0_ = sched_.clock().now();
    lctx_.net = &net_;
    lctx_.tr = &tr_;
    lctx_.coverage = &cov_;
    lctx_.now_ms = [this] { return now_ms(); };
    lctx_.step = [this] { return steps_; };
    lctx_.replay_interval_ms = t_.heartbeat.count();
    ident_ = make_identity();
    m_.inactive_after_ms = t_.inactive_after.count();
    m_.tick_ms = t_.tick.count();
    m_.heartbeat_ms = t_.heartbeat.count();
    m_.max_delay_ms = sc_.net.max_delay_ms;
  }

  ~harness() { teardown(); }

  run_result run();

 private:
  // ---- time ----
  int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(sched_.clock().now() - t0_).count();
  }
  clock_tp at(int64_t ms) const { return t0_ + std::chrono::milliseconds(ms); }
  void note(const std::string& text) { tr_.add(now_ms(), steps_, text); }
  void count(const std::string& key) { ++cov_[key]; }
  void schedule(int64_t in_ms, std::string what, bool undo, std::function<void()> fn) {
    agenda_.emplace(now_ms() + in_ms, agenda_item{std::move(what), undo, std::move(fn)});
  }

  // cs1 and cs2 share a host, so the failure domain "host" differs from "CS".
  static size_t host_of(size_t i) { return i == 1 ? 1 : i + 1; }
  std::string domain_of(uint32_t id) {
    for (size_t i = 0; i < m_.css.size(); ++i)
      if (m_.css[i].exists && m_.css[i].id == id) return "hostid-" + std::to_string(host_of(i));
    return "";
  }

  // ---- actors ----
  void kill_now(const caf::actor& a) {
    if (!a) return;
    caf::anon_send_exit(a, caf::exit_reason::kill);
    if (sched_.prioritize(a)) sched_.run_once();
  }
  template <class Handle>
  void kill_now(const Handle& h) {
    kill_now(caf::actor_cast<caf::actor>(h));
  }
  caf::actor make_link(const std::string& from, int from_inc, const std::string& to, int to_inc, caf::actor target,
                       std::function<void(const std::string&, const caf::message&)> on_answer = nullptr,
                       caf::actor back = {}) {
    auto a = spawn_link(sys_, &lctx_, from, to, std::move(target), std::move(on_answer), std::move(back));
    links_.push_back({a, from, to, from_inc, to_inc});
    return a;
  }
  // The process `name` (incarnation inc) died: its connections close.
  void close_links(const std::string& name, int inc, bool from_callback) {
    for (auto& l : links_) {
      if (l.dead) continue;
      bool ours = (l.from == name && l.from_inc == inc) || (l.to == name && l.to_inc == inc);
      if (!ours) continue;
      l.dead = true;
      if (PSTORAGE_SIM_BUG(net_replay_after_close) && l.from == name && l.to == "mds1") {
        caf::anon_send(l.a, zombie_atom::value);
        zombies_.push_back(l.a);
        continue;
      }
      if (from_callback)
        caf::anon_send_exit(l.a, caf::exit_reason::kill);
      else
        kill_now(l.a);
    }
  }

  // ---- MDS ----
  // Clock skew (scenario::clock_skew_max): a rate for a node's new start,
  // log-uniform in [1/max, max], noted in the trace; 1.0 without skew.
  double clock_rate_for(const std::string& node) {
    if (sc_.clock_skew_max <= 1.0) return 1.0;
    const double lo = std::log(1.0 / sc_.clock_skew_max), hi = std::log(sc_.clock_skew_max);
    const double u = static_cast<double>(skew_rng_.below(1000001)) / 1000000.0;
    const double rate = std::exp(lo + (hi - lo) * u);
    count("clock.skewed-start");
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s's clock runs at %.3fx true time", node.c_str(), rate);
    note(buf);
    return rate;
  }
  // The MDSs (mds_cluster.hpp): this harness decides when a fault strikes
  // which MDS; the cluster carries it out and knows which one is master.
  void make_cluster() {
    mds_cluster_env e;
    e.sys = &sys_;
    e.m = &m_;
    e.ident = ident_;
    e.t = t_;
    e.note = [this](const std::string& t) { note(t); };
    e.count = [this](const std::string& c) { count(c); };
    e.now_ms = [this] { return now_ms(); };
    e.next_seed = [this] { return rng_.next(); };
    e.clock_rate = [this](const std::string& node) { return clock_rate_for(node); };
    e.wall_offset_ns = [this](const std::string& node) -> int64_t {
      if (sc_.clock_skew_max <= 1.0) return 0;
      const int64_t off = (static_cast<int64_t>(skew_rng_.below(120001)) - 60000) * 1000000;
      note(node + "'s wall clock is off by " + std::to_string(off / 1000000) + " ms");
      return off;
    };
    e.link = [this](const std::string& from, int from_inc, const std::string& to, int to_inc, caf::actor target,
                    answer_fn on_answer, caf::actor back) {
      return make_link(from, from_inc, to, to_inc, std::move(target), std::move(on_answer), std::move(back));
    };
    e.client_link = [this](size_t k, const std::string& to, int to_inc, caf::actor target, answer_fn on_answer) {
      return client_link(k, to, to_inc, std::move(target), std::move(on_answer));
    };
    e.close_links = [this](const std::string& node, int inc) { close_links(node, inc, false); };
    e.kill = [this](const caf::actor& a) { kill_now(a); };
    e.set_hung = [this](const caf::actor& a, bool hung) {
      auto* p = caf::actor_cast<caf::abstract_actor*>(a);
      if (hung)
        hung_.insert(p);
      else
        hung_.erase(p);
    };
    e.on_master_event = [this](const std::string& ev) { on_mds_event(ev); };
    mdses_ = std::make_unique<mds_cluster>(std::move(e), static_cast<uint32_t>(sc_.mdses));
  }
  void start_mds(size_t i = 0) { mdses_->start(i); }
  // An event of the MDS whose view the invariants judge (mds_cluster.hpp).
  void on_mds_event(const std::string& e) {
    if (e.rfind("CS#", 0) != 0) return;
    uint32_t id = static_cast<uint32_t>(std::strtoul(e.c_str() + 3, nullptr, 10));
    if (e.find(" is active") != std::string::npos)
      m_.mds_view[id] = "active";
    else if (e.find("marked as inactive") != std::string::npos)
      m_.mds_view[id] = "inactive";
    else if (e.find("marked as offline") != std::string::npos)
      m_.mds_view[id] = "offline";
    else if (e.find("is dropped") != std::string::npos) {
      m_.mds_view[id] = "dropped";
      if (id == rm_id_) schedule(0, "rm-cs: the operator stops the dropped CS", false, [this] { remove_cs(); });
    }
  }
  // Which MDS a fault strikes: with several, the master half of the time.
  std::optional<size_t> mds_target(bool running_only) {
    std::vector<size_t> v;
    for (size_t i = 0; i < mdses_->size(); ++i)
      if (mdses_->alive(i) && (!running_only || !mdses_->hung(i))) v.push_back(i);
    if (v.empty()) return std::nullopt;
    if (!mdses_->several()) return v.front();
    if (auto mi = mdses_->master(); mi && std::count(v.begin(), v.end(), *mi) && rng_.below(2) == 0) return mi;
    return v[rng_.below(v.size())];
  }
  // How many MDSs may be down (dead or hung) at once: 3 MDSs may lose 2 (no
  // majority: changes stop until one returns), 5 may lose 3.
  bool mds_down_budget_left() {
    if (!mdses_->several()) return true;
    const size_t down = mdses_->size() - mdses_->running().size();
    return down < mdses_->size() / 2 + 1;
  }
  void crash_mds(bool power_loss = false) {
    const std::string kind = power_loss ? "mds-power-loss" : "mds-restart";
    auto target = mds_target(false);
    if (!target || !mds_down_budget_left()) return count("fault." + kind + ".skipped");
    const size_t i = *target;
    mdses_->crash(i, power_loss);
    note("fault " + kind + ": " + mdses_->name(i) + " killed" + (power_loss ? " (power loss)" : ""));
    count("fault." + kind);
    schedule(rng_.between(sc_.fault_len_min_ms, sc_.fault_len_max_ms), mdses_->name(i) + " restarts", true, [this, i] {
      if (mdses_->alive(i)) return;
      if (PSTORAGE_SIM_BUG(mds_store_not_durable)) {
        mdses_->fresh_disk(i);
        count("bug.mds_store_not_durable.fresh_store");
      }
      start_mds(i);
    });
  }
  void hang_mds() {
    auto target = mds_target(true);
    if (!target || !mds_down_budget_left()) return count("fault.mds-hang.skipped");
    const size_t i = *target;
    mdses_->hang(i);
    note("fault mds-hang: " + mdses_->name(i) + " stops running");
    count("fault.mds-hang");
    int inc = mdses_->incarnation(i);
    schedule(rng_.between(sc_.fault_len_min_ms, sc_.fault_len_max_ms), mdses_->name(i) + " resumes", true, [this, i, inc] {
      if (inc != mdses_->incarnation(i) || !mdses_->alive(i) || !mdses_->hung(i)) return;
      mdses_->resume(i);
      note(mdses_->name(i) + " resumes");
    });
  }
  // Slow MDS disk: the election actor (the journal's only writer) blocks in
  // a synchronous disk call for 50..2000 ms; the MDS actor keeps running.
  void slow_mds_disk() {
    auto target = mds_target(true);
    if (!target || mdses_->disk_blocked(*target)) return count("fault.mds-slow-disk.skipped");
    const size_t i = *target;
    const int64_t len = rng_.between(50, 2000);
    mdses_->block_disk(i, true);
    note("fault mds-slow-disk: " + mdses_->name(i) + "'s journal blocks for " + std::to_string(len) + " ms");
    count("fault.mds-slow-disk");
    int inc = mdses_->incarnation(i);
    schedule(len, mdses_->name(i) + "'s disk answers", true, [this, i, inc] {
      if (inc == mdses_->incarnation(i) && mdses_->alive(i)) mdses_->block_disk(i, false);
    });
  }
  // A partition that cuts the master (with a random part of the CSs and
  // clients) from every other MDS: the rest elect a new master, the old one
  // must step down, clients and CSs on its side follow once it heals.
  void isolate_master(int64_t len) {
    auto mi = mdses_->master();
    if (!mdses_->several() || !mi) return count("fault.isolate-master.skipped");
    std::set<std::string> side{mdses_->name(*mi)};
    for (auto& n : node_names())
      if (n.rfind("mds", 0) != 0 && rng_.below(2)) side.insert(n);
    std::string s;
    for (auto& n : side) s += " " + n;
    count("fault.isolate-master");
    note("fault isolate-master for " + std::to_string(len) + " ms: {" + s + " } | rest");
    net_.partition(side);
    schedule(len, "partition heals", true, [this] {
      net_.heal_partition();
      note("partition heals");
    });
  }

  // ---- CS ----
  caf::result<mds_api> locate(size_t i, int inc) {
    auto& n = nodes_[i];
    if (PSTORAGE_SIM_BUG(locator_stale_mds) && n.first_mds_link) {
      count("bug.locator_stale_mds.handed_out");
      return caf::actor_cast<mds_api>(n.first_mds_link);
    }
    if (!m_.mds_alive) return caf::make_error(caf::sec::cannot_connect_to_node, "mds1 is down");
    auto link = make_link(m_.css[i].name, inc, "mds1", mdses_->incarnation(0), caf::actor_cast<caf::actor>(mdses_->master_api()),
                          [this, i, inc](const std::string& type, const caf::message& ans) { on_mds_answer(i, inc, type, ans); },
                          caf::actor_cast<caf::actor>(n.actor));
    if (!n.first_mds_link) n.first_mds_link = link;
    return caf::actor_cast<mds_api>(link);
  }
  void on_mds_answer(size_t i, int inc, const std::string& type, const caf::message& ans) {
    auto& c = m_.css[i];
    if (c.incarnation != inc || !c.alive) return;
    if (type == "mds_to_cs_heartbeat") {
      auto a = wire::decode(ans.get_as<msg::mds_to_cs_heartbeat>(0));
      if (a && a->getStatus().getCode() == p::STATUS_OK && c.id) m_.answered_at[c.id] = now_ms();
    } else if (type == "mds_to_cs_register") {
      auto a = wire::decode(ans.get_as<msg::mds_to_cs_register>(0));
      if (a && a->getStatus().getCode() == p::STATUS_OK) m_.answered_at[a->getCsId()] = now_ms();
    }
  }
  caf::result<cs_api> connect_cs(size_t i, int inc, const std::string& address) {
    for (size_t j = 0; j < m_.css.size(); ++j) {
      auto& c = m_.css[j];
      if (c.address != address) continue;
      if (!c.alive) break;
      auto link = make_link(m_.css[i].name, inc, c.name, c.incarnation, caf::actor_cast<caf::actor>(nodes_[j].actor));
      return caf::actor_cast<cs_api>(link);
    }
    return caf::make_error(caf::sec::cannot_connect_to_node, "no CS at " + address);
  }
  void start_cs(size_t i) {
    auto& c = m_.css[i];
    auto& n = nodes_[i];
    c.exists = true;
    c.alive = true;
    c.hung = false;
    int inc = ++c.incarnation;
    if (mdses_->several())
      n.locator = mdses_->spawn_locator(
          c.name, inc, [this, i] { return caf::actor_cast<caf::actor>(nodes_[i].actor); },
          [this, i, inc](const std::string& type, const caf::message& ans) { on_mds_answer(i, inc, type, ans); });
    else
      n.locator = sys_.spawn([this, i, inc](mds_locator_api::pointer) -> mds_locator_api::behavior_type {
        return {[this, i, inc](locate_mds_atom) -> caf::result<mds_api> { return locate(i, inc); },
                [](learn_mds_atom, const std::string&) {}};
      });
    n.directory = sys_.spawn([this, i, inc](cs_directory_api::pointer) -> cs_directory_api::behavior_type {
      return {[this, i, inc](connect_atom, const std::string& addr) -> caf::result<cs_api> { return connect_cs(i, inc, addr); }};
    });
    cs_identity who{"host-" + std::to_string(host_of(i)), "hostid-" + std::to_string(host_of(i)), ""};
    auto deps = make_cs_deps(
        n.disk, ident_, who, t_, n.locator, n.directory,
        [this, i, inc](uint32_t id) { on_registered(i, inc, id); },
        [this, i, inc](const std::string& why) { on_fatal(i, inc, why); }, clock_rate_for(c.name));
    n.actor = spawn_cs(sys_, deps);
    caf::anon_send(n.actor, start_atom::value, c.address);
    note(c.name + " started (incarnation " + std::to_string(inc) + ")");
  }
  void on_registered(size_t i, int inc, uint32_t id) {
    auto& c = m_.css[i];
    if (c.incarnation != inc) return;
    note(c.name + " registered as CS#" + std::to_string(id));
    c.id = id;
    if (id < 1025) m_.raised.push_back({"cs-id-range", c.name + " got CS id " + std::to_string(id)});
    auto owner = m_.id_owner.find(id);
    if (owner != m_.id_owner.end() && owner->second != c.uuid)
      m_.raised.push_back({"cs-id-unique", "CS#" + std::to_string(id) + " handed to repository " + c.uuid + " (" + c.name +
                                               ") but it already belongs to repository " + owner->second});
    auto had = m_.id_of_uuid.find(c.uuid);
    if (had != m_.id_of_uuid.end() && had->second != id)
      m_.raised.push_back({"cs-id-stable", c.name + " (repository " + c.uuid + ") was CS#" + std::to_string(had->second) +
                                               " and now registered as CS#" + std::to_string(id)});
    m_.id_owner.emplace(id, c.uuid);
    m_.id_of_uuid.emplace(c.uuid, id);
  }
  void on_fatal(size_t i, int inc, const std::string& why) {
    auto& c = m_.css[i];
    if (c.incarnation != inc) return;
    note(c.name + " stops itself: " + why);
    c.alive = false;
    c.fatal = true;
    c.fatal_why = why;
    close_links(c.name, inc, true);
  }
  void crash_cs(size_t i, const std::string& why) {
    auto& c = m_.css[i];
    auto& n = nodes_[i];
    hung_.erase(caf::actor_cast<caf::abstract_actor*>(n.actor));
    c.hung = false;
    c.alive = false;
    c.died_at_ms = now_ms();
    n.disk.storage->crash();
    kill_now(n.actor);
    kill_now(n.locator);
    kill_now(n.directory);
    close_links(c.name, c.incarnation, false);
    note("fault " + why + ": " + c.name + " (CS#" + std::to_string(c.id) + ") killed, unsynced writes lost");
    schedule(rng_.between(sc_.fault_len_min_ms, sc_.fault_len_max_ms), c.name + " restarts", true, [this, i] { restart_cs(i); });
  }
  void restart_cs(size_t i) {
    auto& c = m_.css[i];
    if (c.alive || c.fatal || (rm_id_ && i == rm_index_ && rm_done_)) return;
    if (PSTORAGE_SIM_BUG(cs_version_not_durable)) {
      // the last set-version of each bumped replica was never on disk
      auto& storage = nodes_[i].disk.storage;
      if (auto l = storage->list())
        for (auto& ci : l.value)
          if (ci.version > 1 && storage->set_version(ci.id, ci.version - 1)) count("bug.cs_version_not_durable.rolled-back");
    }
    if (PSTORAGE_SIM_BUG(cs_repo_not_durable)) {
      auto storage = nodes_[i].disk.storage;
      // the whole repository is lost, uuid included: the MDS cannot recognise it
      nodes_[i].disk = make_cs_disk(ident_, c.uuid + "-lost");
      nodes_[i].disk.storage = storage;
      count("bug.cs_repo_not_durable.fresh_repo");
    }
    for (auto& z : zombies_) kill_now(z);  // the new process opens new connections
    zombies_.clear();
    start_cs(i);
  }
  void hang_cs(size_t i, const std::string& kind, int64_t len) {
    auto& c = m_.css[i];
    auto& n = nodes_[i];
    c.hung = true;
    hung_.insert(caf::actor_cast<caf::abstract_actor*>(n.actor));
    note("fault " + kind + ": " + c.name + " stops running for " + std::to_string(len) + " ms");
    int inc = c.incarnation;
    schedule(len, c.name + " resumes", true, [this, i, inc] {
      auto& c = m_.css[i];
      if (c.incarnation != inc || !c.hung) return;
      hung_.erase(caf::actor_cast<caf::abstract_actor*>(nodes_[i].actor));
      c.hung = false;
      note(c.name + " resumes");
    });
  }

  // ---- clients ----
  caf::actor client_link(size_t k, const std::string& to, int to_inc, caf::actor target, answer_fn on_answer = nullptr) {
    auto key = "client" + std::to_string(k + 1) + "->" + to + "#" + std::to_string(to_inc);
    auto it = client_links_.find(key);
    if (it != client_links_.end()) return it->second;
    auto l = make_link("client" + std::to_string(k + 1), 1, to, to_inc, std::move(target), std::move(on_answer));
    client_links_[key] = l;
    return l;
  }
  msg::client_to_mds_stat stat_request() {
    return wire::make<p::ClientToMdsStat>([&](auto b) {
      auto c = b.initCredentials();
      c.setCluster(ident_.cluster);
      c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(ident_.auth.digest.data()), ident_.auth.digest.size()));
    });
  }
  void check_stat(const std::string& who, msg::mds_to_client_stat& r, bool final) {
    auto a = wire::decode(r);
    if (!a) return m_.stat_problems.push_back(who + ": undecodable stat answer: " + a.error);
    if (a->getStatus().getCode() != p::STATUS_OK) {
      count("client.stat.refused");
      return;
    }
    std::set<uint32_t> seen;
    std::vector<stat_cs> list;
    std::string ids;
    for (auto cs : a->getCss()) {
      auto id = cs.getId();
      if (!seen.insert(id).second) m_.stat_problems.push_back(who + ": stat lists CS#" + std::to_string(id) + " twice");
      if (id < 1025) m_.stat_problems.push_back(who + ": stat lists CS#" + std::to_string(id) + " (ids start at 1025)");
      const char* st = "?";
      switch (cs.getStatus()) {
        case p::CsStatus::ACTIVE: st = "active"; break;
        case p::CsStatus::INACTIVE: st = "inactive"; break;
        case p::CsStatus::OFFLINE: st = "offline"; break;
        case p::CsStatus::DROPPED: st = "dropped"; break;
      }
      list.push_back({id, st, cs.getAddress().cStr()});
      ids += " " + std::to_string(id) + ":" + st;
    }
    note(who + " stat:" + ids);
    if (final) {
      m_.final_stat = list;
      m_.final_cluster_status = a->getClusterStatus().cStr();
      note("final cluster status: " + m_.final_cluster_status);
    }
  }
  void client_act(caf::event_based_actor* self, size_t k) {
    auto who = "client" + std::to_string(k + 1);
    auto choice = rng_.below(10);
    if (choice < 6) {
      auto link = mdses_->client_mds(k);
      if (!link) return count("client.stat.mds-down");
      auto mds = caf::actor_cast<mds_api>(link);
      count("client.stat");
      self->request(mds, std::chrono::milliseconds(request_timeout_ms), stat_request())
          .then([this, who](msg::mds_to_client_stat& r) { check_stat(who, r, false); },
                [this](caf::error&) { count("client.stat.failed"); });
      return;
    }
    std::vector<size_t> live;
    for (size_t j = 0; j < m_.css.size(); ++j)
      if (m_.css[j].alive) live.push_back(j);
    if (live.empty()) return;
    auto j = live[rng_.below(live.size())];
    auto& c = m_.css[j];
    auto target = caf::actor_cast<caf::actor>(nodes_[j].actor);
    if (PSTORAGE_SIM_BUG(client_link_address_reused) && c.incarnation > 1)
      for (auto o : live)  // the restarted CS's old address now belongs to another live CS
        if (o != j) {
          target = caf::actor_cast<caf::actor>(nodes_[o].actor);
          count("bug.client_link_address_reused.misrouted");
          break;
        }
    auto cs = caf::actor_cast<cs_api>(client_link(k, c.name, c.incarnation, target));
    uint64_t nonce = rng_.next();
    int inc = c.incarnation;
    count("client.ping");
    self->request(cs, std::chrono::milliseconds(request_timeout_ms), wire::make<p::ClientToCsPing>([&](auto b) { b.setNonce(nonce); }))
        .then(
            [this, j, inc, nonce, who](msg::cs_to_client_ping& r) {
              auto a = wire::decode(r);
              auto& c = m_.css[j];
              if (!a || a->getNonce() != nonce) {
                m_.ping_problems.push_back(who + ": " + c.name + " answered a ping with another nonce");
                return;
              }
              auto id = a->getCsId();
              if (c.incarnation == inc && id != 0 && c.id != 0 && id != c.id)
                m_.ping_problems.push_back(who + ": " + c.name + " is CS#" + std::to_string(c.id) + " but answered as CS#" +
                                           std::to_string(id));
            },
            [this](caf::error&) { count("client.ping.failed"); });
  }
  // ---- metadata churn (meta_client.hpp) ----
  // Meta clients are client<clients+1>.. (after the stat/ping or data clients).
  void start_meta_clients() {
    menv_.m = &m_;
    menv_.r = &rng_;
    menv_.models = &ns_;
    menv_.note = [this](const std::string& t) { note(t); };
    menv_.count = [this](const std::string& c) { count(c); };
    menv_.mds = [this](size_t k) -> caf::actor { return mdses_->client_mds(k); };
    menv_.mds_incarnation = [this](size_t k) { return mdses_->client_incarnation(k); };
    menv_.incarnation_alive = [this](int gid) { return mdses_->incarnation_alive(gid); };
    menv_.now_ms = [this] { return now_ms(); };
    menv_.stopping = [this] { return m_.faults_over; };
    menv_.cluster = ident_.cluster;
    menv_.digest = ident_.auth.digest;
    for (int j = 0; j < sc_.meta_clients; ++j) {
      ns_.push_back(ns_model{});
      ns_.back().root = "/m" + std::to_string(j + 1);
    }
    for (int j = 0; j < sc_.meta_clients; ++j)
      clients_.push_back(spawn_meta_client(sys_, &menv_, static_cast<size_t>(sc_.clients + j), static_cast<size_t>(j)));
  }
  // namespace-acked-visible, final: the MDS's store against every model.
  void meta_final_check() {
    auto md = mdses_->master_md();
    if (!md) return;
    for (auto& ns : ns_) {
      if (auto v = check_namespace_final(ns, *md)) return m_.raised.push_back({v->invariant, v->detail});
      note(ns.root + ": " + std::to_string(ns.entries.size()) + " entries match the store (" + std::to_string(ns.acked) +
           " acked, " + std::to_string(ns.refused_as_predicted) + " refused as due, " + std::to_string(ns.decided_applied) +
           "/" + std::to_string(ns.decided_not_applied) + " uncertain applied/not)");
      count("meta.final.namespace-matches");
    }
  }
  // ---- operator actions (ops_client.hpp) ----
  // The operator is client<clients+meta_clients+1>.
  int ops_clients() const { return sc_.repl_changes || sc_.rm_cs ? 1 : 0; }
  size_t ops_client() const { return static_cast<size_t>(sc_.clients + sc_.meta_clients); }
  void start_ops() {
    oenv_.note = [this](const std::string& t) { note(t); };
    oenv_.count = [this](const std::string& c) { count(c); };
    oenv_.mds = [this](size_t k) -> caf::actor { return mdses_->client_mds(k); };
    oenv_.cluster = ident_.cluster;
    oenv_.digest = ident_.auth.digest;
    if (sc_.repl_changes) schedule_repl_change();
    if (sc_.rm_cs)
      schedule(rng_.between(5000, std::max<int64_t>(6000, sc_.fault_phase_ms - 15000)), "rm-cs", false, [this] { start_rm_cs(); });
  }
  // set-attr replicas=N:2 (N = 2 or 3) on a data file every 2..6 s of the
  // fault phase; replicas-restored then judges each chunk by its file's
  // NORM at the end (md_store::all_chunks joins the current attributes).
  void schedule_repl_change() {
    schedule(rng_.between(2000, 6000), "set-attr", false, [this] {
      if (m_.faults_over || dm_.files.empty()) return;
      auto& f = dm_.files[rng_.below(dm_.files.size())];
      auto norm = 2 + rng_.below(2);
      count("ops.set-attr.replicas=" + std::to_string(norm));
      clients_.push_back(spawn_set_repl(sys_, &oenv_, ops_client(), f.path, "replicas=" + std::to_string(norm) + ":2"));
      schedule_repl_change();
    });
  }
  // rm-cs of one registered CS, chosen at random, during the fault phase.
  void start_rm_cs() {
    std::vector<size_t> known;
    for (size_t i = 0; i < m_.css.size(); ++i)
      if (m_.css[i].exists && m_.css[i].id) known.push_back(i);
    if (known.empty()) return count("ops.rm-cs.no-target");
    rm_index_ = known[rng_.below(known.size())];
    rm_id_ = m_.css[rm_index_].id;
    count("ops.rm-cs");
    clients_.push_back(spawn_rm_cs(sys_, &oenv_, ops_client(), rm_id_));
  }
  // The MDS dropped the CS being removed: the operator stops its service
  // (a dropped CS is refused by the MDS); it never comes back.
  void remove_cs() {
    if (rm_done_) return;
    rm_done_ = true;
    auto& c = m_.css[rm_index_];
    auto& n = nodes_[rm_index_];
    hung_.erase(caf::actor_cast<caf::abstract_actor*>(n.actor));
    if (c.alive) {
      kill_now(n.actor);
      kill_now(n.locator);
      kill_now(n.directory);
      close_links(c.name, c.incarnation, false);
    }
    c.alive = false;
    c.hung = false;
    c.exists = false;
    note("rm-cs: " + c.name + " (CS#" + std::to_string(rm_id_) + ") is dropped; its service is stopped for good");
  }
  // rm-cs-evacuated: the removed CS was dropped before the end and no chunk
  // lists it (its data lives elsewhere: the data invariants read it).
  void rm_cs_final_check() {
    if (!rm_id_) return;
    auto md = mdses_->master_md();
    if (!rm_done_)
      return m_.raised.push_back({"rm-cs-evacuated", "CS#" + std::to_string(rm_id_) +
                                                         " (rm-cs) is not dropped after the settle phase; it still holds " +
                                                         std::to_string(md ? md->chunks_on(rm_id_).size() : 0) + " replica(s)"});
    if (md)
      for (auto chunk : md->chunks_on(rm_id_))
        return m_.raised.push_back({"rm-cs-evacuated", "chunk " + std::to_string(chunk) + " still lists CS#" +
                                                           std::to_string(rm_id_) + ", dropped by rm-cs"});
    count("ops.rm-cs.evacuated");
  }
  // ---- HA agents (ha_agents.hpp) ----
  // The HA operator is client<clients+meta_clients+ops+1>, agent j (node
  // n<j+1>) the client after it.
  int ha_clients() const { return sc_.ha_agents ? sc_.ha_agents + 1 : 0; }
  size_t ha_client(int j) const { return static_cast<size_t>(sc_.clients + sc_.meta_clients + ops_clients() + 1 + j); }
  std::string ha_node(size_t j) const { return "n" + std::to_string(j + 1); }
  void start_ha() {
    henv_.note = [this](const std::string& t) { note(t); };
    henv_.count = [this](const std::string& c) { count(c); };
    henv_.raise = [this](const std::string& inv, const std::string& d) { m_.raised.push_back({inv, d}); };
    henv_.mds = [this](size_t k) -> caf::actor { return mdses_->client_mds(k); };
    henv_.now_ms = [this] { return now_ms(); };
    henv_.between = [this](int64_t lo, int64_t hi) { return rng_.between(lo, hi); };
    henv_.stopping = [this] { return m_.faults_over; };
    henv_.cluster = ident_.cluster;
    henv_.digest = ident_.auth.digest;
    std::vector<std::string> nodes;
    for (int j = 0; j < sc_.ha_agents; ++j) nodes.push_back(ha_node(static_cast<size_t>(j)));
    std::vector<std::pair<std::string, std::string>> res;
    for (int r = 0; r < sc_.ha_resources; ++r)  // the last one: policy backup, on n1
      res.push_back({"r" + std::to_string(r + 1), r + 1 == sc_.ha_resources && r > 0 ? ha_node(0) : ""});
    clients_.push_back(spawn_ha_setup(sys_, &henv_, ha_client(-1), nodes, res, sc_.ha_relocations));
    ha_agents_.assign(static_cast<size_t>(sc_.ha_agents), caf::actor{});
    for (size_t j = 0; j < ha_agents_.size(); ++j) start_ha_agent(j);
    clients_.push_back(spawn_ha_monitor(sys_, &henv_, sc_.ha_bound_ms));
  }
  void start_ha_agent(size_t j) {
    const double rate = sc_.ha_agent_rate > 0 ? sc_.ha_agent_rate : clock_rate_for(ha_node(j));
    ha_agents_[j] = spawn_ha_agent(sys_, &henv_, ha_client(static_cast<int>(j)), ha_node(j), rate);
    clients_.push_back(ha_agents_[j]);
  }
  // ha-agent-crash: kill -9 of an agent (its guard kills its resources),
  // restarted after `len`; ha-agent-partition: an agent cut off from every
  // other node for `len`.
  void ha_fault(const std::string& kind, int64_t len) {
    std::vector<size_t> up;
    for (size_t j = 0; j < ha_agents_.size(); ++j)
      if (ha_agents_[j]) up.push_back(j);
    if (up.empty()) return count("fault." + kind + ".skipped");
    const size_t j = up[rng_.below(up.size())];
    count("fault." + kind);
    if (kind == "ha-agent-crash") {
      note("fault ha-agent-crash: " + ha_node(j) + "'s agent is killed for " + std::to_string(len) + " ms");
      kill_now(ha_agents_[j]);
      ha_agents_[j] = caf::actor{};
      ha_agent_killed(&henv_, ha_node(j));
      schedule(len, ha_node(j) + "'s agent restarts", true, [this, j] { start_ha_agent(j); });
      return;
    }
    const std::string who = "client" + std::to_string(ha_client(static_cast<int>(j)) + 1);
    note("fault ha-agent-partition for " + std::to_string(len) + " ms: " + ha_node(j) + " (" + who + ") | rest");
    net_.partition({who});
    schedule(len, "partition heals", true, [this] {
      net_.heal_partition();
      note("partition heals");
    });
  }
  // ha-all-running: after settling every resource runs on exactly one node.
  void ha_final_check() {
    auto why = henv_.truth.not_running_once();
    if (!why.empty()) return m_.raised.push_back({"ha-all-running", why});
    for (auto& [r, longest] : henv_.truth.longest_down_ms) note("ha: " + r + " ran nowhere for at most " + std::to_string(longest) + " ms");
    count("ha.final.all-running");
  }
  // ---- data workload (data_client.hpp) ----
  void start_data_clients() {
    dm_.chunk_size = sim_chunk_size;
    dm_.blocks_per_file = 2 * std::min<uint64_t>(16, sim_chunk_size / data_block);
    denv_.dm = &dm_;
    denv_.m = &m_;
    denv_.r = &rng_;
    denv_.note = [this](const std::string& t) { note(t); };
    denv_.count = [this](const std::string& c) { count(c); };
    denv_.mds = [this](size_t k) -> caf::actor { return mdses_->client_mds(k); };
    denv_.cs = [this](size_t k, const std::string& addr) -> caf::actor {
      for (size_t j = 0; j < m_.css.size(); ++j) {
        auto& c = m_.css[j];
        if (c.address != addr) continue;
        if (!c.alive) return {};
        return client_link(k, c.name, c.incarnation, caf::actor_cast<caf::actor>(nodes_[j].actor));
      }
      return {};
    };
    denv_.stopping = [this] { return m_.faults_over; };
    denv_.domain_of = [this](uint32_t id) { return domain_of(id); };
    denv_.cluster = ident_.cluster;
    denv_.digest = ident_.auth.digest;
    for (int k = 0; k < sc_.data_writers; ++k) {
      file_history f;
      f.path = "/file" + std::to_string(k + 1);
      f.acked.assign(dm_.blocks_per_file, 0);
      f.issued.assign(dm_.blocks_per_file, {});
      dm_.files.push_back(f);
    }
    for (int k = 0; k < sc_.data_writers; ++k) clients_.push_back(spawn_writer(sys_, &denv_, static_cast<size_t>(k), static_cast<size_t>(k)));
    for (int k = 0; k < sc_.data_readers; ++k)
      clients_.push_back(spawn_reader(sys_, &denv_, static_cast<size_t>(sc_.data_writers + k)));
    schedule(1000, "data audit", false, [this] { data_audit(); });
  }
  // chunk-versions-monotone and replica-domains-distinct on the MDS's own
  // chunk map (its md_store) and the CSs' disks, once a virtual second.
  void data_audit() {
    if (auto md = mdses_->master_md()) {
      for (auto& cw : md->all_chunks()) {
        auto& c = cw.chunk;
        auto& seen = mds_versions_[c.id];
        if (c.version < seen)
          m_.raised.push_back({"chunk-versions-monotone", "the MDS's chunk " + std::to_string(c.id) + " went from v" +
                                                              std::to_string(seen) + " to v" + std::to_string(c.version)});
        seen = std::max<uint64_t>(seen, c.version);
        // Replicas at the chunk's version (stale ones are garbage to delete)
        // span at least min(count, NORM) failure domains. At or below NORM:
        // all distinct. Above NORM a pair may share a domain — a copy and the
        // replica it replaces between the copy's confirm and the drop in the
        // same hold (a rebalance move, an rm-cs release into the released
        // CS's own host: actors/mds/placement_domains.hpp rule 3), or a
        // repair's surplus pending trim — but never so many that the chunk
        // spans fewer than NORM domains.
        std::map<std::string, uint32_t> dom;
        std::string shared;
        uint32_t current = 0;
        for (auto& r : c.replicas) {
          if (r.version != c.version) continue;
          auto d = domain_of(r.cs);
          if (d.empty()) continue;
          ++current;
          auto [it, fresh] = dom.emplace(d, r.cs);
          if (!fresh && shared.empty())
            shared = "CS#" + std::to_string(it->second) + " and CS#" + std::to_string(r.cs) + ", both in failure domain " + d;
        }
        const uint32_t wanted = std::min<uint32_t>(current, cw.attrs.replicas_norm);
        if (!shared.empty() && dom.size() >= wanted) count("data.audit.domain-pair-above-norm");
        if (dom.size() < wanted)
          m_.raised.push_back({"replica-domains-distinct", "the MDS's chunk " + std::to_string(c.id) + " has " +
                                                               std::to_string(current) + " replicas (NORM " +
                                                               std::to_string(cw.attrs.replicas_norm) + ") in " +
                                                               std::to_string(dom.size()) + " failure domains: " + shared});
      }
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!m_.css[i].exists) continue;
      auto l = nodes_[i].disk.storage->list();
      if (!l) continue;
      for (auto& ci : l.value) {
        if (ci.version == 0) continue;  // a copy in progress
        auto& seen = cs_versions_[{i, ci.id}];
        if (ci.version < seen)
          m_.raised.push_back({"chunk-versions-monotone", m_.css[i].name + "'s replica of chunk " + std::to_string(ci.id) +
                                                              " went from v" + std::to_string(seen) + " to v" +
                                                              std::to_string(ci.version)});
        seen = std::max(seen, ci.version);
      }
    }
    count("data.audit");
    if (!done_) schedule(1000, "data audit", false, [this] { data_audit(); });
  }
  // acked-write-durable: every current replica of every chunk is read whole,
  // straight from the CS actors (no network), and compared with the history.
  // replicas-restored: once faults stopped and the cluster settled, every
  // chunk of every file has its normal count of replicas confirmed at the
  // chunk's version on live CSs (the MDS's own map, read straight from its
  // store: no network).
  // Bit rot injected during the fault phase stays latent until a read, a
  // copy or the scrubber finds it, and the scrubber verifies 2 chunks a
  // minute per CS (guide "Configuring Data Scrubbing"): damage may be found
  // in the last second of the settle phase, its copy not done yet
  // (`--seed 779 --scenario data-disk`, with the mount's replica-failed event
  // journaled: rot found by a scrub at 59.1 s, the copy started at 59.5 s,
  // checked at 60 s). A shortfall is therefore checked again every second
  // for up to restore_grace_s; the run's end waits for that (end_when_applied).
  static constexpr int restore_grace_s = 8;
  void data_final_replica_count(int retries_left = restore_grace_s) {
    auto md = mdses_->master_md();
    final_checks_pending_ = false;
    if (!md || !sc_.check_replicas_restored) return;
    for (auto& cw : md->all_chunks()) {
      if (cw.orphan) continue;
      uint32_t live = 0;
      for (auto& r : cw.chunk.replicas) {
        auto* c = m_.cs_by_id(r.cs);
        live += r.version == cw.chunk.version && c && c->alive && !c->hung;
      }
      if (live < cw.attrs.replicas_norm) {
        if (retries_left > 0) {
          count("data.final.replicas-restored.waits");
          final_checks_pending_ = true;
          schedule(1000, "replicas-restored again", false,
                   [this, retries_left] { data_final_replica_count(retries_left - 1); });
          return;
        }
        m_.raised.push_back({"replicas-restored", "chunk " + std::to_string(cw.chunk.id) + " v" +
                                                      std::to_string(cw.chunk.version) + " has " + std::to_string(live) +
                                                      " live replica(s) " + std::to_string(restore_grace_s) +
                                                      " s after settling, normal is " +
                                                      std::to_string(cw.attrs.replicas_norm) + ":" +
                                                      md_chunks_of(cw.chunk.ino)});
        return;
      }
    }
    count("data.final.replicas-restored");
  }
  // file-size-acked (several MDSs): every acknowledged setSize survived the
  // failovers, and no size came from nowhere.
  void data_final_sizes() {
    if (!mdses_->several()) return;
    auto md = mdses_->master_md();
    for (auto& f : dm_.files) {
      if (!f.ino) continue;
      auto a = md->getattr(f.ino);
      const uint64_t size = a ? a->size : 0;
      if (size < f.size_acked || size > f.size_sent)
        return m_.raised.push_back({"file-size-acked", f.path + " is " + std::to_string(size) +
                                                           " bytes in the master's md.db; acknowledged ends reach " +
                                                           std::to_string(f.size_acked) + ", ends sent " +
                                                           std::to_string(f.size_sent)});
    }
    count("data.final.file-size-acked");
  }
  void data_final_probe() {
    data_final_sizes();
    data_final_replica_count();
    data_final_rebalanced();
    note("final data read: every replica of every chunk");
    for (size_t fi = 0; fi < dm_.files.size(); ++fi) {
      if (!dm_.files[fi].ino) continue;
      auto mds = mdses_->master_api();
      auto ino = dm_.files[fi].ino;
      uint64_t bpc = std::min<uint64_t>(16, sim_chunk_size / data_block);
      uint64_t chunks = dm_.blocks_per_file / bpc;
      data_probes_.push_back(sys_.spawn([this, mds, ino, fi, chunks, bpc](caf::event_based_actor* self) {
        auto req = wire::make<p::ClientToMdsChunkMap>([&](auto b) {
          auto c = b.initCredentials();
          c.setCluster(ident_.cluster);
          c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(ident_.auth.digest.data()), ident_.auth.digest.size()));
          b.setClientId("final-probe");
          b.setIno(ino);
          b.setFirstIndex(0);
          b.setCount(static_cast<uint32_t>(chunks));
        });
        self->request(mds, std::chrono::milliseconds(request_timeout_ms), std::move(req))
            .then(
                [this, self, fi, chunks, bpc](msg::mds_to_client_chunk_map& r) {
                  auto a = wire::decode(r);
                  if (!a || a->getStatus().getCode() != p::STATUS_OK) {
                    m_.raised.push_back({"acked-write-durable", "the final chunk map request for " + dm_.files[fi].path + " failed: " +
                                                                    (a ? std::string(a->getStatus().getMessage().cStr()) : a.error) +
                                                                    "; the MDS's chunk map: " + md_chunks_of(dm_.files[fi].ino)});
                    return;
                  }
                  std::set<uint64_t> listed;
                  for (auto c : a->getChunks()) {
                    uint64_t index = c.getIndex();
                    listed.insert(index);
                    std::vector<uint32_t> ids;
                    for (auto rep : c.getReplicas()) ids.push_back(rep.getCsId());
                    check_final_chunk(self, fi, index, bpc, c.getChunkId(), c.getVersion(), ids);
                  }
                  for (uint64_t index = 0; index < chunks; ++index) {
                    if (listed.count(index)) continue;
                    for (uint64_t b = index * bpc; b < (index + 1) * bpc; ++b)
                      if (dm_.files[fi].acked[b]) {
                        m_.raised.push_back({"acked-write-durable", dm_.files[fi].path + " chunk " + std::to_string(index) +
                                                                        " is a hole in the final map, but write " +
                                                                        std::to_string(dm_.files[fi].acked[b]) +
                                                                        " was acknowledged in block " + std::to_string(b)});
                        break;
                      }
                  }
                },
                [this, fi](caf::error&) {
                  m_.raised.push_back({"acked-write-durable", "the MDS did not answer the final chunk map of " + dm_.files[fi].path});
                });
      }));
    }
  }
  // How many CSs other than css[except] hold a replica of `chunk` that the
  // MDS records and whose disk serves every acknowledged block of it intact
  // (read past injected faults). Chunks outside the data workload: SIZE_MAX.
  size_t sound_copies_elsewhere(uint64_t chunk, size_t except, size_t* recorded = nullptr) {
    auto md = mdses_->master_md();
    if (!md) return SIZE_MAX;
    auto c = md->chunk_by_id(chunk);
    if (!c) return SIZE_MAX;
    const file_history* f = nullptr;
    for (auto& fh : dm_.files)
      if (fh.ino && fh.ino == c->ino) f = &fh;
    if (!f) return SIZE_MAX;
    size_t n = 0;
    for (auto& r : c->replicas) {
      size_t j = m_.css.size();
      for (size_t x = 0; x < m_.css.size(); ++x)
        if (m_.css[x].exists && m_.css[x].id == r.cs) j = x;
      if (j == m_.css.size() || j == except) continue;
      if (recorded) ++*recorded;
      n += replica_intact(j, chunk, *f, c->index);
    }
    return n;
  }
  // Does css[j]'s disk serve every acknowledged block of `chunk` (chunk
  // `index` of file `f`) intact? Read past injected faults.
  bool replica_intact(size_t j, uint64_t chunk, const file_history& f, uint64_t index) {
    auto& disk = *nodes_[j].disk.storage;
    const uint64_t bpc = std::min<uint64_t>(16, sim_chunk_size / data_block);
    for (uint64_t b = index * bpc; b < (index + 1) * bpc && b < f.acked.size(); ++b) {
      if (!f.acked[b]) continue;
      auto data = disk.peek(chunk, (b - index * bpc) * data_block, data_block);
      if (!data || !dm_.check_block(f, b, data.value.data(), f.acked[b]).empty()) return false;
    }
    return true;
  }
  // Triage for acked-write-durable: which disks still hold every acknowledged
  // block of the chunk intact (recorded by the MDS or not). None: the faults
  // destroyed every copy; some: the system lost track of a good copy.
  std::string sound_disks(uint64_t chunk, size_t fi, uint64_t index) {
    std::string out;
    for (size_t j = 0; j < m_.css.size(); ++j)
      if (m_.css[j].exists && nodes_[j].disk.storage->peek(chunk, 0, 0) && replica_intact(j, chunk, dm_.files[fi], index))
        out += (out.empty() ? "" : ", ") + m_.css[j].name;
    return out.empty() ? " (no disk holds it intact)" : " (intact on the disk of " + out + ")";
  }
  // Does css[i]'s disk hold a data-workload chunk no other recorded replica
  // has sound?
  bool holds_last_sound_copy(size_t i) {
    auto l = nodes_[i].disk.storage->list();
    if (!l) return false;
    for (auto& ci : l.value)
      if (sound_copies_elsewhere(ci.id, i) == 0) return true;
    return false;
  }
  // Chunk -> CSs (index) whose replica got injected rot and was not replaced since.
  std::map<uint64_t, std::set<size_t>> rotted_;
  std::string md_chunks_of(uint64_t ino) {
    std::string out;
    auto md = mdses_->master_md();
    if (!md) return out;
    for (auto& cw : md->all_chunks()) {
      if (cw.chunk.ino != ino) continue;
      out += " [chunk " + std::to_string(cw.chunk.id) + " index " + std::to_string(cw.chunk.index) + " v" +
             std::to_string(cw.chunk.version) + ":";
      for (auto& r : cw.chunk.replicas) out += " CS#" + std::to_string(r.cs) + "@v" + std::to_string(r.version);
      out += "]";
    }
    return out;
  }
  void check_final_chunk(caf::event_based_actor* self, size_t fi, uint64_t index, uint64_t bpc, uint64_t chunk,
                         uint64_t version, const std::vector<uint32_t>& ids) {
    auto good = std::make_shared<size_t>(0);
    auto left = std::make_shared<size_t>(ids.size());
    bool has_acked = false;
    for (uint64_t b = index * bpc; b < (index + 1) * bpc; ++b) has_acked |= dm_.files[fi].acked[b] != 0;
    auto where = dm_.files[fi].path + " chunk " + std::to_string(index) + " (id " + std::to_string(chunk) + " v" +
                 std::to_string(version) + ")";
    if (ids.empty() && has_acked) m_.raised.push_back({"acked-write-durable", where + " has no replica left"});
    for (auto id : ids) {
      size_t j = m_.css.size();
      for (size_t i = 0; i < m_.css.size(); ++i)
        if (m_.css[i].exists && m_.css[i].alive && m_.css[i].id == id) j = i;
      auto done = [this, good, left, has_acked, where, chunk_id = chunk, fi, index]() {
        if (--*left == 0 && *good == 0 && has_acked)
          m_.raised.push_back({"acked-write-durable", where + ": no replica serves the acknowledged data" +
                                                          sound_disks(chunk_id, fi, index)});
      };
      if (j == m_.css.size()) {
        count("data.final.replica-on-dead-cs");
        done();
        continue;
      }
      // Block by block: a replica serves the chunk when every acknowledged
      // block reads back intact. A page no acknowledged write covers may be
      // unreadable (rot there, or carried over marked bad by a copy: docs/
      // chunk-versions.md, "A bad page in a copy") without losing data; what
      // it does return must still be a write issued for that block.
      auto blocks_left = std::make_shared<uint64_t>(bpc);
      auto serves = std::make_shared<bool>(true);
      auto judged = [this, good, done, blocks_left, serves]() {
        if (--*blocks_left > 0) return;
        if (*serves) {
          ++*good;
          count("data.final.replica-verified");
        }
        done();
      };
      for (uint64_t b = 0; b < bpc; ++b) {
        auto req = wire::make<p::ClientToCsRead>([&](auto rq) {
          rq.setChunkId(chunk);
          rq.setVersion(version);
          rq.setOffset(b * data_block);
          rq.setLength(static_cast<uint32_t>(data_block));
        });
        const uint64_t block = index * bpc + b;
        self->request(nodes_[j].actor, std::chrono::milliseconds(request_timeout_ms), std::move(req))
            .then(
                [this, fi, block, id, where, serves, judged](msg::cs_to_client_read& r) {
                  auto& f = dm_.files[fi];
                  auto a = wire::decode(r);
                  if (!a || a->getStatus().getCode() != p::STATUS_OK || r.payload.size() != data_block) {
                    if (a && a->getStatus().getCode() == p::STATUS_CHECKSUM && !f.acked[block]) {
                      count("data.final.unacked-page-unreadable");
                    } else {
                      if (*serves) count("data.final.replica-unreadable");
                      *serves = false;
                    }
                    return judged();
                  }
                  auto why = dm_.check_block(f, block, r.payload.data(), f.acked[block]);
                  if (!why.empty() && *serves) {
                    m_.raised.push_back({"acked-write-durable", "replica on CS#" + std::to_string(id) + " of " + where + ": " + why});
                    *serves = false;
                  }
                  judged();
                },
                [this, serves, judged](caf::error&) {
                  if (*serves) count("data.final.replica-unreadable");
                  *serves = false;
                  judged();
                });
      }
    }
  }

  void start_clients() {
    if (sc_.meta_clients) start_meta_clients();
    if (sc_.ha_agents) start_ha();
    if (sc_.repl_changes || sc_.rm_cs) start_ops();
    if (sc_.data_workload) return start_data_clients();
    for (int k = 0; k < sc_.clients; ++k) {
      auto first = rng_.between(100, 2000);
      clients_.push_back(sys_.spawn([this, k, first](caf::event_based_actor* self) -> caf::behavior {
        self->delayed_send(self, std::chrono::milliseconds(first), tick_atom::value);
        return {[this, self, k](tick_atom) {
          client_act(self, static_cast<size_t>(k));
          self->delayed_send(self, std::chrono::milliseconds(rng_.between(300, 3000)), tick_atom::value);
        }};
      }));
    }
  }

  // ---- faults ----
  std::vector<std::string> node_names() {
    std::vector<std::string> v;
    for (size_t i = 0; i < mdses_->size(); ++i) v.push_back(mdses_->name(i));
    for (auto& c : m_.css)
      if (c.exists) v.push_back(c.name);
    for (int k = 0; k < sc_.clients + sc_.meta_clients + ops_clients() + ha_clients(); ++k)
      v.push_back("client" + std::to_string(k + 1));
    return v;
  }
  std::vector<size_t> css_where(bool want_alive) {
    std::vector<size_t> v;
    for (size_t i = 0; i < m_.css.size(); ++i)
      if (m_.css[i].exists && (!want_alive || (m_.css[i].alive && !m_.css[i].hung))) v.push_back(i);
    return v;
  }
  void inject_fault() {
    int total = 0;
    for (auto& [k, w] : sc_.fault_weights) total += w;
    if (total == 0) return;
    auto pick = static_cast<int>(rng_.below(static_cast<uint64_t>(total)));
    std::string kind;
    for (auto& [k, w] : sc_.fault_weights) {
      if (pick < w) {
        kind = k;
        break;
      }
      pick -= w;
    }
    auto len = rng_.between(sc_.fault_len_min_ms, sc_.fault_len_max_ms);
    auto live = css_where(true);
    auto any = css_where(false);
    if (kind == "cs-crash") {
      if (live.empty()) return count("fault.cs-crash.skipped");
      count("fault.cs-crash");
      crash_cs(live[rng_.below(live.size())], "cs-crash");
    } else if (kind == "cs-hang" || kind == "slow-disk") {
      if (live.empty()) return count("fault." + kind + ".skipped");
      count("fault." + kind);
      if (kind == "slow-disk") len = rng_.between(50, 2000);
      hang_cs(live[rng_.below(live.size())], kind, len);
    } else if (kind == "mds-hang") {
      hang_mds();
    } else if (kind == "mds-restart") {
      crash_mds();
    } else if (kind == "mds-power-loss") {
      crash_mds(true);
    } else if (kind == "mds-slow-disk") {
      slow_mds_disk();
    } else if (kind == "isolate-master") {
      isolate_master(len);
    } else if (kind == "partition") {
      auto names = node_names();
      std::set<std::string> side;
      for (auto& n : names)
        if (rng_.below(2)) side.insert(n);
      if (side.empty() || side.size() == names.size()) return count("fault.partition.skipped");
      count("fault.partition");
      std::string s;
      for (auto& n : side) s += " " + n;
      note("fault partition for " + std::to_string(len) + " ms: {" + s + " } | rest");
      net_.partition(side);
      schedule(len, "partition heals", true, [this] {
        net_.heal_partition();
        note("partition heals");
      });
    } else if (kind == "one-way-loss" || kind == "clog") {
      auto names = node_names();
      auto a = names[rng_.below(names.size())];
      auto b = names[rng_.below(names.size())];
      if (a == b) return count("fault." + kind + ".skipped");
      count("fault." + kind);
      if (kind == "one-way-loss") {
        note("fault one-way-loss for " + std::to_string(len) + " ms: " + a + " -> " + b + " loses everything");
        net_.one_way(a, b);
        schedule(len, "one-way loss heals", true, [this, a, b] {
          net_.heal_one_way(a, b);
          note("one-way loss " + a + " -> " + b + " heals");
        });
      } else {
        auto extra = rng_.between(100, 3000);
        note("fault clog for " + std::to_string(len) + " ms: " + a + " -> " + b + " +" + std::to_string(extra) + " ms");
        net_.clog(a, b, extra);
        schedule(len, "clog heals", true, [this, a, b] {
          net_.unclog(a, b);
          note("clog " + a + " -> " + b + " heals");
        });
      }
    } else if (kind == "disk-io-error" || kind == "disk-full" || kind == "bit-rot") {
      if (any.empty()) return count("fault." + kind + ".skipped");
      // Faults stay within what replication can survive: a failing disk is
      // never the one holding the last sound copy of acknowledged data (the
      // system must not lose data it still has; it cannot keep data no disk
      // has). Another CS's disk, or none.
      const size_t from = rng_.below(any.size());
      size_t at = any.size();
      for (size_t k = 0; k < any.size() && at == any.size(); ++k)
        if (!sc_.spare_last_sound_copy || !holds_last_sound_copy(any[(from + k) % any.size()]))
          at = (from + k) % any.size();
      if (at == any.size()) return count("fault." + kind + ".last-sound-copy-spared");
      auto i = any[at];
      auto& st = *nodes_[i].disk.storage;
      auto& c = m_.css[i];
      if (kind == "disk-io-error") {
        auto n = static_cast<uint32_t>(rng_.between(1, 3));
        st.fail_next(n);
        note("fault disk-io-error: the next " + std::to_string(n) + " disk calls of " + c.name + " fail");
        count("fault.disk-io-error");
      } else if (kind == "disk-full") {
        st.set_full(true);
        note("fault disk-full: " + c.name + "'s disk is full for " + std::to_string(len) + " ms");
        count("fault.disk-full");
        schedule(len, c.name + " disk freed", true, [this, i] { nodes_[i].disk.storage->set_full(false); });
      } else {
        auto chunks = st.list();
        std::vector<persistence::chunk_info> held;
        if (chunks)
          for (auto& ci : chunks.value)
            if (ci.length > 0) held.push_back(ci);
        if (held.empty()) return count("fault.bit-rot.no-chunk-held");
        // Faults stay within what replication can survive: silent rot hits a
        // replica only while every other recorded replica is sound and at
        // least two are (one rotten replica per chunk at a time, and one more
        // fault of any kind still leaves a sound copy); else another chunk of
        // this CS, or none. Rot on two replicas at once is survivable only by
        // merging their good pages, which repair does not do yet
        // (docs/simulator.md, "Fault model").
        const size_t first = rng_.below(held.size());
        size_t pick = held.size();
        // Nor while another replica of the chunk still carries an earlier
        // rot (until that replica is replaced): rot is rare next to repair.
        auto other_rot = [&](uint64_t chunk) {
          auto& on = rotted_[chunk];
          for (auto it = on.begin(); it != on.end();)
            it = nodes_[*it].disk.storage->peek(chunk, 0, 0) ? std::next(it) : on.erase(it);
          return std::any_of(on.begin(), on.end(), [&](size_t j) { return j != i; });
        };
        for (size_t k = 0; k < held.size() && pick == held.size(); ++k) {
          size_t recorded = 0;
          const uint64_t id = held[(first + k) % held.size()].id;
          const size_t sound = sound_copies_elsewhere(id, i, &recorded);
          if (!sc_.spare_last_sound_copy || (sound >= 2 && sound >= recorded && !other_rot(id)))
            pick = (first + k) % held.size();
        }
        if (pick == held.size()) return count("fault.bit-rot.last-sound-copy-spared");
        auto& ci = held[pick];
        rotted_[ci.id].insert(i);
        auto off = rng_.below(ci.length);
        auto bit = static_cast<unsigned>(rng_.below(8));
        st.flip_bit(ci.id, off, bit);
        note("fault bit-rot: " + c.name + " chunk " + std::to_string(ci.id) + " offset " + std::to_string(off));
        count("fault.bit-rot");
      }
    } else if (kind == "ha-agent-crash" || kind == "ha-agent-partition") {
      ha_fault(kind, len);
    } else if (kind == "cs-add") {
      for (size_t i = 0; i < m_.css.size(); ++i)
        if (!m_.css[i].exists) {
          count("fault.cs-add");
          note("workload: " + m_.css[i].name + " joins");
          start_cs(i);
          return;
        }
      count("fault.cs-add.skipped");
    }
  }
  void schedule_next_fault() {
    schedule(rng_.between(sc_.fault_gap_min_ms, sc_.fault_gap_max_ms), "fault", false, [this] {
      if (m_.faults_over) return;
      inject_fault();
      schedule_next_fault();
    });
  }
  void stop_faults() {
    note("faults stop: everything is healed, restarted and resumed; the network drops nothing now");
    m_.faults_over = true;
    // Run every pending end-of-fault now, in agenda order.
    std::vector<std::function<void()>> undo;
    for (auto it = agenda_.begin(); it != agenda_.end();) {
      if (it->second.undo) {
        undo.push_back(std::move(it->second.fn));
        it = agenda_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& f : undo) f();
    net_.heal();
    net_.calm(true);
    for (size_t i = 0; i < mdses_->size(); ++i) {
      if (!mdses_->alive(i)) start_mds(i);
      if (mdses_->hung(i)) mdses_->resume(i);
      if (mdses_->disk_blocked(i)) mdses_->block_disk(i, false);
    }
    for (size_t i = 0; i < m_.css.size(); ++i) {
      nodes_[i].disk.storage->set_full(false);
      if (m_.css[i].exists && !m_.css[i].alive && !m_.css[i].fatal) restart_cs(i);
    }
    if (sc_.join_when_faults_stop)
      for (size_t i = 0; i < m_.css.size(); ++i)
        if (!m_.css[i].exists) {
          note("workload: " + m_.css[i].name + " joins empty");
          count("workload.cs-join-empty");
          joined_empty_.push_back(i);
          start_cs(i);
        }
  }
  // CSs that joined empty when the faults stopped (data-rebalance).
  std::vector<size_t> joined_empty_;
  // rebalanced: after settling, a CS alone on its host is fuller than a CS
  // that joined empty by at most the threshold or two chunks, whichever is
  // more, unless the joined CS already holds every chunk it has
  // (rebalance_planner.hpp rule 5: a move needs a gap above the threshold
  // and must leave the target no fuller than the source, a whole chunk
  // counted each side; CSs sharing a host are left out: the failure-domain
  // rule may pin their replicas).
  void data_final_rebalanced() {
    if (!sc_.check_rebalanced || joined_empty_.empty()) return;
    int64_t threshold = 10;
    for (auto& [name, value] : sc_.mds_params)
      if (name == "mds.repl.rebalance_threshold") threshold = value;
    auto fill = [this](size_t i) {
      auto sp = nodes_[i].disk.storage->space();
      double total = static_cast<double>(sp.value.total_bytes);
      return total > 0 ? (total - static_cast<double>(sp.value.free_bytes)) / total : 0.0;
    };
    auto pct = [](double f) { return std::to_string(static_cast<int>(std::lround(f * 1000)) / 10.0).substr(0, 4) + "%"; };
    for (size_t j : joined_empty_) {
      if (!m_.css[j].alive) continue;
      std::set<uint64_t> held;
      if (auto l = nodes_[j].disk.storage->list()) for (auto& ci : l.value) held.insert(ci.id);
      const double one_chunk = static_cast<double>(sim_chunk_size) / static_cast<double>(sc_.cs_capacity_bytes);
      for (size_t s = 0; s < m_.css.size(); ++s) {
        if (s == j || !m_.css[s].exists || !m_.css[s].alive) continue;
        size_t on_host = 0;
        for (size_t k = 0; k < m_.css.size(); ++k) on_host += m_.css[k].exists && host_of(k) == host_of(s);
        if (on_host > 1) continue;
        bool movable = false;
        if (auto l = nodes_[s].disk.storage->list())
          for (auto& ci : l.value) movable |= !held.count(ci.id);
        const double gap = fill(s) - fill(j);
        if (movable && gap > std::max(static_cast<double>(threshold) / 100.0, 2 * one_chunk) + 1e-9) {
          m_.raised.push_back({"rebalanced", m_.css[s].name + " is " + pct(fill(s)) + " full, " + m_.css[j].name +
                                                 " (joined empty) " + pct(fill(j)) + ": the gap is above the " +
                                                 std::to_string(threshold) + " % threshold and two chunks"});
          return;
        }
      }
    }
    count("data.final.rebalanced");
  }
  void final_probe() {
    note("final stat request");
    if (!mdses_->master_api()) {
      if (mdses_->several()) m_.raised.push_back({"progress", "no MDS serves as master after the settle phase:" + mdses_->describe_journals()});
      return;
    }
    if (sc_.data_workload) data_final_probe();
    if (sc_.meta_clients) meta_final_check();
    if (sc_.rm_cs) rm_cs_final_check();
    if (sc_.ha_agents) ha_final_check();
    auto mds = mdses_->master_api();
    probe_ = sys_.spawn([this, mds](caf::event_based_actor* self) {
      self->request(mds, std::chrono::milliseconds(request_timeout_ms), stat_request())
          .then([this](msg::mds_to_client_stat& r) { check_stat("final probe", r, true); }, [](caf::error&) {});
    });
  }

  // The run ends once every MDS applied what the master did (several MDSs:
  // a follower learns the last commit index with the next heartbeat), or
  // after `tries` more half-seconds: md-converges then names the laggard.
  void end_when_applied(int tries) {
    if (tries <= 0 || (mdses_->applied_everywhere() && !final_checks_pending_)) {
      done_ = true;
      return;
    }
    count("end.waits-for-followers");
    schedule(500, "end", false, [this, tries] { end_when_applied(tries - 1); });
  }

  // ---- the loop ----
  bool runnable(caf::resumable* r) {
    return !hung_.count(dynamic_cast<caf::abstract_actor*>(r));
  }
  bool step_once() {
    idx_.clear();
    for (size_t k = 0; k < sched_.jobs.size(); ++k)
      if (runnable(sched_.jobs[k])) idx_.push_back(k);
    if (idx_.empty()) return false;
    auto k = idx_[rng_.below(idx_.size())];
    auto it = sched_.jobs.begin() + static_cast<std::ptrdiff_t>(k);
    std::rotate(sched_.jobs.begin(), it, it + 1);
    auto* a = dynamic_cast<caf::abstract_actor*>(sched_.jobs.front());
    tr_.step(++steps_, a ? a->id() : 0);
    sched_.run_once();
    mdses_->observe_step(a);
    return true;
  }
  bool check(bool instant_done = false) {
    if (result_.failed) return false;
    m_.now_ms = now_ms();
    mdses_->refresh_model();
    if (instant_done) mdses_->audit_journals();
    if (auto v = check_step(m_, instant_done)) {
      fail(*v);
      return false;
    }
    return true;
  }
  void fail(const violation& v) {
    result_.failed = v;
    result_.failed_at_ms = now_ms();
    note("VIOLATION " + v.invariant + ": " + v.detail);
  }
  void teardown() {
    for (auto& c : clients_) caf::anon_send_exit(c, caf::exit_reason::kill);
    if (probe_) caf::anon_send_exit(probe_, caf::exit_reason::kill);
    for (auto& a : data_probes_) caf::anon_send_exit(a, caf::exit_reason::kill);
    for (auto& l : links_) caf::anon_send_exit(l.a, caf::exit_reason::kill);
    for (auto& n : nodes_) {
      if (n.actor) caf::anon_send_exit(n.actor, caf::exit_reason::kill);
      if (n.locator) caf::anon_send_exit(n.locator, caf::exit_reason::kill);
      if (n.directory) caf::anon_send_exit(n.directory, caf::exit_reason::kill);
    }
    if (mdses_) mdses_->kill_all();
    tearing_down_ = true;
    for (int i = 0; i < 1000 && (sched_.has_job() || sched_.has_pending_timeout()); ++i) {
      sched_.run();
      sched_.trigger_timeouts();
    }
    sched_.run();
  }

  // Members are destroyed in reverse order: the actor system (declared last)
  // shuts down first, while the model its actors call back into still lives.
  run_options opts_;
  const scenario& sc_;
  rng rng_;
  rng skew_rng_{0};  // clock rates and wall-clock steps only (scenario::clock_skew_max)
  trace tr_;
  model m_;
  std::map<std::string, uint64_t> cov_;
  network net_;
  link_context lctx_;
  timing t_;
  identity ident_;
  uint64_t steps_ = 0;
  std::unique_ptr<mds_cluster> mdses_;
  std::vector<cs_node> nodes_;
  std::vector<caf::actor> clients_;
  std::vector<link_rec> links_;
  std::vector<caf::actor> zombies_;
  std::map<std::string, caf::actor> client_links_;
  std::set<const caf::abstract_actor*> hung_;
  std::multimap<int64_t, agenda_item> agenda_;
  std::vector<size_t> idx_;
  data_model dm_;
  data_env denv_;
  std::vector<caf::actor> data_probes_;
  std::vector<ns_model> ns_;
  meta_env menv_;
  ops_env oenv_;
  ha_env henv_;
  std::vector<caf::actor> ha_agents_;  // by agent index; null while crashed
  size_t rm_index_ = 0;
  uint32_t rm_id_ = 0;
  bool rm_done_ = false;
  std::map<uint64_t, uint64_t> mds_versions_;
  std::map<std::pair<size_t, uint64_t>, uint64_t> cs_versions_;
  bool tearing_down_ = false;
  bool final_checks_pending_ = false;  // replicas-restored checks again (data_final_replica_count)
  bool done_ = false;
  run_result result_;
  node_config cfg_{node_config::mode::testing};
  caf::actor_system sys_{cfg_};
  caf::scheduler::test_coordinator& sched_;
  clock_tp t0_;
  caf::actor probe_;
};

run_result harness::run() {
  result_.seed = opts_.seed;
  result_.scenario = sc_.name;
  if (!cs_has_storage_seam()) m_.notes.insert("disk faults hit the CS's memory storage, but cs_deps has no storage seam yet");
  note("seed " + std::to_string(opts_.seed) + ", scenario " + sc_.name);
  m_.expect_healthy = sc_.check_cluster_healthy;
  make_cluster();
  if (auto md = sc_.mds_params.empty() ? nullptr : mdses_->md(0))
    for (auto& [name, value] : sc_.mds_params)
      md->commit_local(mds::make_entry(md->last_index() + 1, 1, mds::cmd_set_param{name, value}));
  for (int i = 0; i < sc_.css_max; ++i) {
    cs_model c;
    c.name = "cs" + std::to_string(i + 1);
    c.address = "10.0.1." + std::to_string(i + 1) + ":4000";
    c.uuid = "repo-" + std::to_string(i + 1);
    m_.css.push_back(c);
    nodes_.push_back(cs_node{make_cs_disk(ident_, c.uuid), {}, {}, {}, {}});
    nodes_.back().disk.storage->set_capacity(sc_.cs_capacity_bytes);
  }
  for (size_t i = 0; i < mdses_->size(); ++i) start_mds(i);
  for (int i = 0; i < sc_.css_initial; ++i) start_cs(static_cast<size_t>(i));
  start_clients();
  schedule_next_fault();
  schedule(sc_.fault_phase_ms, "faults stop", false, [this] { stop_faults(); });
  schedule(sc_.fault_phase_ms + sc_.settle_ms, "final probe", false, [this] { final_probe(); });
  schedule(sc_.fault_phase_ms + sc_.settle_ms + 2000, "end", false, [this] { end_when_applied(20); });

  while (!done_ && !result_.failed) {
    // harness events due now
    while (!agenda_.empty() && agenda_.begin()->first <= now_ms() && !done_) {
      auto item = std::move(agenda_.begin()->second);
      agenda_.erase(agenda_.begin());
      item.fn();
      if (!check()) break;
    }
    if (done_ || result_.failed) break;
    if (steps_ >= opts_.max_steps) {
      fail({"progress", "more than " + std::to_string(opts_.max_steps) + " steps: the cluster livelocks"});
      break;
    }
    if (step_once()) {
      check();
      continue;
    }
    // Idle: this instant's work is done; judge timing rules, then advance
    // virtual time to the next timer or harness event.
    if (!check(true)) break;
    clock_tp next = clock_tp::max();
    if (sched_.has_pending_timeout()) next = sched_.clock().schedule().begin()->first;
    if (!agenda_.empty()) next = std::min(next, at(agenda_.begin()->first));
    if (next == clock_tp::max()) break;
    auto now = sched_.clock().now();
    sched_.advance_time(next > now ? next - now : caf::timespan{0});
    check();
  }
  if (!result_.failed) {
    m_.now_ms = now_ms();
    // The CS registry is journaled into md.db (md_command.hpp cmd_register_cs).
    for (auto& r : mdses_->master_md()->css())
      m_.store_records.push_back({r.id, r.repo_uuid});
    if (auto v = check_final(m_)) fail(*v);
    // md-converges: every MDS's md.db equals the master's (canonical_dump).
    if (auto why = mdses_->converged(); !result_.failed && !why.empty())
      fail({"md-converges", why + "; journals:" + mdses_->describe_journals()});
  }
  result_.steps = steps_;
  result_.end_ms = now_ms();
  result_.trace_hash = tr_.hash();
  result_.trace = tr_.entries();
  result_.coverage = cov_;
  result_.notes = m_.notes;
  return result_;
}

}  // namespace

run_result run_simulation(const run_options& opts) {
  auto h = std::make_unique<harness>(opts);
  auto r = h->run();
  h.reset();
  return r;
}

}  // namespace pstorage::sim
