// mds_cluster.hpp — the simulated MDSs: N MDS processes (1, 3 or 5; scenario
// field `mdses`), each with its own disk (mds.db, md.db, journal.db on
// ":memory:", kept across restarts), the production MDS actor and its
// election actor (actors/election/), peers reached through link proxies so
// every MDS<->MDS message is judged by the simulated network.
//
// What it does for the harness (simulation.cpp decides WHEN, this file HOW):
//  - start / crash / power loss / hang / slow disk of one MDS;
//  - the production way of finding the master for CSs and clients: a CS's
//    locator probes MDSs in bs.list order with the master probe and follows
//    NOT_MASTER's masterAddress (mds_locator_policy.hpp, as
//    spawn_remote_mds_locator does); a client follows NOT_MASTER's address,
//    and tries the next MDS when its MDS is not running or has not answered
//    for a request timeout;
//  - which MDS is master (its "became master" events, with the epoch of the
//    entry it applied to start serving), kept in the model (model.hpp) so the
//    CS liveness invariants judge the master's view;
//  - the MDS invariants: one-master-per-epoch (at event time),
//    journal-prefix-agree (committed journal entries agree index by index
//    across every MDS, audited at the end of each virtual instant), and
//    md-converges (final: every MDS's md.db has the master's canonical dump).
//
// Power loss (several MDSs): what the journal had not fsynced is lost. The
// election actor saves entries, truncations, votes and terms durably when
// the cluster has several MDSs; only saves that move the commit index alone
// are not fsynced (election_actor.cpp flush). The harness observes each
// journal after every step of its election actor and records its state
// whenever journal_store::unsynced() is false (one save per step in
// practice); a power loss rolls the journal back to that state (entries
// after it dropped, hard state restored). md.db is not fsynced either in
// production (it is rebuilt from the journal); its own power-loss tail is not
// modelled (it keeps every applied entry).
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/common/mds_locator.hpp"
#include "actors/election/election_api.hpp"
#include "actors/mds/mds_api.hpp"
#include "persistence/journal_store.hpp"
#include "tests/sim/model.hpp"
#include "tests/sim/node_factory.hpp"

namespace pstorage::persistence {
class md_store;
class journal_store;
}  // namespace pstorage::persistence

namespace pstorage::sim {

using answer_fn = std::function<void(const std::string& type, const caf::message&)>;

// The harness's services the cluster uses.
struct mds_cluster_env {
  caf::actor_system* sys = nullptr;
  model* m = nullptr;
  identity ident;
  timing t;
  std::function<void(const std::string&)> note, count;
  std::function<int64_t()> now_ms;
  std::function<uint64_t()> next_seed;                             // the MDS's random seed at each start
  std::function<double(const std::string& node)> clock_rate;       // a (re)start's clock rate
  std::function<int64_t(const std::string& node)> wall_offset_ns;  // a (re)start's wall-clock step
  // A network link from (from, from_inc) to (to, to_inc) (proxy.hpp).
  std::function<caf::actor(const std::string& from, int from_inc, const std::string& to, int to_inc, caf::actor target,
                           answer_fn on_answer, caf::actor back)>
      link;
  // The link of client k to (to, to_inc), made once and kept.
  std::function<caf::actor(size_t k, const std::string& to, int to_inc, caf::actor target, answer_fn on_answer)>
      client_link;
  std::function<void(const std::string& node, int inc)> close_links;
  std::function<void(const caf::actor&)> kill;
  std::function<void(const caf::actor&, bool hung)> set_hung;
  // An event of the MDS the harness judges (the master; the only MDS of a
  // one-MDS cluster): CS events, "CS#N is dropped", ...
  std::function<void(const std::string& event)> on_master_event;
};

class mds_cluster {
 public:
  mds_cluster(mds_cluster_env env, uint32_t size);
  ~mds_cluster();

  size_t size() const { return nodes_.size(); }
  bool several() const { return nodes_.size() > 1; }
  const std::string& name(size_t i) const { return nodes_[i].name; }
  bool alive(size_t i) const { return nodes_[i].alive; }
  bool hung(size_t i) const { return nodes_[i].hung; }
  int incarnation(size_t i) const { return nodes_[i].inc; }
  std::vector<size_t> running() const;  // alive and not hung

  // ---- processes ----
  void start(size_t i);
  // Kills MDS i (its election actor with it); `power_loss`: the journal's
  // unsynced tail is lost too (several MDSs only; see the header comment).
  void crash(size_t i, bool power_loss);
  // The whole process stops running (MDS + election actor; one MDS: the
  // MDS actor only, as the one-MDS seeds were recorded).
  void hang(size_t i);
  void resume(size_t i);
  void block_disk(size_t i, bool blocked);
  void fresh_disk(size_t i);  // bug mds_store_not_durable: the MDS restarts on an empty disk
  void kill_all();            // teardown  // slow disk: the election actor (the journal's writer) stalls
  bool disk_blocked(size_t i) const { return nodes_[i].disk_blocked; }
  // The harness ran one step of `a`: if it is an election actor, record its
  // journal's state while nothing is unsynced (power loss rolls back to it).
  void observe_step(const caf::abstract_actor* a);

  // ---- the master ----
  // The MDS that became master last in the highest epoch seen (a late
  // "became master" of an older epoch, from a deposed MDS, is not
  // followed), while alive; a one-MDS cluster: mds1.
  std::optional<size_t> master() const;
  std::optional<size_t> master_running() const;  // and not hung
  mds_api master_api() const;                    // invalid when none
  // md.db of the master (of mds1 when no master is known): what final
  // checks and audits read.
  std::shared_ptr<persistence::md_store> master_md() const;
  std::shared_ptr<persistence::md_store> md(size_t i) const;
  // The model's view of "the MDS" (mds_alive, mds_hung, mds_live_since_ms,
  // mds_clock_rate) follows the master; call before judging.
  void refresh_model();

  // ---- clients and CSs ----
  caf::actor client_mds(size_t k);  // client k's link to the MDS it talks to now; null if none runs
  int client_incarnation(size_t k);  // a run-unique id of that MDS incarnation (meta_client's uncertainty)
  bool incarnation_alive(int gid) const;
  // A CS's MDS locator (several MDSs): finds the master as production does.
  // `cs_actor`: the CS's actor (the links' back direction), read when used.
  mds_locator_api spawn_locator(const std::string& cs, int cs_inc, std::function<caf::actor()> cs_actor,
                                answer_fn on_answer);

  // ---- invariants ----
  // journal-prefix-agree: committed entries of every journal agree index by
  // index with what any MDS committed there before (raised into the model).
  void audit_journals();
  // md-converges (final): "" or the violation's detail. `settled`: every
  // MDS has applied the master's commit index (else the caller waits).
  bool applied_everywhere() const;
  std::string converged() const;
  std::string describe_journals() const;

 private:
  struct node {
    std::string name, address;
    mds_disk disk;
    mds_api api;
    election_api election;
    int inc = 0, gid = 0;
    bool alive = false, hung = false, disk_blocked = false;
    int64_t live_since_ms = 0;
    double rate = 1.0;
    // the journal as last observed with nothing unsynced (power loss)
    uint64_t synced_last = 0;
    persistence::journal_hard_state synced_hs;
    uint64_t audited_commit = 0;  // journal-prefix-agree: checked up to here
    bool audit_due = false;       // its election actor ran since the last audit
  };
  struct ledger_entry {
    uint64_t term = 0;
    uint8_t kind = 0;
    uint64_t hash = 0;
    std::string first;  // the MDS that committed it first
  };
  struct client_route {
    size_t target = 0;
    int64_t waiting_since_ms = -1;  // asked for a link, no answer since
  };

  void on_event(size_t i, int inc, const std::string& e);
  void on_answer(size_t i, int inc, const std::string& type, const caf::message& ans);
  void client_answer(size_t k, size_t i, const std::string& type, const caf::message& ans);
  peer_connector connector(size_t i, int inc);
  std::optional<size_t> node_at(const std::string& address) const;
  size_t next_running_from(size_t from) const;  // first alive MDS from `from` on (wrapping); size() if none
  void record_synced(node& n);

  mds_cluster_env env_;
  std::vector<node> nodes_;
  int next_gid_ = 0;
  std::optional<size_t> master_;
  uint64_t master_epoch_ = 0;
  int64_t master_ok_ms_ = never;  // the master last answered a CS or client request OK (not stat)
  std::map<uint64_t, size_t> masters_;  // epoch -> MDS that became master in it
  std::map<uint64_t, ledger_entry> ledger_;
  std::map<size_t, client_route> routes_;
};

}  // namespace pstorage::sim
