// Transcript tests of the Raft consensus core (actors/election/raft_core.hpp),
// in the style of etcd raft's datadriven testdata, plus a bounded randomized
// test. The simulator below plays the election actor: it executes every
// ready exactly per the contract (persist -> send -> apply) with an
// in-memory "disk", and checks invariants after every ready and command:
//   * at most one leader per term;
//   * a persisted term never decreases, and a vote never changes within a term;
//   * the persisted commit never decreases; truncation never drops committed entries;
//   * entries committed (persisted log <= persisted commit) agree on all nodes;
//   * applied entries are contiguous, applied once, and agree on all nodes;
//   * committed entries handed to apply are already in the persisted log.
//
// Transcript format (tests/unit/raft/*.txt, see docs/election.md):
//   # comment                 (lines starting with '#', kept on rewrite)
//   <command> <args...>
//   ----
//   <expected output lines, "ok" when there is none>
//   <blank line ends the block>
// Commands:
//   nodes 1 2 3 [opts]        bootstrap a cluster of these members (raft_core::bootstrap)
//   new 4 [opts]              a fresh node with empty state (to be added)
//       opts: election=N heartbeat=N prevote=0|1 checkquorum=0|1 maxmsg=N inflight=N seed=N
//   set N opts                change N's config (restarts N from its disk)
//   campaign N                raft_core::campaign on N
//   tick N [M...] [xK]        tick the nodes K times (default 1); "tick all xK": every up node
//   run K                     K rounds of: tick every up node once, then deliver quietly
//   deliver [q] [n=K]         deliver queued messages (FIFO) until none is left (or K
//                             delivered); prints each one, "x" prefix = dropped; q: quiet
//   propose N data            prints "index I" or "rejected"
//   add N id | remove N id    propose_config on N with its membership +/- id
//   config N id...            propose_config on N with exactly these ids
//   partition 1 | 2 3         drop messages between the groups; heal: no partition/cut
//   cut 1->2                  drop messages from 1 to 2 (one way) until heal
//   drop [a->b]               drop queued messages (all, or those from a to b)
//   crash N                   lose N's volatile state (core, unsent output)
//   restart N [applied=K]     rebuild N from its disk; applied=K: its state machine
//                             lost what it applied above K (re-emitted by the core)
//   compact N I               N snapshots its state machine at I and compacts its log
//   status [N...]             role, term, leader, commit, applied, last, first, vote, members
//   log N                     N's persisted snapshot + log;  applied N: its state machine
//   peers N                   leader N's progress per peer;  msgs: the queued messages
// Role/term changes print as "> N is <role> tT" lines as they happen, a
// ready's truncate_after / snapshot as "> N truncates after I" / "> N installs snapshot I/T".
// RAFT_REWRITE=1 regenerates the expected outputs (review every diff by hand).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/election/raft_core.hpp"

using namespace pstorage::election;

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

std::string fmt_entry(const entry& e) {
  std::string s = std::to_string(e.index) + "/" + std::to_string(e.term) + " ";
  switch (e.kind) {
    case entry_kind::noop: return s + "noop";
    case entry_kind::command: return s + std::string(e.data.begin(), e.data.end());
    case entry_kind::config: {
      auto m = decode_membership(e.data);
      if (!m) return s + "conf[?]";
      std::string ids;
      for (auto id : m->ids()) ids += (ids.empty() ? "" : ",") + std::to_string(id);
      return s + "conf[" + ids + "]";
    }
  }
  return s + "?";
}

std::string fmt_ids(const membership& m) {
  std::string ids;
  for (auto id : m.ids()) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  return ids.empty() ? "-" : ids;
}

std::string fmt_msg(const message& m) {
  std::ostringstream o;
  o << m.from << "->" << m.to << " " << to_string(m.type) << " t" << m.term;
  switch (m.type) {
    case msg_type::pre_vote:
    case msg_type::vote: o << " last " << m.log_index << "/" << m.log_term; break;
    case msg_type::pre_vote_resp:
    case msg_type::vote_resp: o << (m.reject ? " rej" : " ok"); break;
    case msg_type::append: {
      o << " prev " << m.log_index << "/" << m.log_term << " commit " << m.commit;
      if (!m.entries.empty()) {
        o << " [";
        for (size_t i = 0; i < m.entries.size(); ++i) o << (i ? ", " : "") << fmt_entry(m.entries[i]);
        o << "]";
      }
      break;
    }
    case msg_type::append_resp:
      if (m.reject)
        o << " rej " << m.log_index << " hint " << m.index << "/" << m.log_term;
      else
        o << " ok " << m.index;
      break;
    case msg_type::snapshot:
      o << " snap " << m.snapshot.index << "/" << m.snapshot.term << " members " << fmt_ids(m.snapshot.config);
      break;
    case msg_type::snapshot_resp: o << " ok " << m.index; break;
  }
  return o.str();
}

struct net_msg {
  message m;
  std::vector<entry> snap_data;  // snapshot: the state machine image the actor attaches
};

struct sim_node {
  config cfg;
  bool up = true;
  std::unique_ptr<raft_core> core;
  // "disk" (survives crash)
  hard_state hs;
  snapshot_meta snap;
  std::vector<entry> snap_data;  // state machine image at snap.index
  std::vector<entry> log;        // entries after snap.index
  // state machine (the actor's md.db: survives crash, see restart applied=K)
  std::vector<entry> applied;    // every applied entry (from the snapshot image on)
  uint64_t applied_index = 0;
  std::vector<entry> incoming_snap;  // data of the snapshot message being stepped
  uint64_t checked_commit = 0;       // committed prefix already checked against the others
  role last_role = role::follower;
  uint64_t last_term = 0;
};

class sim {
 public:
  std::ostringstream out;
  bool print_transitions = true;

  sim_node& node(node_id id) {
    auto it = nodes_.find(id);
    if (it == nodes_.end()) fail("no node " + std::to_string(id));
    return it->second;
  }
  bool has(node_id id) const { return nodes_.count(id) > 0; }
  std::vector<node_id> ids() const {
    std::vector<node_id> v;
    for (const auto& [id, n] : nodes_) v.push_back(id);
    return v;
  }
  std::deque<net_msg>& queue() { return queue_; }

  void create(node_id id, config cfg, persisted p) {
    sim_node& n = nodes_[id];
    n.cfg = cfg;
    n.cfg.id = id;
    n.hs = p.hs;
    n.snap = p.snapshot;
    n.log = p.entries;
    n.core = std::make_unique<raft_core>(n.cfg, p);
    n.last_role = n.core->get_role();
    n.last_term = n.core->term();
    process(id);
  }

  static member mk_member(node_id id) { return member{id, "mds" + std::to_string(id) + ":2510"}; }

  void crash(node_id id) {
    sim_node& n = node(id);
    n.up = false;
    n.core.reset();
  }

  void restart(node_id id, std::optional<uint64_t> applied) {
    sim_node& n = node(id);
    if (n.up) crash(id);
    if (applied) {
      if (*applied < n.snap.index || *applied > n.applied_index) fail("restart: bad applied");
      while (n.applied_index > *applied) {
        n.applied.pop_back();
        --n.applied_index;
      }
    }
    persisted p{n.hs, n.snap, n.log, n.applied_index};
    n.up = true;
    n.core = std::make_unique<raft_core>(n.cfg, p);
    n.last_role = n.core->get_role();
    n.last_term = n.core->term();
    uint64_t before = n.applied_index;
    process(id);
    if (print_transitions && n.applied_index > before)
      out << "> " << id << " re-applies " << before + 1 << ".." << n.applied_index << "\n";
  }

  // The actor took a snapshot of its state machine at `index` (the core
  // clamps to what it emitted; an index at or below the snapshot is a no-op).
  void compact(node_id id, uint64_t index) {
    sim_node& n = node(id);
    if (!n.up) fail("compact: node down");
    n.core->compact(index);
    const snapshot_meta& meta = n.core->snapshot_info();
    if (meta.index == n.snap.index) {
      out << "no-op\n";
      return;
    }
    if (meta.index > n.applied_index || meta.index < n.snap.index) fail("compact: core compacted beyond the applied state");
    std::vector<entry> image;
    for (const auto& e : n.applied)
      if (e.index <= meta.index) image.push_back(e);
    n.log.erase(n.log.begin(), n.log.begin() + static_cast<ptrdiff_t>(meta.index - n.snap.index));
    n.snap = meta;
    n.snap_data = std::move(image);
    out << "snapshot " << meta.index << "/" << meta.term << " members " << fmt_ids(meta.config) << "\n";
  }

  // Execute every pending ready of node `id` per the contract.
  void process(node_id id) {
    sim_node& n = node(id);
    if (!n.up) return;
    note_transition(id);
    while (n.core->has_ready()) {
      ready r = n.core->take_ready();
      if (r.empty()) fail("has_ready but empty ready");
      persist(id, n, r);
      for (auto& m : r.messages) {
        if (m.from != id) fail("message from wrong id");
        net_msg nm{m, {}};
        if (m.type == msg_type::snapshot) {
          if (m.snapshot.index != n.snap.index) fail("snapshot message does not match the stored snapshot");
          nm.snap_data = n.snap_data;
        }
        queue_.push_back(std::move(nm));
      }
      apply(id, n, r.committed);
    }
    check_leader(id);
  }

  void step(const net_msg& nm) {
    sim_node& n = node(nm.m.to);
    n.incoming_snap = nm.snap_data;
    n.core->step(nm.m);
    process(nm.m.to);
  }

  void tick(node_id id) {
    sim_node& n = node(id);
    if (!n.up) return;
    n.core->tick();
    process(id);
  }

  bool blocked(node_id from, node_id to) const {
    if (cuts_.count({from, to})) return true;
    auto a = group_.find(from), b = group_.find(to);
    return a != group_.end() && b != group_.end() && a->second != b->second;
  }
  void partition(const std::vector<std::vector<node_id>>& groups) {
    group_.clear();
    for (size_t g = 0; g < groups.size(); ++g)
      for (auto id : groups[g]) group_[id] = static_cast<int>(g);
  }
  void cut(node_id from, node_id to) { cuts_.insert({from, to}); }
  void heal() {
    group_.clear();
    cuts_.clear();
  }

  // Deliver up to `limit` messages; returns how many were taken off the queue.
  size_t deliver(bool verbose, size_t limit = SIZE_MAX) {
    size_t done = 0;
    while (!queue_.empty() && done < limit) {
      net_msg nm = std::move(queue_.front());
      queue_.pop_front();
      ++done;
      bool lost = !has(nm.m.to) || !node(nm.m.to).up || blocked(nm.m.from, nm.m.to);
      if (verbose) out << (lost ? "x " : "") << fmt_msg(nm.m) << "\n";
      if (!lost) step(nm);
      if (done > 1000000) fail("deliver: no quiescence");
    }
    return done;
  }

  void check_all() {
    for (auto id : ids()) check_leader(id);
  }

 private:
  void note_transition(node_id id) {
    sim_node& n = node(id);
    if (n.core->get_role() == n.last_role && n.core->term() == n.last_term) return;
    n.last_role = n.core->get_role();
    n.last_term = n.core->term();
    if (print_transitions) out << "> " << id << " is " << to_string(n.last_role) << " t" << n.last_term << "\n";
  }

  void check_leader(node_id id) {
    sim_node& n = node(id);
    if (!n.up || n.core->get_role() != role::leader) return;
    auto [it, fresh] = leaders_.emplace(n.core->term(), id);
    if (it->second != id)
      fail("two leaders in term " + std::to_string(n.core->term()) + ": " + std::to_string(it->second) + " and " +
           std::to_string(id));
  }

  void persist(node_id id, sim_node& n, const ready& r) {
    if (print_transitions && r.snapshot)
      out << "> " << id << " installs snapshot " << r.snapshot->index << "/" << r.snapshot->term << "\n";
    if (print_transitions && r.truncate_after) out << "> " << id << " truncates after " << *r.truncate_after << "\n";
    if (r.snapshot) {
      if (r.snapshot->index <= n.applied_index)
        fail("snapshot install below the applied state");
      if (n.incoming_snap.empty() && r.snapshot->index > 0) fail("snapshot installed without data");
      n.snap = *r.snapshot;
      n.snap_data = n.incoming_snap;
      n.log.clear();
      n.applied = n.snap_data;
      n.applied_index = n.snap.index;
      n.checked_commit = n.snap.index;
      for (const auto& e : n.applied) check_committed(e, id);
    }
    if (r.truncate_after) {
      if (*r.truncate_after < n.hs.commit) fail("truncate below the persisted commit");
      uint64_t keep = *r.truncate_after - n.snap.index;
      if (*r.truncate_after < n.snap.index) fail("truncate below the snapshot");
      if (keep < n.log.size()) n.log.resize(keep);
    }
    for (const auto& e : r.entries) {
      if (e.index != n.snap.index + n.log.size() + 1)
        fail("node " + std::to_string(id) + ": ready entry " + std::to_string(e.index) + " not contiguous");
      n.log.push_back(e);
    }
    if (r.hs) {
      if (r.hs->term < n.hs.term) fail("persisted term decreased");
      if (r.hs->term == n.hs.term && n.hs.vote != 0 && r.hs->vote != n.hs.vote)
        fail("node " + std::to_string(id) + " changed its vote in term " + std::to_string(n.hs.term));
      if (r.hs->commit < n.hs.commit) fail("persisted commit decreased");
      n.hs = *r.hs;
    }
    if (n.hs.commit > n.snap.index + n.log.size()) fail("persisted commit beyond the persisted log");
    for (uint64_t i = std::max(n.checked_commit, n.snap.index) + 1; i <= n.hs.commit; ++i)
      check_committed(n.log[i - n.snap.index - 1], id);
    n.checked_commit = std::max(n.checked_commit, n.hs.commit);
  }

  void check_committed(const entry& e, node_id id) {
    auto [it, fresh] = committed_.emplace(e.index, e);
    if (!(it->second == e))
      fail("node " + std::to_string(id) + " committed " + fmt_entry(e) + " but " + fmt_entry(it->second) +
           " was committed before");
  }

  void apply(node_id id, sim_node& n, const std::vector<entry>& committed) {
    for (const auto& e : committed) {
      if (e.index != n.applied_index + 1)
        fail("node " + std::to_string(id) + " applies " + std::to_string(e.index) + " after " +
             std::to_string(n.applied_index));
      if (e.index <= n.snap.index || e.index > n.snap.index + n.log.size() || !(n.log[e.index - n.snap.index - 1] == e))
        fail("node " + std::to_string(id) + " applies an entry not in its persisted log: " + fmt_entry(e));
      if (e.index > n.hs.commit) fail("applied above the persisted commit");
      check_committed(e, id);
      n.applied.push_back(e);
      n.applied_index = e.index;
    }
  }

  std::map<node_id, sim_node> nodes_;
  std::deque<net_msg> queue_;
  std::map<node_id, int> group_;
  std::set<std::pair<node_id, node_id>> cuts_;
  std::map<uint64_t, node_id> leaders_;
  std::map<uint64_t, entry> committed_;
};

}  // namespace

namespace {

std::vector<std::string> split(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> v;
  for (std::string w; in >> w;) v.push_back(w);
  return v;
}

uint64_t num(const std::string& s) {
  size_t pos = 0;
  uint64_t v = 0;
  try {
    v = std::stoull(s, &pos);
  } catch (...) {
    fail("not a number: " + s);
  }
  if (pos != s.size()) fail("not a number: " + s);
  return v;
}

std::pair<node_id, node_id> arrow(const std::string& s) {
  auto p = s.find("->");
  if (p == std::string::npos) fail("expected a->b, got " + s);
  return {static_cast<node_id>(num(s.substr(0, p))), static_cast<node_id>(num(s.substr(p + 2)))};
}

// The transcript command interpreter.
class interpreter {
 public:
  sim s;

  std::string run(const std::string& line) {
    s.out.str("");
    auto w = split(line);
    const std::string& c = w.at(0);
    if (c == "nodes" || c == "new") {
      std::vector<node_id> ids;
      config cfg = parse_config(w, ids);
      membership m;
      for (auto id : ids) m.members.push_back(sim::mk_member(id));
      if (!m.normalize()) fail("bad ids");
      for (auto id : ids) s.create(id, cfg, c == "nodes" ? raft_core::bootstrap(m) : persisted{});
    } else if (c == "set") {
      auto id = nid(w, 1);
      std::vector<node_id> none;
      std::vector<std::string> opts(w.begin() + 1, w.end());
      opts[0] = "set";
      sim_node& n = s.node(id);
      n.cfg = parse_config(opts, none, n.cfg);
      if (!none.empty()) fail("set: options only");
      n.cfg.id = id;
      s.restart(id, std::nullopt);
    } else if (c == "campaign") {
      auto id = nid(w, 1);
      up(id).core->campaign();
      s.process(id);
    } else if (c == "tick") {
      std::vector<node_id> ids;
      uint64_t times = 1;
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i] == "all") {
          for (auto id : s.ids()) ids.push_back(id);
        } else if (w[i][0] == 'x') {
          times = num(w[i].substr(1));
        } else {
          ids.push_back(static_cast<node_id>(num(w[i])));
        }
      }
      for (uint64_t k = 0; k < times; ++k)
        for (auto id : ids) s.tick(id);
    } else if (c == "run") {
      uint64_t rounds = num(w.at(1));
      for (uint64_t k = 0; k < rounds; ++k) {
        for (auto id : s.ids()) s.tick(id);
        s.deliver(false);
      }
    } else if (c == "deliver") {
      bool verbose = true;
      size_t limit = SIZE_MAX;
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i] == "q")
          verbose = false;
        else if (w[i].rfind("n=", 0) == 0)
          limit = num(w[i].substr(2));
        else
          fail("deliver: bad arg " + w[i]);
      }
      s.deliver(verbose, limit);
    } else if (c == "propose") {
      auto id = nid(w, 1);
      std::string data = w.at(2);
      auto idx = up(id).core->propose(std::vector<uint8_t>(data.begin(), data.end()));
      s.process(id);
      s.out << (idx ? "index " + std::to_string(*idx) : std::string("rejected")) << "\n";
    } else if (c == "add" || c == "remove" || c == "config") {
      auto id = nid(w, 1);
      sim_node& n = up(id);
      membership next;
      if (c == "config") {
        for (size_t i = 2; i < w.size(); ++i) next.members.push_back(sim::mk_member(static_cast<node_id>(num(w[i]))));
      } else {
        auto other = static_cast<node_id>(num(w.at(2)));
        next = n.core->members();
        if (c == "add") {
          next.members.push_back(sim::mk_member(other));
        } else {
          std::erase_if(next.members, [&](const member& mb) { return mb.id == other; });
        }
      }
      next.normalize();
      auto idx = n.core->propose_config(next);
      s.process(id);
      s.out << (idx ? "index " + std::to_string(*idx) : std::string("rejected")) << "\n";
    } else if (c == "partition") {
      std::vector<std::vector<node_id>> groups(1);
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i] == "|")
          groups.emplace_back();
        else
          groups.back().push_back(static_cast<node_id>(num(w[i])));
      }
      s.partition(groups);
    } else if (c == "heal") {
      s.heal();
    } else if (c == "cut") {
      auto [a, b] = arrow(w.at(1));
      s.cut(a, b);
    } else if (c == "drop") {
      std::optional<std::pair<node_id, node_id>> only;
      if (w.size() > 1) only = arrow(w[1]);
      size_t dropped = 0;
      std::erase_if(s.queue(), [&](const net_msg& nm) {
        bool d = !only || (nm.m.from == only->first && nm.m.to == only->second);
        dropped += d;
        return d;
      });
      s.out << "dropped " << dropped << "\n";
    } else if (c == "crash") {
      s.crash(nid(w, 1));
    } else if (c == "restart") {
      auto id = nid(w, 1);
      std::optional<uint64_t> applied;
      if (w.size() > 2) {
        if (w[2].rfind("applied=", 0) != 0) fail("restart: bad arg");
        applied = num(w[2].substr(8));
      }
      s.restart(id, applied);
    } else if (c == "compact") {
      s.compact(nid(w, 1), num(w.at(2)));
    } else if (c == "status") {
      std::vector<node_id> ids;
      for (size_t i = 1; i < w.size(); ++i) ids.push_back(static_cast<node_id>(num(w[i])));
      if (ids.empty()) ids = s.ids();
      for (auto id : ids) status(id);
    } else if (c == "log") {
      sim_node& n = s.node(nid(w, 1));
      if (n.snap.index > 0)
        s.out << "snap " << n.snap.index << "/" << n.snap.term << " members " << fmt_ids(n.snap.config) << "\n";
      for (const auto& e : n.log) s.out << fmt_entry(e) << "\n";
      if (n.log.empty() && n.snap.index == 0) s.out << "empty\n";
    } else if (c == "applied") {
      sim_node& n = s.node(nid(w, 1));
      for (const auto& e : n.applied) s.out << fmt_entry(e) << "\n";
      if (n.applied.empty()) s.out << "none\n";
    } else if (c == "peers") {
      for (const auto& p : up(nid(w, 1)).core->peers())
        s.out << p.id << ": " << to_string(p.state) << " match " << p.match << " next " << p.next << " inflight "
              << p.inflight << " ack " << p.ticks_since_ack << "\n";
    } else if (c == "msgs") {
      for (const auto& nm : s.queue()) s.out << fmt_msg(nm.m) << "\n";
    } else {
      fail("unknown command " + c);
    }
    s.check_all();
    std::string o = s.out.str();
    if (o.empty()) return "ok";
    o.pop_back();
    return o;
  }

 private:
  node_id nid(const std::vector<std::string>& w, size_t i) {
    if (i >= w.size()) fail("missing node id");
    auto id = static_cast<node_id>(num(w[i]));
    s.node(id);
    return id;
  }
  sim_node& up(node_id id) {
    sim_node& n = s.node(id);
    if (!n.up) fail("node " + std::to_string(id) + " is down");
    return n;
  }
  config parse_config(const std::vector<std::string>& w, std::vector<node_id>& ids, config cfg = {}) {
    for (size_t i = 1; i < w.size(); ++i) {
      auto eq = w[i].find('=');
      if (eq == std::string::npos) {
        ids.push_back(static_cast<node_id>(num(w[i])));
        continue;
      }
      std::string k = w[i].substr(0, eq);
      uint64_t v = num(w[i].substr(eq + 1));
      if (k == "election") cfg.election_ticks = static_cast<uint32_t>(v);
      else if (k == "heartbeat") cfg.heartbeat_ticks = static_cast<uint32_t>(v);
      else if (k == "prevote") cfg.pre_vote = v != 0;
      else if (k == "checkquorum") cfg.check_quorum = v != 0;
      else if (k == "maxmsg") cfg.max_entries_per_msg = v;
      else if (k == "inflight") cfg.max_inflight_msgs = v;
      else if (k == "seed") cfg.seed = v;
      else fail("unknown option " + k);
    }
    return cfg;
  }
  void status(node_id id) {
    sim_node& n = s.node(id);
    if (!n.up) {
      s.out << id << ": down\n";
      return;
    }
    const raft_core& c = *n.core;
    s.out << id << ": " << to_string(c.get_role()) << " t" << c.term() << " lead " << c.leader() << " commit "
          << c.commit_index() << " applied " << n.applied_index << " last " << c.last_index() << "/" << c.last_term()
          << " first " << c.first_index() << " vote " << c.vote() << " members " << fmt_ids(c.members()) << "\n";
  }
};

struct block {
  std::vector<std::string> prefix;  // comments / blank lines before the command
  std::string cmd;
  size_t line = 0;
  std::vector<std::string> expected;
};

std::vector<block> parse_transcript(const std::filesystem::path& file, std::vector<std::string>& trailer) {
  std::ifstream in(file);
  if (!in) fail("cannot read " + file.string());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<block> blocks;
  std::vector<std::string> prefix;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty() || l[0] == '#') {
      prefix.push_back(l);
      continue;
    }
    block b;
    b.prefix = std::move(prefix);
    prefix.clear();
    b.cmd = l;
    b.line = i + 1;
    if (i + 1 >= lines.size() || lines[i + 1] != "----")
      fail(file.filename().string() + ":" + std::to_string(i + 1) + ": expected ---- after the command");
    for (i += 2; i < lines.size() && !lines[i].empty(); ++i) b.expected.push_back(lines[i]);
    blocks.push_back(std::move(b));
  }
  trailer = std::move(prefix);
  return blocks;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l + "\n";
  return s;
}

void run_transcript(const std::filesystem::path& file) {
  std::vector<std::string> trailer;
  auto blocks = parse_transcript(file, trailer);
  bool rewrite = std::getenv("RAFT_REWRITE") != nullptr;
  interpreter it;
  std::string rewritten;
  for (auto& b : blocks) {
    std::string got;
    try {
      got = it.run(b.cmd);
    } catch (const std::exception& e) {
      FAIL_CHECK(file.filename().string() << ":" << b.line << ": " << b.cmd << ": " << std::string(e.what())
                                    << "\noutput so far:\n" << it.s.out.str());
      return;
    }
    std::string want = join(b.expected);
    if (!want.empty()) want.pop_back();
    if (!rewrite && got != want) {
      FAIL_CHECK(file.filename().string() << ":" << b.line << ": " << b.cmd << "\n--- expected\n"
                                          << want << "\n--- got\n" << got);
      return;
    }
    for (const auto& l : b.prefix) rewritten += l + "\n";
    rewritten += b.cmd + "\n----\n" + got + "\n\n";
  }
  for (const auto& l : trailer) rewritten += l + "\n";
  if (rewrite) {
    while (rewritten.size() >= 2 && rewritten.substr(rewritten.size() - 2) == "\n\n") rewritten.pop_back();
    std::ofstream(file) << rewritten;
  }
}

const std::filesystem::path kDir = std::filesystem::path(__FILE__).parent_path() / "raft";

}  // namespace

TEST_CASE("raft transcripts") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(kDir))
    if (e.path().extension() == ".txt") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() > 0);
  for (const auto& f : files) {
    CAPTURE(f.filename().string());
    run_transcript(f);
  }
}

namespace {

// One randomized run: `steps` random actions (ticks, deliveries, drops,
// duplicates, reordering, partitions, crashes/restarts with a lagging state
// machine, compaction, proposals, membership changes), invariants checked by
// the simulator throughout; then all faults stop and a proposal must commit
// on every member within a bounded number of rounds (liveness).
void random_run(uint64_t seed, int steps) {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t n) { return n ? rng() % n : 0; };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  sim s;
  s.print_transitions = false;
  const uint32_t members = seed % 2 ? 5 : 3;
  config cfg;
  cfg.election_ticks = 5 + static_cast<uint32_t>(pick(6));
  cfg.heartbeat_ticks = 1 + static_cast<uint32_t>(pick(2));
  cfg.pre_vote = chance(0.7);
  cfg.check_quorum = chance(0.7);
  cfg.max_entries_per_msg = 1 + pick(4);
  cfg.max_inflight_msgs = 1 + pick(4);
  cfg.seed = seed;
  membership m;
  for (node_id id = 1; id <= members; ++id) m.members.push_back(sim::mk_member(id));
  for (node_id id = 1; id <= members; ++id) s.create(id, cfg, raft_core::bootstrap(m));
  const node_id spare = members + 1;
  s.create(spare, cfg, persisted{});
  auto all = s.ids();
  auto random_node = [&] { return all[pick(all.size())]; };
  int proposals = 0;
  auto leader_of = [&]() -> sim_node* {
    sim_node* best = nullptr;
    for (auto id : all) {
      sim_node& n = s.node(id);
      if (n.up && n.core->get_role() == role::leader && (!best || n.core->term() > best->core->term())) best = &n;
    }
    return best;
  };
  for (int step = 0; step < steps; ++step) {
    uint64_t r = pick(100);
    auto& q = s.queue();
    if (r < 30) {
      if (chance(0.5)) {
        for (auto id : all) s.tick(id);
      } else {
        s.tick(random_node());
      }
    } else if (r < 62) {
      for (uint64_t k = 1 + pick(6); k > 0 && !q.empty(); --k) {
        if (chance(0.08)) {
          q.pop_front();
        } else if (chance(0.03)) {
          q.push_back(q.front());  // duplicate
          s.deliver(false, 1);
        } else if (chance(0.05) && q.size() > 1) {
          std::swap(q[0], q[1 + pick(q.size() - 1)]);  // reorder
          s.deliver(false, 1);
        } else {
          s.deliver(false, 1);
        }
      }
    } else if (r < 74) {
      node_id id = random_node();
      sim_node& n = s.node(id);
      if (n.up) {
        std::string d = "p" + std::to_string(++proposals);
        n.core->propose(std::vector<uint8_t>(d.begin(), d.end()));
        s.process(id);
      }
    } else if (r < 77) {
      std::vector<std::vector<node_id>> groups(2);
      for (auto id : all) groups[pick(2)].push_back(id);
      s.partition(groups);
    } else if (r < 82) {
      s.heal();
    } else if (r < 85) {
      node_id id = random_node();
      if (s.node(id).up) s.crash(id);
    } else if (r < 91) {
      node_id id = random_node();
      sim_node& n = s.node(id);
      if (!n.up) s.restart(id, n.snap.index + pick(n.applied_index - n.snap.index + 1));
    } else if (r < 95) {
      node_id id = random_node();
      sim_node& n = s.node(id);
      if (n.up && n.applied_index > n.snap.index) s.compact(id, n.snap.index + 1 + pick(n.applied_index - n.snap.index));
    } else if (r < 97) {
      if (sim_node* l = leader_of()) {
        membership next = l->core->members();
        if (!next.contains(spare) && chance(0.5)) {
          next.members.push_back(sim::mk_member(spare));
        } else if (next.members.size() > 2) {
          next.members.erase(next.members.begin() + static_cast<ptrdiff_t>(pick(next.members.size())));
        }
        next.normalize();
        l->core->propose_config(next);
        s.process(l->cfg.id);
      }
    } else {
      // let time pass with a working network for a while
      for (int k = 0; k < 3; ++k) {
        for (auto id : all) s.tick(id);
        s.deliver(false, 200);
      }
    }
    s.check_all();
  }
  // Liveness: no more faults.
  s.heal();
  for (auto id : all)
    if (!s.node(id).up) s.restart(id, std::nullopt);
  std::optional<uint64_t> final_index;
  node_id final_leader = 0;
  for (int round = 0; round < 400; ++round) {
    for (auto id : all) s.tick(id);
    s.deliver(false);
    sim_node* l = leader_of();
    if (!l) continue;
    if (!final_index || l->cfg.id != final_leader) {
      std::string d = "final";
      final_index = l->core->propose(std::vector<uint8_t>(d.begin(), d.end()));
      final_leader = l->cfg.id;
      s.process(l->cfg.id);
      if (!final_index) continue;
    }
    bool done = true;
    for (const auto& mb : l->core->members().members)
      done = done && s.node(mb.id).applied_index >= *final_index;
    if (done) {
      if (std::getenv("RAFT_STATS"))
        std::printf("seed %llu: leader %u term %llu commit %llu first %llu members %s\n",
                    static_cast<unsigned long long>(seed), l->cfg.id, static_cast<unsigned long long>(l->core->term()),
                    static_cast<unsigned long long>(l->core->commit_index()),
                    static_cast<unsigned long long>(l->core->first_index()), fmt_ids(l->core->members()).c_str());
      return;
    }
  }
  std::ostringstream st;
  for (auto id : all) {
    sim_node& n = s.node(id);
    const raft_core& c = *n.core;
    st << "\n" << id << ": " << to_string(c.get_role()) << " t" << c.term() << " lead " << c.leader() << " commit "
       << c.commit_index() << " applied " << n.applied_index << " last " << c.last_index() << "/" << c.last_term()
       << " first " << c.first_index() << " vote " << c.vote() << " members " << fmt_ids(c.members());
    for (const auto& p : c.peers())
      st << "\n   " << p.id << ": " << to_string(p.state) << " match " << p.match << " next " << p.next;
  }
  fail("no progress after the faults stopped" + st.str());
}

}  // namespace

TEST_CASE("raft randomized: safety under faults, liveness after them") {
  const char* env = std::getenv("RAFT_SEEDS");
  uint64_t seeds = env ? std::strtoull(env, nullptr, 10) : 1000;
  const char* from = std::getenv("RAFT_SEED_FROM");
  for (uint64_t seed = from ? std::strtoull(from, nullptr, 10) : 0; seed < seeds; ++seed) {
    try {
      random_run(seed, 500);
    } catch (const std::exception& e) {
      FAIL_CHECK("seed " << seed << ": " << std::string(e.what()));
      return;
    }
  }
}
