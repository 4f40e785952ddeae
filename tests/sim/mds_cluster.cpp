#include "tests/sim/mds_cluster.hpp"

#include <caf/all.hpp>

#include <algorithm>

#include "actors/common/mds_locator_policy.hpp"
#include "persistence/journal_store.hpp"
#include "persistence/md_store.hpp"
#include "protocol/common.capnp.h"
#include "protocol/messages.hpp"

namespace pstorage::sim {
namespace {
namespace p = proto;
constexpr int64_t client_request_timeout_ms = 5000;  // the sim clients' timeout (meta_client, data_client)
// The master counts as serving for the CS liveness invariants while it
// answered a CS or client request OK this recently (a deposed master keeps
// its last view of the CSs frozen: followers keep no CS liveness).
constexpr int64_t serving_evidence_ms = 1000;
constexpr auto probe_timeout = std::chrono::seconds(2);    // mds_locator_actor.cpp
constexpr int64_t search_budget_ms = 7000;                 // mds_locator_actor.cpp

struct status_view {
  uint32_t code = 0;
  std::string master;
};

template <class M>
std::optional<status_view> status_of(const M& x) {
  if constexpr (requires(typename M::schema::Reader r) { r.getStatus().getMasterAddress(); }) {
    auto r = wire::decode(x);
    if (!r) return std::nullopt;
    return status_view{r->getStatus().getCode(), r->getStatus().getMasterAddress().cStr()};
  } else {
    return std::nullopt;
  }
}

// The Status of any wire answer that has one.
std::optional<status_view> answer_status(const caf::message& m) {
#define PSTORAGE_SIM_STATUS_(alias) \
  if (m.match_elements<msg::alias>()) return status_of(m.get_as<msg::alias>(0));
  PSTORAGE_WIRE_MESSAGES(PSTORAGE_SIM_STATUS_)
#undef PSTORAGE_SIM_STATUS_
  return std::nullopt;
}

uint64_t fnv1a(const std::vector<uint8_t>& d) {
  uint64_t h = 1469598103934665603ull;
  for (auto b : d) h = (h ^ b) * 1099511628211ull;
  return h;
}

std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  auto line = [&](const std::string& s) {
    auto from = s.rfind('\n', i == 0 ? 0 : i - 1);
    from = from == std::string::npos ? 0 : from + 1;
    auto to = s.find('\n', i);
    return s.substr(from, std::min<size_t>(to == std::string::npos ? s.size() - from : to - from, 160));
  };
  return "'" + line(a) + "' vs '" + line(b) + "'";
}
}  // namespace

mds_cluster::mds_cluster(mds_cluster_env env, uint32_t size) : env_(std::move(env)) {
  for (uint32_t id = 1; id <= size; ++id) {
    node n;
    n.name = "mds" + std::to_string(id);
    n.address = sim_mds_address(id);
    n.disk = size == 1 ? make_mds_disk(env_.ident) : make_mds_disk(env_.ident, id, size);
    nodes_.push_back(std::move(n));
  }
}

mds_cluster::~mds_cluster() = default;

std::vector<size_t> mds_cluster::running() const {
  std::vector<size_t> v;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].alive && !nodes_[i].hung) v.push_back(i);
  return v;
}

// ---- processes -----------------------------------------------------------------------

void mds_cluster::start(size_t i) {
  auto& n = nodes_[i];
  const int inc = ++n.inc;
  n.gid = ++next_gid_;
  const double rate = env_.clock_rate(n.name);
  n.rate = rate;
  const int64_t wall_offset_ns = env_.wall_offset_ns(n.name);
  mds_peer_seams peers;
  if (several()) {
    peers.connect = connector(i, inc);
    peers.election_spawned = [this, i](const election_api& e) { nodes_[i].election = e; };
  }
  auto deps = make_mds_deps(
      n.disk, env_.t, env_.next_seed(),
      [this, rate, wall_offset_ns] {
        return int64_t{1700000000} * 1000000000 + wall_offset_ns + static_cast<int64_t>(env_.now_ms() * rate) * 1000000;
      },
      [this, i, inc](const std::string& e) { on_event(i, inc, e); }, rate, std::move(peers));
  // The MDS actor spawns its election actor when it first runs
  // (election_spawned): until then peers cannot reach this incarnation.
  n.election = election_api{};
  n.api = spawn_mds(*env_.sys, deps);
  n.alive = true;
  n.hung = false;
  n.disk_blocked = false;
  n.live_since_ms = env_.now_ms();
  if (!several()) {
    env_.m->mds_clock_rate = rate;
    env_.m->mds_alive = true;
    env_.m->mds_hung = false;
    env_.m->mds_live_since_ms = env_.now_ms();
    for (auto& [id, st] : env_.m->mds_view) st = "inactive";  // the registry loads every CS inactive
  } else {
    record_synced(n);
  }
  env_.note(n.name + " started (incarnation " + std::to_string(inc) + ")");
}

void mds_cluster::crash(size_t i, bool power_loss) {
  auto& n = nodes_[i];
  env_.set_hung(caf::actor_cast<caf::actor>(n.api), false);
  if (n.election) env_.set_hung(caf::actor_cast<caf::actor>(n.election), false);
  env_.kill(caf::actor_cast<caf::actor>(n.api));
  if (n.election) env_.kill(caf::actor_cast<caf::actor>(n.election));
  n.election = election_api{};
  n.alive = false;
  n.hung = false;
  n.disk_blocked = false;
  if (!several()) {
    env_.m->mds_alive = false;
    env_.m->mds_hung = false;
  }
  env_.close_links(n.name, n.inc);
  if (!power_loss || !several()) return;
  auto& j = *std::static_pointer_cast<persistence::journal_store>(n.disk.journal);
  if (!j.unsynced()) return env_.count("fault.mds-power-loss.nothing-unsynced");
  persistence::journal_batch b;
  const uint64_t last = j.last_index();
  if (last > n.synced_last) {
    if (n.synced_last < j.snapshot().index) return env_.count("fault.mds-power-loss.below-snapshot");
    b.truncate_after = n.synced_last;
  }
  const auto hs = j.hard_state();
  b.hard_state = n.synced_hs;
  j.save(b, true);
  env_.count("fault.mds-power-loss.tail-lost");
  env_.note(n.name + "'s journal loses its unsynced tail: last index " + std::to_string(last) + " -> " +
            std::to_string(std::min(last, n.synced_last)) + ", commit " + std::to_string(hs.commit) + " -> " +
            std::to_string(n.synced_hs.commit));
}

void mds_cluster::hang(size_t i) {
  auto& n = nodes_[i];
  n.hung = true;
  env_.set_hung(caf::actor_cast<caf::actor>(n.api), true);
  if (several() && n.election) env_.set_hung(caf::actor_cast<caf::actor>(n.election), true);
  if (!several()) env_.m->mds_hung = true;
}

void mds_cluster::fresh_disk(size_t i) {
  nodes_[i].disk = several() ? make_mds_disk(env_.ident, static_cast<uint32_t>(i + 1), static_cast<uint32_t>(size()))
                             : make_mds_disk(env_.ident);
}

void mds_cluster::kill_all() {
  for (auto& n : nodes_) {
    if (n.api) caf::anon_send_exit(n.api, caf::exit_reason::kill);
    if (n.election) caf::anon_send_exit(n.election, caf::exit_reason::kill);
  }
}

void mds_cluster::resume(size_t i) {
  auto& n = nodes_[i];
  n.hung = false;
  n.live_since_ms = env_.now_ms();
  env_.set_hung(caf::actor_cast<caf::actor>(n.api), false);
  if (several() && n.election) env_.set_hung(caf::actor_cast<caf::actor>(n.election), n.disk_blocked);
  if (!several()) {
    env_.m->mds_hung = false;
    env_.m->mds_live_since_ms = env_.now_ms();
  }
}

void mds_cluster::block_disk(size_t i, bool blocked) {
  auto& n = nodes_[i];
  n.disk_blocked = blocked;
  if (n.election) env_.set_hung(caf::actor_cast<caf::actor>(n.election), blocked || n.hung);
}

void mds_cluster::record_synced(node& n) {
  auto& j = *std::static_pointer_cast<persistence::journal_store>(n.disk.journal);
  n.synced_last = j.last_index();
  n.synced_hs = j.hard_state();
}

void mds_cluster::observe_step(const caf::abstract_actor* a) {
  if (!several() || !a) return;
  for (auto& n : nodes_) {
    if (!n.alive || !n.election || caf::actor_cast<caf::abstract_actor*>(n.election) != a) continue;
    n.audit_due = true;
    if (!std::static_pointer_cast<persistence::journal_store>(n.disk.journal)->unsynced()) record_synced(n);
    return;
  }
}

// ---- events and answers --------------------------------------------------------------

void mds_cluster::on_event(size_t i, int inc, const std::string& e) {
  auto& n = nodes_[i];
  if (n.inc != inc) return;
  env_.note(n.name + " event: " + e);
  if (!several()) return env_.on_master_event(e);
  if (e.find(" became master") != std::string::npos && e.rfind("MDS#", 0) == 0) {
    // It serves once an entry of its own epoch is applied: the epoch is the
    // term of the last entry applied (mds_journal_actor.cpp on_committed).
    auto md = this->md(i);
    auto last = md->entry(md->applied_index());
    const uint64_t epoch = last ? last->term : 0;
    env_.count("mds.became-master");
    env_.note(n.name + " serves as master in epoch " + std::to_string(epoch));
    auto [it, fresh] = masters_.emplace(epoch, i);
    if (!fresh && it->second != i)
      env_.m->raised.push_back({"one-master-per-epoch", n.name + " became master in epoch " + std::to_string(epoch) +
                                                            ", but " + nodes_[it->second].name +
                                                            " became master in that epoch before"});
    // Contract of master(): the master of the HIGHEST epoch that had one.
    // Only such a master has applied every entry any earlier master
    // committed before it serves (Raft's leader completeness; it serves once
    // an entry of its own epoch is applied), which is what the audits of
    // master_md() rely on (chunk-versions-monotone, file-size-acked,
    // md-converges, the CS views). "Became master" in an OLDER epoch comes
    // from a deposed master: its MDS actor applied, late, what its election
    // actor reported before a pause (hang) while a newer epoch's master was
    // elected and committed. Its md.db legitimately lacks that; its leader
    // lease has expired (it answers nothing) and its proposals are refused.
    // It is not the master (--seed 1470 --scenario data-3mds).
    if (epoch < masters_.rbegin()->first) {
      env_.note(n.name + " is deposed already (epoch " + std::to_string(masters_.rbegin()->first) +
                " has a master): not followed as the master");
      env_.count("mds.became-master.deposed");
      return;
    }
    master_ = i;
    master_epoch_ = epoch;
    master_ok_ms_ = env_.now_ms();
    env_.m->mds_live_since_ms = env_.now_ms();
    for (auto& [id, st] : env_.m->mds_view) st = "inactive";  // a new master loads every CS inactive
    return;
  }
  if (master_ == i) env_.on_master_event(e);
}

void mds_cluster::on_answer(size_t i, int inc, const std::string& type, const caf::message& ans) {
  if (master_ != i || nodes_[i].inc != inc || type == "mds_to_client_stat") return;
  if (auto s = answer_status(ans); s && s->code == p::STATUS_OK) master_ok_ms_ = env_.now_ms();
}

void mds_cluster::refresh_model() {
  if (!several()) return;
  auto& m = *env_.m;
  m.mds_view_slack_ms = serving_evidence_ms;
  auto mi = master();
  m.mds_alive = mi && env_.now_ms() - master_ok_ms_ <= serving_evidence_ms;
  m.mds_hung = mi && nodes_[*mi].hung;
  if (mi) {
    m.mds_clock_rate = nodes_[*mi].rate;
    m.mds_live_since_ms = std::max(m.mds_live_since_ms, nodes_[*mi].live_since_ms);
  }
}

std::optional<size_t> mds_cluster::master() const {
  if (!several()) return 0;
  if (master_ && nodes_[*master_].alive) return master_;
  return std::nullopt;
}

std::optional<size_t> mds_cluster::master_running() const {
  auto mi = master();
  if (mi && !nodes_[*mi].hung) return mi;
  return std::nullopt;
}

mds_api mds_cluster::master_api() const {
  auto mi = master();
  return mi && nodes_[*mi].alive ? nodes_[*mi].api : mds_api{};
}

std::shared_ptr<persistence::md_store> mds_cluster::md(size_t i) const {
  return std::static_pointer_cast<persistence::md_store>(nodes_[i].disk.md);
}

std::shared_ptr<persistence::md_store> mds_cluster::master_md() const {
  if (!several()) return md(0);
  return md(master_.value_or(0));
}

// ---- clients -------------------------------------------------------------------------

std::optional<size_t> mds_cluster::node_at(const std::string& address) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].address == address) return i;
  return std::nullopt;
}

size_t mds_cluster::next_running_from(size_t from) const {
  for (size_t k = 0; k < nodes_.size(); ++k)
    if (nodes_[(from + k) % nodes_.size()].alive) return (from + k) % nodes_.size();
  return nodes_.size();
}

caf::actor mds_cluster::client_mds(size_t k) {
  if (!several()) {
    auto& n = nodes_[0];
    if (!n.alive) return {};
    return env_.client_link(k, n.name, n.inc, caf::actor_cast<caf::actor>(n.api), nullptr);
  }
  auto& r = routes_[k];
  const int64_t now = env_.now_ms();
  // No answer for a request timeout: the client tries the next MDS (as the
  // mount does after a timeout: mds_locator_policy.hpp's search).
  if (r.waiting_since_ms >= 0 && now - r.waiting_since_ms > client_request_timeout_ms) {
    r.target = (r.target + 1) % nodes_.size();
    r.waiting_since_ms = -1;
    env_.count("mds.client.next-after-timeout");
  }
  // A process that does not run refuses the connection: the next one.
  const size_t t = next_running_from(r.target);
  if (t == nodes_.size()) return {};
  r.target = t;
  if (r.waiting_since_ms < 0) r.waiting_since_ms = now;
  auto& n = nodes_[t];
  return env_.client_link(k, n.name, n.inc, caf::actor_cast<caf::actor>(n.api),
                          [this, k, t, inc = n.inc](const std::string& type, const caf::message& ans) {
                            on_answer(t, inc, type, ans);
                            client_answer(k, t, type, ans);
                          });
}

void mds_cluster::client_answer(size_t k, size_t i, const std::string&, const caf::message& ans) {
  auto& r = routes_[k];
  if (r.target != i) return;
  r.waiting_since_ms = -1;
  auto s = answer_status(ans);
  if (!s || s->code != p::STATUS_NOT_MASTER) return;
  if (auto j = node_at(s->master)) {
    r.target = *j;
    env_.count("mds.client.not-master.redirected");
  } else {
    r.target = (i + 1) % nodes_.size();  // no master known there: the next one
    env_.count("mds.client.not-master.no-master");
  }
}

int mds_cluster::client_incarnation(size_t k) {
  if (!several()) return nodes_[0].inc;
  auto& r = routes_[k];
  const size_t t = next_running_from(r.target);
  return t == nodes_.size() ? 0 : nodes_[t].gid;
}

bool mds_cluster::incarnation_alive(int gid) const {
  if (!several()) return gid == nodes_[0].inc && nodes_[0].alive;
  for (auto& n : nodes_)
    if (n.gid == gid) return n.alive;
  return false;
}

// ---- peers and the CS locator ----------------------------------------------------------

peer_connector mds_cluster::connector(size_t i, int inc) {
  return [this, i, inc](election_api self, uint32_t id, const std::string&) {
    caf::actor h;
    const size_t j = id - 1;
    if (j < nodes_.size() && j != i && nodes_[i].inc == inc && nodes_[j].alive && nodes_[j].election)
      h = env_.link(nodes_[i].name, inc, nodes_[j].name, nodes_[j].inc, caf::actor_cast<caf::actor>(nodes_[j].election),
                    nullptr, caf::actor_cast<caf::actor>(self));
    else
      env_.count("mds.peer.connect-refused");
    env_.note(nodes_[i].name + "'s election actor connects to MDS#" + std::to_string(id) + (h ? "" : ": refused"));
    caf::anon_send(self, peer_atom::value, id, h);
  };
}

namespace {
struct search_state {
  mds_locate::master_search search;
  caf::response_promise rp;
  int64_t deadline_ms = 0;
  unsigned attempts = 0;
  explicit search_state(std::vector<endpoint> listed) : search(std::move(listed)) {}
};
using resume_atom = caf::atom_constant<caf::atom("simresume")>;
}  // namespace

mds_locator_api mds_cluster::spawn_locator(const std::string& cs, int cs_inc, std::function<caf::actor()> cs_actor,
                                           answer_fn on_cs_answer) {
  std::vector<endpoint> listed;
  for (auto& n : nodes_) listed.push_back(*parse_endpoint(n.address));
  auto a = env_.sys->spawn([this, cs, cs_inc, cs_actor, on_cs_answer, listed](caf::event_based_actor* self) -> caf::behavior {
    auto last_master = std::make_shared<std::string>();
    // Continuations waiting for a round's backoff, by token.
    auto later = std::make_shared<std::map<uint64_t, std::function<void()>>>();
    auto next_token = std::make_shared<uint64_t>(0);
    auto step = std::make_shared<std::function<void(std::shared_ptr<search_state>)>>();
    // The search's continuations hold the step weakly: the actor's behavior
    // owns it (no cycle).
    std::weak_ptr<std::function<void(std::shared_ptr<search_state>)>> wstep = step;
    auto again = [wstep](std::shared_ptr<search_state> s) {
      if (auto f = wstep.lock()) (*f)(s);
    };
    *step = [=](std::shared_ptr<search_state> s) {
      if (s->attempts++ >= 64 || env_.now_ms() >= s->deadline_ms) {
        env_.count("mds.locate.failed");
        s->rp.deliver(caf::make_error(caf::sec::cannot_connect_to_node, "no master MDS found; tried:" + s->search.report()));
        return;
      }
      auto e = s->search.next();
      if (!e) {
        const uint64_t token = (*next_token)++;
        (*later)[token] = [=] {
          s->search.next_round();
          again(s);
        };
        self->delayed_send(self, mds_locate::round_backoff(s->search.round()), resume_atom::value, token);
        return;
      }
      auto j = node_at(e->to_string());
      if (!j || !nodes_[*j].alive) {
        s->search.on_failure(*e, "connection refused (not running)");
        return again(s);
      }
      auto& n = nodes_[*j];
      auto link = env_.link(cs, cs_inc, n.name, n.inc, caf::actor_cast<caf::actor>(n.api),
                            [this, on_cs_answer, j = *j, inc = n.inc](const std::string& type, const caf::message& ans) {
                              on_answer(j, inc, type, ans);
                              if (on_cs_answer) on_cs_answer(type, ans);
                            },
                            cs_actor());
      // The master probe (mds_locator_actor.cpp): a heartbeat for CS id 0.
      self->request(link, probe_timeout, wire::make<p::CsToMdsHeartbeat>([](auto b) { b.setCsId(0); }))
          .then(
              [=](msg::mds_to_cs_heartbeat& r) {
                auto d = wire::decode(r);
                if (d && d->getStatus().getCode() == p::STATUS_NOT_MASTER) {
                  s->search.on_not_master(*e, d->getStatus().getMasterAddress().cStr());
                  caf::anon_send_exit(link, caf::exit_reason::kill);
                  return again(s);
                }
                *last_master = e->to_string();
                env_.count("mds.locate.found");
                s->rp.deliver(caf::actor_cast<mds_api>(link));
              },
              [=](caf::error&) {
                s->search.on_failure(*e, "no answer: no master elected yet?");
                caf::anon_send_exit(link, caf::exit_reason::kill);
                again(s);
              });
    };
    return {
        [=](learn_mds_atom, const std::string&) {},  // every MDS is listed already
        [=](locate_mds_atom) {
          auto s = std::make_shared<search_state>(listed);
          s->search.prefer(*last_master);
          s->rp = self->make_response_promise();
          s->deadline_ms = env_.now_ms() + search_budget_ms;
          (*step)(s);
          return s->rp;
        },
        [=](resume_atom, uint64_t token) {
          auto it = later->find(token);
          if (it == later->end()) return;
          auto f = std::move(it->second);
          later->erase(it);
          f();
        },
    };
  });
  return caf::actor_cast<mds_locator_api>(a);
}

// ---- invariants ----------------------------------------------------------------------

void mds_cluster::audit_journals() {
  if (!several()) return;
  for (auto& n : nodes_) {
    if (!n.audit_due) continue;
    n.audit_due = false;
    auto& j = *std::static_pointer_cast<persistence::journal_store>(n.disk.journal);
    const uint64_t commit = std::min(j.hard_state().commit, j.last_index());
    if (commit < n.audited_commit) n.audited_commit = commit;  // power loss rolled it back
    const uint64_t from = std::max(n.audited_commit + 1, j.first_index());
    if (commit < from) continue;
    for (auto& e : j.entries(from, commit)) {
      ledger_entry mine{e.term, e.kind, fnv1a(e.data), n.name};
      auto [it, fresh] = ledger_.emplace(e.index, mine);
      auto& l = it->second;
      if (!fresh && (l.term != mine.term || l.kind != mine.kind || l.hash != mine.hash)) {
        env_.m->raised.push_back({"journal-prefix-agree",
                                  n.name + " committed entry " + std::to_string(e.index) + " of epoch " +
                                      std::to_string(e.term) + " (kind " + std::to_string(e.kind) +
                                      "), but " + l.first + " committed epoch " + std::to_string(l.term) + " (kind " +
                                      std::to_string(l.kind) + ") there" + (l.hash != mine.hash ? ", other contents" : "")});
        return;
      }
    }
    n.audited_commit = commit;
  }
}

bool mds_cluster::applied_everywhere() const {
  if (!several()) return true;
  const uint64_t want = master_md()->applied_index();
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (!nodes_[i].alive || md(i)->applied_index() != want) return false;
  return true;
}

std::string mds_cluster::converged() const {
  if (!several()) return "";
  auto mi = master();
  if (!mi) return "no MDS serves as master at the end";
  const auto want = md(*mi)->canonical_dump();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i == *mi) continue;
    const auto got = md(i)->canonical_dump();
    if (got != want)
      return nodes_[i].name + "'s md.db (applied " + std::to_string(md(i)->applied_index()) + ") differs from master " +
             nodes_[*mi].name + "'s (applied " + std::to_string(md(*mi)->applied_index()) +
             "): " + first_difference(got, want);
  }
  return "";
}

std::string mds_cluster::describe_journals() const {
  std::string out;
  for (auto& n : nodes_) {
    auto& j = *std::static_pointer_cast<persistence::journal_store>(n.disk.journal);
    auto hs = j.hard_state();
    out += " " + n.name + "{epoch " + std::to_string(hs.term) + ", last " + std::to_string(j.last_index()) + ", commit " +
           std::to_string(hs.commit) + ", applied " + std::to_string(md(static_cast<size_t>(&n - nodes_.data()))->applied_index()) +
           "}";
  }
  return out;
}

}  // namespace pstorage::sim
