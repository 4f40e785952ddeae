#include "tests/sim/meta_client.hpp"

#include <caf/all.hpp>

#include <cerrno>
#include <memory>
#include <set>

#include "actors/common/atoms.hpp"
#include "actors/mds/md_validate.hpp"
#include "actors/mds/mds_api.hpp"
#include "persistence/md_store.hpp"
#include "protocol/common.capnp.h"
#include "protocol/messages.hpp"

namespace pstorage::sim {
namespace p = proto;
using ms = std::chrono::milliseconds;

namespace {
constexpr ms mds_timeout{5000};
// An uncertain request still in the network or a hung MDS's mailbox has
// arrived or is gone after this long (delays, clogs and hangs are shorter).
constexpr int64_t decide_after_ms = 30000;
constexpr size_t max_entries = 40;  // per client: keeps readdir answers small

bool under(const std::string& prefix, const std::string& p) {
  return p == prefix || (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 && p[prefix.size()] == '/');
}
std::string parent_of(const std::string& p) { return p.substr(0, p.rfind('/')); }
std::string errno_name(int e) {
  switch (e) {
    case 0: return "success";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
  }
  return "errno " + std::to_string(e);
}
// Answers that state a fact about the namespace (as opposed to "cannot now").
bool namespace_errno(int e) {
  return e == ENOENT || e == EEXIST || e == ENOTEMPTY || e == ENOTDIR || e == EISDIR || e == EINVAL;
}
std::string show(const std::optional<ns_entry>& e) {
  if (!e) return "absent";
  return std::string(e->dir ? "dir" : "file") + " #" + std::to_string(e->ino);
}
}  // namespace

// ---- the model (pure) ----------------------------------------------------------------

std::string ns_op::describe() const {
  static const char* names[] = {"create", "mkdir", "unlink", "rmdir", "rename"};
  std::string s = std::string(names[kind]) + " " + a;
  if (kind == rename) s += " -> " + b;
  return s;
}

bool ns_model::frozen(const std::string& p) const {
  for (auto& u : uncertain)
    if (under(u.a, p) || (u.kind == ns_op::rename && under(u.b, p))) return true;
  return false;
}

bool ns_model::encloses_uncertain(const std::string& p) const {
  for (auto& u : uncertain)
    if (under(p, u.a) || under(u.a, p) || (u.kind == ns_op::rename && (under(p, u.b) || under(u.b, p)))) return true;
  return false;
}

std::optional<ns_entry> ns_model::get(const std::string& p) const {
  auto it = entries.find(p);
  if (it == entries.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ns_model::children(const std::string& dir) const {
  std::vector<std::string> out;
  for (auto it = entries.upper_bound(dir + "/"); it != entries.end() && under(dir, it->first); ++it)
    if (parent_of(it->first) == dir) out.push_back(it->first);
  return out;
}

int ns_model::predict(const ns_op& op) const {
  auto a = get(op.a);
  switch (op.kind) {
    case ns_op::create:
    case ns_op::mkdir: return a ? EEXIST : 0;
    case ns_op::unlink: return !a ? ENOENT : a->dir ? EISDIR : 0;
    case ns_op::rmdir: return !a ? ENOENT : !a->dir ? ENOTDIR : !children(op.a).empty() ? ENOTEMPTY : 0;
    case ns_op::rename: {
      if (!a) return ENOENT;
      if (a->dir && under(op.a, op.b) && op.a != op.b) return EINVAL;
      auto b = get(op.b);
      if (!b || b->ino == a->ino) return 0;
      if (b->dir && !a->dir) return EISDIR;
      if (!b->dir && a->dir) return ENOTDIR;
      if (b->dir && !children(op.b).empty()) return ENOTEMPTY;
      return 0;
    }
  }
  return 0;
}

void ns_model::apply(const ns_op& op, uint64_t ino) {
  switch (op.kind) {
    case ns_op::create:
    case ns_op::mkdir: entries[op.a] = ns_entry{op.kind == ns_op::mkdir, ino}; return;
    case ns_op::unlink:
    case ns_op::rmdir: entries.erase(op.a); return;
    case ns_op::rename: {
      if (op.a == op.b) return;
      entries.erase(op.b);  // a replaced file or empty directory
      std::vector<std::pair<std::string, ns_entry>> moved;
      for (auto it = entries.lower_bound(op.a); it != entries.end() && under(op.a, it->first);)
        if (it->first == op.a || it->first[op.a.size()] == '/') {
          moved.emplace_back(op.b + it->first.substr(op.a.size()), it->second);
          it = entries.erase(it);
        } else {
          ++it;
        }
      for (auto& [path, e] : moved) entries[path] = e;
      return;
    }
  }
}

// ---- the client actor ----------------------------------------------------------------

namespace {

struct meta_client {
  caf::event_based_actor* self;
  meta_env* env;
  size_t k, index;
  std::string who;
  bool busy = false;
  uint64_t next_name = 0;

  ns_model& mdl() { return (*env->models)[index]; }

  void raise(const std::string& what) {
    env->m->raised.push_back({"namespace-acked-visible", who + " (" + mdl().root + "): " + what});
  }

  template <class Fill, class OnAnswer>
  void request(Fill fill, OnAnswer on_answer, std::function<void()> on_lost) {
    auto link = env->mds(k);
    if (!link) return;
    busy = true;
    auto req = wire::make<p::ClientToMdsFileOp>([&](p::ClientToMdsFileOp::Builder b) {
      auto c = b.initCredentials();
      c.setCluster(env->cluster);
      c.setDigest(kj::arrayPtr(reinterpret_cast<const kj::byte*>(env->digest.data()), env->digest.size()));
      b.setClientId(who);
      fill(b.getOp());
    });
    self->request(caf::actor_cast<mds_api>(link), mds_timeout, std::move(req))
        .then(
            [this, on_answer, on_lost](msg::mds_to_client_file_op& r) {
              busy = false;
              auto a = wire::decode(r);
              if (!a) return on_lost();
              on_answer(*a);
            },
            [this, on_lost](caf::error&) {
              busy = false;
              on_lost();
            });
  }

  void tick() {
    if (busy || !env->mds(k)) return;
    auto& m = mdl();
    if (!m.entries.count(m.root)) return make_root();
    for (size_t i = 0; i < m.uncertain.size(); ++i) {
      auto& u = m.uncertain[i];
      if (!env->incarnation_alive(u.mds_inc) || env->now_ms() - u.sent_ms >= decide_after_ms) return decide(i);
    }
    auto pick = env->r->below(100);
    if (pick < 20) return check_lookup();
    if (pick < 30) return check_readdir();
    if (env->stopping()) return;
    mutate();
  }

  // The client's own directory; EEXIST: an earlier mkdir whose answer was lost.
  void make_root() {
    auto root = mdl().root;
    request([&](auto op) {
      auto pm = op.initMkdir();
      pm.setPath(root);
      pm.setMode(0755);
    },
            [this, root](const p::MdsToClientFileOp::Reader& a) {
              if (a.getStatus().getCode() == p::STATUS_OK) {
                mdl().entries[root] = ns_entry{true, a.getAttr().getIno()};
                env->note(who + " mkdir " + root + " acked (#" + std::to_string(a.getAttr().getIno()) + ")");
              } else if (a.getStatus().getPosixError() == EEXIST) {
                request([&](auto op) { op.setLookup(root); },
                        [this, root](const p::MdsToClientFileOp::Reader& l) {
                          if (l.getStatus().getCode() == p::STATUS_OK && l.getAttr().getIsDir())
                            mdl().entries[root] = ns_entry{true, l.getAttr().getIno()};
                        },
                        [] {});
              }
            },
            [] {});
  }

  // Paths the client may act on or judge: certain, not frozen.
  std::vector<std::string> certain(bool dirs, bool files, bool with_root) {
    std::vector<std::string> out;
    auto& m = mdl();
    for (auto& [path, e] : m.entries) {
      if ((e.dir && !dirs) || (!e.dir && !files) || (!with_root && path == m.root) || m.frozen(path)) continue;
      out.push_back(path);
    }
    return out;
  }
  template <class V>
  const std::string& any(const V& v) {
    return v[env->r->below(v.size())];
  }

  void mutate() {
    auto& m = mdl();
    auto dirs = certain(true, false, true);
    auto nodes = certain(true, true, false);
    auto files = certain(false, true, false);
    ns_op op;
    auto pick = env->r->below(100);
    bool grow = m.entries.size() < max_entries;
    if (pick < 30 && grow) {
      op.kind = env->r->below(3) == 0 ? ns_op::mkdir : ns_op::create;
      // now and then an existing name: EEXIST is due
      if (!nodes.empty() && env->r->below(8) == 0) op.a = any(nodes);
      else op.a = any(dirs) + "/" + (op.kind == ns_op::mkdir ? "d" : "f") + std::to_string(++next_name);
    } else if (pick < 50 && !files.empty()) {
      op.kind = ns_op::unlink;
      op.a = env->r->below(10) == 0 ? any(dirs) + "/gone" + std::to_string(++next_name) : any(files);
    } else if (pick < 60) {
      auto sub = certain(true, false, false);
      if (sub.empty()) return;
      op.kind = ns_op::rmdir;
      op.a = any(sub);
    } else {
      if (nodes.empty()) return;
      op.kind = ns_op::rename;
      op.a = any(nodes);
      // to a new name, or onto an existing entry (replace, or a refusal)
      auto to = certain(true, true, false);
      if (!to.empty() && env->r->below(4) == 0) op.b = any(to);
      else op.b = any(dirs) + "/" + (m.get(op.a)->dir ? "d" : "f") + std::to_string(++next_name);
      if (m.encloses_uncertain(op.b) || m.frozen(parent_of(op.b))) return;
    }
    if (m.encloses_uncertain(op.a) || m.frozen(parent_of(op.a))) return;
    if (auto e = m.get(op.a)) op.ino = e->ino;
    op.dir = op.kind == ns_op::mkdir;
    op.mds_inc = env->mds_incarnation(k);
    op.sent_ms = env->now_ms();
    int due = m.predict(op);
    env->count("meta.op." + std::string(due ? "refusal-due" : "success-due"));
    request(
        [&](auto b) {
          switch (op.kind) {
            case ns_op::create:
            case ns_op::mkdir: {
              auto pm = op.kind == ns_op::mkdir ? b.initMkdir() : b.initCreate();
              pm.setPath(op.a);
              pm.setMode(op.kind == ns_op::mkdir ? 0755 : 0644);
              break;
            }
            case ns_op::unlink: b.setUnlink(op.a); break;
            case ns_op::rmdir: b.setRmdir(op.a); break;
            case ns_op::rename: {
              auto rn = b.initRename();
              rn.setFrom(op.a);
              rn.setTo(op.b);
              break;
            }
          }
        },
        [this, op, due](const p::MdsToClientFileOp::Reader& a) { answered(op, due, a); },
        [this, op, due] {
          if (due) return env->count("meta.op.lost-refusal");  // nothing changes either way
          env->count("meta.op.uncertain");
          env->note(who + " " + op.describe() + ": answer lost, uncertain");
          mdl().uncertain.push_back(op);
        });
  }

  void answered(const ns_op& op, int due, const p::MdsToClientFileOp::Reader& a) {
    auto& m = mdl();
    bool ok = a.getStatus().getCode() == p::STATUS_OK;
    int err = ok ? 0 : static_cast<int>(a.getStatus().getPosixError());
    if (!ok && !namespace_errno(err)) {  // "cannot now": nothing applied
      env->count("meta.op.refused-other");
      return;
    }
    if (err != due)
      return raise(op.describe() + " was answered " + errno_name(err) + ", the acknowledged namespace makes it " +
                   errno_name(due) + " (" + op.a + " is " + show(m.get(op.a)) +
                   (op.kind == ns_op::rename ? ", " + op.b + " is " + show(m.get(op.b)) : std::string()) + ")" +
                   (ok ? "" : std::string(": ") + a.getStatus().getMessage().cStr()));
    if (!ok) {
      ++m.refused_as_predicted;
      env->count("meta.op.refused-as-due");
      return;
    }
    uint64_t ino = a.hasAttr() ? a.getAttr().getIno() : 0;
    if (op.kind == ns_op::rename && ino != op.ino)
      return raise(op.describe() + " was acknowledged for inode #" + std::to_string(ino) + ", the model has #" +
                   std::to_string(op.ino));
    m.apply(op, ino);
    ++m.acked;
    env->count("meta.op.acked");
    env->note(who + " " + op.describe() + " acked" + (op.kind <= ns_op::mkdir ? " (#" + std::to_string(ino) + ")" : ""));
  }

  // An uncertain operation: a lookup of its first path tells whether it applied.
  void decide(size_t i) {
    auto op = mdl().uncertain[i];
    request([&](auto b) { b.setLookup(op.a); },
            [this, op](const p::MdsToClientFileOp::Reader& a) {
              bool ok = a.getStatus().getCode() == p::STATUS_OK;
              int err = ok ? 0 : static_cast<int>(a.getStatus().getPosixError());
              if (!ok && err != ENOENT) return env->count("meta.decide.refused-other");
              std::optional<ns_entry> seen;
              if (ok) seen = ns_entry{a.getAttr().getIsDir(), a.getAttr().getIno()};
              finish_decision(op, seen);
            },
            [] {});
  }
  void finish_decision(const ns_op& op, const std::optional<ns_entry>& seen) {
    auto& m = mdl();
    auto why = decide_op(m, op, seen);
    if (!why.empty()) return raise(why);
    env->count("meta.decided");
    env->note(who + " " + op.describe() + " decided: " + show(seen) + " at " + op.a);
  }

  void check_lookup() {
    auto all = certain(true, true, true);
    if (all.empty()) return;
    std::string path = any(all);
    if (env->r->below(5) == 0) {  // a name that must not exist
      auto dirs = certain(true, false, true);
      path = any(dirs) + "/none" + std::to_string(env->r->below(1000000));
    }
    auto want = mdl().get(path);
    env->count("meta.check.lookup");
    request([&](auto b) { b.setLookup(path); },
            [this, path, want](const p::MdsToClientFileOp::Reader& a) {
              auto& m = mdl();
              if (m.frozen(path) || m.get(path) != want) return;  // changed meanwhile (a decision)
              bool ok = a.getStatus().getCode() == p::STATUS_OK;
              int err = ok ? 0 : static_cast<int>(a.getStatus().getPosixError());
              if (!ok && err != ENOENT) return env->count("meta.check.refused-other");
              std::optional<ns_entry> seen;
              if (ok) seen = ns_entry{a.getAttr().getIsDir(), a.getAttr().getIno()};
              if (seen != want) raise("lookup " + path + " shows " + show(seen) + ", acknowledged: " + show(want));
            },
            [] {});
  }

  void check_readdir() {
    auto dirs = certain(true, false, true);
    if (dirs.empty()) return;
    auto dir = any(dirs);
    env->count("meta.check.readdir");
    request([&](auto b) { b.setReaddir(dir); },
            [this, dir](const p::MdsToClientFileOp::Reader& a) {
              auto& m = mdl();
              if (m.frozen(dir) || !m.get(dir)) return;
              if (a.getStatus().getCode() != p::STATUS_OK) {
                if (a.getStatus().getPosixError() == ENOENT || a.getStatus().getPosixError() == ENOTDIR)
                  raise("readdir " + dir + " fails with " + errno_name(static_cast<int>(a.getStatus().getPosixError())) +
                        ", acknowledged: " + show(m.get(dir)));
                return;
              }
              std::set<std::string> listed;
              for (auto e : a.getEntries()) {
                std::string path = dir + "/" + e.getName().cStr();
                listed.insert(path);
                if (m.frozen(path)) continue;
                ns_entry seen{e.getIsDir(), e.getIno()};
                auto want = m.get(path);
                if (!want || *want != seen)
                  return raise("readdir " + dir + " lists " + path + " as " + show(seen) + ", acknowledged: " + show(want));
              }
              for (auto& c : m.children(dir))
                if (!listed.count(c) && !m.frozen(c))
                  return raise("readdir " + dir + " misses " + c + ", acknowledged: " + show(m.get(c)));
            },
            [] {});
  }

 public:
  // The outcome of an uncertain op given what its first path shows now;
  // "" or a violation. Updates the model.
  static std::string decide_op(ns_model& m, const ns_op& op, const std::optional<ns_entry>& seen) {
    auto it = std::find_if(m.uncertain.begin(), m.uncertain.end(),
                           [&](const ns_op& u) { return u.a == op.a && u.b == op.b && u.sent_ms == op.sent_ms; });
    if (it == m.uncertain.end()) return "";
    m.uncertain.erase(it);
    bool applied = false;
    switch (op.kind) {
      case ns_op::create:
      case ns_op::mkdir:
        if (seen && seen->dir == op.dir) applied = true;
        else if (seen) return "after " + op.describe() + " (answer lost) " + op.a + " is " + show(seen);
        break;
      case ns_op::unlink:
      case ns_op::rmdir:
      case ns_op::rename:
        if (!seen) applied = true;
        else if (seen->ino != op.ino)
          return "after " + op.describe() + " (answer lost) " + op.a + " is " + show(seen) + ", it was #" +
                 std::to_string(op.ino);
        break;
    }
    if (applied) {
      m.apply(op, seen ? seen->ino : 0);
      ++m.decided_applied;
    } else {
      ++m.decided_not_applied;
    }
    return "";
  }
};

}  // namespace

caf::actor spawn_meta_client(caf::actor_system& sys, meta_env* env, size_t client, size_t index) {
  return sys.spawn([env, client, index](caf::event_based_actor* self) -> caf::behavior {
    auto c = std::make_shared<meta_client>();
    c->self = self;
    c->env = env;
    c->k = client;
    c->index = index;
    c->who = "client" + std::to_string(client + 1);
    self->delayed_send(self, ms(env->r->between(100, 1000)), tick_atom::value);
    return {[c, self](tick_atom) {
      c->tick();
      self->delayed_send(self, ms(c->env->r->between(10, 150)), tick_atom::value);
    }};
  });
}

std::optional<violation> check_namespace_final(ns_model& m, const persistence::md_store& store) {
  auto root = mds::resolve_path(store, m.root);
  auto where = [&](const std::string& what) { return violation{"namespace-acked-visible", m.root + " (final, the MDS's store): " + what}; };
  if (!m.entries.count(m.root)) return std::nullopt;  // never created for sure
  if (!root) return where(m.root + " is gone");
  auto look = [&](const std::string& path) -> std::optional<ns_entry> {
    auto r = mds::resolve_path(store, path);
    if (!r) return std::nullopt;
    auto a = store.getattr(r.value());
    if (!a) return std::nullopt;
    return ns_entry{a->is_dir(), a->ino};
  };
  while (!m.uncertain.empty()) {
    auto op = m.uncertain.front();
    auto why = meta_client::decide_op(m, op, look(op.a));
    if (!why.empty()) return where(why);
  }
  // Walk the store's subtree and compare both ways.
  std::map<std::string, ns_entry> seen;
  std::vector<std::pair<std::string, uint64_t>> todo{{m.root, root.value()}};
  seen[m.root] = ns_entry{true, root.value()};
  while (!todo.empty()) {
    auto [path, ino] = todo.back();
    todo.pop_back();
    for (auto& e : store.readdir(ino)) {
      auto child = path + "/" + e.name;
      seen[child] = ns_entry{e.type == mds::inode_type::dir, e.ino};
      if (e.type == mds::inode_type::dir) todo.push_back({child, e.ino});
    }
  }
  for (auto& [path, e] : m.entries) {
    auto it = seen.find(path);
    if (it == seen.end() || it->second != e)
      return where(path + " is " + show(it == seen.end() ? std::nullopt : std::optional<ns_entry>(it->second)) +
                   ", acknowledged: " + show(e));
  }
  for (auto& [path, e] : seen)
    if (!m.entries.count(path)) return where(path + " is " + show(e) + ", which no acknowledged operation made");
  return std::nullopt;
}

}  // namespace pstorage::sim
