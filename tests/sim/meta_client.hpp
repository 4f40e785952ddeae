// meta_client.hpp — the simulator's metadata churn workload (issue 5:
// "metadata churn (create/rename/unlink)"). Each meta client owns one
// directory ("/m1", "/m2", ...) that no one else touches, and speaks the
// client -> MDS namespace protocol (ClientToMdsFileOp: mkdir, create,
// unlink, rmdir, rename, lookup, readdir) with one request in flight.
//
// It keeps a model of its directory as acknowledged by the MDS
// (namespace-acked-visible): every answer the MDS gives must agree with it.
//  - An operation the model predicts to succeed must succeed, and one it
//    predicts to fail (EEXIST, ENOENT, ENOTEMPTY, EISDIR, ENOTDIR, EINVAL)
//    must fail with that errno: an MDS that lost an acknowledged create
//    answers ENOENT where EEXIST was due.
//  - lookup and readdir of paths the model is sure of must show exactly the
//    model's entries (type and inode number).
//  - An operation whose answer never came (lost, timeout, the MDS died) is
//    "uncertain": it may have applied or not. Its paths (and everything
//    below them) are frozen, never touched or judged, until it is decided:
//    once the MDS incarnation it was sent to is dead, or 30 s later (any
//    delayed copy has arrived or is gone by then), a lookup of its first
//    path tells which; the model takes that outcome.
//  - At the end the harness compares the MDS's store with every model
//    (check_namespace_final): deciding the open uncertain operations from
//    the store, then requiring the subtree to match exactly.
// MDS restarts keep the store: an acknowledged change must survive them.
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/sim/invariants.hpp"
#include "tests/sim/model.hpp"
#include "tests/sim/rng.hpp"

namespace pstorage::persistence {
class md_store;
}

namespace pstorage::sim {

struct ns_entry {
  bool dir = false;
  uint64_t ino = 0;
  bool operator==(const ns_entry&) const = default;
};

struct ns_op {
  enum kind_t { create, mkdir, unlink, rmdir, rename } kind = create;
  std::string a, b;     // the path; rename: from a to b
  uint64_t ino = 0;     // unlink / rmdir / rename: the inode acted on
  bool dir = false;     // create / mkdir: what is made
  int mds_inc = 0;      // the MDS incarnation the request was sent to
  int64_t sent_ms = 0;
  std::string describe() const;
};

// The namespace below one client's root as the MDS acknowledged it (pure).
struct ns_model {
  std::string root;                         // "/m1"
  std::map<std::string, ns_entry> entries;  // root included once created
  std::vector<ns_op> uncertain;             // answers lost: applied or not
  uint64_t acked = 0, refused_as_predicted = 0, decided_applied = 0, decided_not_applied = 0;

  // p is at or below a path of an undecided operation: its state is unknown.
  bool frozen(const std::string& p) const;
  // frozen, or an undecided operation's path lies below p: p may not be
  // renamed, removed or replaced (its subtree is not known for sure).
  bool encloses_uncertain(const std::string& p) const;
  std::optional<ns_entry> get(const std::string& p) const;
  std::vector<std::string> children(const std::string& dir) const;  // full paths
  // The errno the MDS must answer for `op` on this model (0: success).
  int predict(const ns_op& op) const;
  // The model after `op` succeeded (`ino`: the new inode of create/mkdir).
  void apply(const ns_op& op, uint64_t ino);
};

struct meta_env {
  model* m = nullptr;  // violations go to m->raised
  rng* r = nullptr;
  std::vector<ns_model>* models = nullptr;
  std::function<void(const std::string&)> note, count;
  std::function<caf::actor(size_t client)> mds;  // link to the MDS, null if down
  // A run-unique id of the MDS incarnation client k's requests go to now, and
  // whether an incarnation still runs (an uncertain request is decided once
  // the incarnation it was sent to is dead: its mailbox is gone).
  std::function<int(size_t client)> mds_incarnation;
  std::function<bool(int incarnation)> incarnation_alive;
  std::function<int64_t()> now_ms;
  std::function<bool()> stopping;  // no new operations
  std::string cluster, digest;
};

// `client`: the client number for links and names ("client<N+1>"); `index`:
// its model in env->models.
caf::actor spawn_meta_client(caf::actor_system& sys, meta_env* env, size_t client, size_t index);

// Final: decides the open uncertain operations from the store, then compares
// the store's subtree below the model's root with the model.
std::optional<violation> check_namespace_final(ns_model& model, const persistence::md_store& store);

}  // namespace pstorage::sim
