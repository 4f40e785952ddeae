// sim_bugs.hpp — deliberately broken variants, compiled ONLY into the
// deterministic simulator (tests/sim, issue "Deterministic failure
// simulation", acceptance: "Deliberately broken variants ... --list-bugs ...
// --bug NAME"). They prove that the simulator's invariants can fail.
//
// Use at an injection point:
//
//     if (PSTORAGE_SIM_BUG(mds_ignore_disconnect)) return;   // sim-only bug
//
// - Production builds (no -DPSTORAGE_SIM_BUGS): PSTORAGE_SIM_BUG(x) is the
//   constant `false` (the name is still checked at compile time, so a typo is
//   an error), and the dead branch is removed by the compiler. No switch
//   table, no symbol, nothing at run time.
// - The simulator compiles its own copy of the actor sources with
//   -DPSTORAGE_SIM_BUGS (tests/sim/CMakeLists.txt): PSTORAGE_SIM_BUG(x) reads
//   a switch table that `pstorage-sim --bug NAME` sets, and counts how often
//   the injection point was consulted (so the runner can tell a bug whose
//   injection point is not in the code yet).
//
// Adding a bug: one X(...) line below (identifier, where it lives, what it
// breaks, the invariant expected to catch it), then the one-line `if` at the
// injection point. The CLI spells identifiers with '-' instead of '_'.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

// X(id, where, what, invariant)
#define PSTORAGE_SIM_BUG_LIST(X)                                                                         \
  /* --- seams owned by the simulator harness (tests/sim) --------------------------------------- */   \
  X(net_replay_after_close, "tests/sim (network seam)",                                                 \
    "a CS->MDS link keeps delivering the CS's heartbeats after the CS process died (TCP never does)",   \
    "cs-crash-noticed")                                                                                \
  X(cs_repo_not_durable, "tests/sim (disk seam)",                                                       \
    "a restarted CS gets an empty repository: its CS id was not made durable", "cs-id-stable")          \
  X(mds_store_not_durable, "tests/sim (disk seam)",                                                     \
    "a restarted MDS gets an empty store: CS ids handed out before are forgotten", "cs-no-fatal")       \
  X(locator_stale_mds, "tests/sim (peer seam)",                                                         \
    "the MDS locator keeps handing out the handle of the MDS's first incarnation", "cs-converges-active") \
  X(cs_version_not_durable, "tests/sim (disk seam)",                                                    \
    "a CS's version changes are not made durable: a restarted CS finds each bumped replica one "        \
    "version back", "chunk-versions-monotone")                                                          \
  X(client_link_address_reused, "tests/sim (network seam)",                                             \
    "a client's connection to a restarted CS reaches another CS (its old address, now another's)",      \
    "cs-identity")                                                                                      \
  /* --- production actors: injection points requested, see docs/simulator.md ------------------- */  \
  X(mds_ignore_disconnect, "actors/mds/mds_actor.cpp (down handler)",                                   \
    "the MDS ignores a lost CS connection", "cs-crash-noticed")                                          \
  X(mds_reuse_cs_id, "actors/mds/mds_actor.cpp (handle_register, new_cs)",                              \
    "a new CS is given the id of an existing one", "cs-id-unique")                                       \
  X(cs_stop_heartbeat_on_error, "actors/cs/cs_actor.cpp (heartbeat error handler)",                     \
    "a CS stops heartbeating after one failed heartbeat", "cs-converges-active")                         \
  X(ack_before_last_replica, "actors/cs/cs_actor.cpp (handle_write)",                                   \
    "the head of a write chain acknowledges without forwarding: downstream replicas miss the write",     \
    "read-latest")                                                                             \
  X(confirm_stale_replica, "actors/mds/mds_version_rounds.cpp (round_step)",                           \
    "a version round also moves replicas that missed writes (recorded below the write floor) forward",   \
    "acked-write-durable")                                                                             \
  X(read_from_stale_replica, "actors/cs/cs_actor.cpp (handle_read)",                                    \
    "a CS serves a read from its replica although its version differs from the one asked", "read-latest") \
  X(place_same_failure_domain, "actors/mds/placement.cpp (draw)",                                       \
    "placement ignores failure-domain occupancy: two replicas of a chunk may share a host",             \
    "replica-domains-distinct")                                                                        \
  X(write_below_min, "actors/mds/mds_files_actor.cpp (availability)",                                   \
    "write maps are handed out for chunks with fewer live replicas than MIN (blocked chunks)",          \
    "no-write-on-blocked-chunk")                                                                       \
  X(confirm_before_maps_expire, "actors/mds/mds_version_rounds.cpp (confirm_when_maps_expired)",        \
    "a round leaving a replica out is confirmed while readers may still use maps listing it",          \
    "read-latest")                                                                                     \
  X(mds_ack_before_commit, "actors/mds/mds_files_actor.cpp (commit)",                                   \
    "renames and unlinks are acknowledged at once and written to the store only at the next tick "      \
    "(a restart in between loses them)",                                                                \
    "namespace-acked-visible")                                                                         \
  X(rm_cs_drop_early, "actors/mds/mds_admin_actor.cpp (handle_rm_cs, release)",                         \
    "rm-cs drops the CS at once instead of after its replicas were moved", "rm-cs-evacuated")            \
  X(orphan_sweep_spin, "actors/mds/mds_sessions_actor.cpp (session_tick)",                               \
    "the orphan sweep re-arms itself with no delay instead of at the next tick (a retry loop without "  \
    "backoff): the MDS spins at one virtual instant", "progress")                                      \
  /* --- the consensus core and election actor (several MDSs: tests/sim/mds_cluster.hpp) ------- */  \
  X(raft_commit_without_majority, "actors/election/raft_leader.cpp (maybe_commit)",                      \
    "the master advances the commit index to its own last entry, without a majority's match index",     \
    "journal-prefix-agree")                                                                            \
  X(raft_vote_twice, "actors/election/raft_core.cpp (handle_vote_request)",                             \
    "an MDS grants its vote to a second candidate in an epoch it already voted in", "one-master-per-epoch") \
  X(raft_apply_before_persist, "actors/election/election_actor.cpp (flush)",                            \
    "the election actor hands every entry in its journal to the MDS to apply, before a majority persisted " \
    "(committed) it: an MDS applies entries that a new master later overwrites",             \
    "namespace-acked-visible|md-converges")

namespace pstorage::sim_bugs {

enum class bug : uint8_t {
#define PSTORAGE_SIM_BUG_ENUM_(id, where, what, inv) id,
  PSTORAGE_SIM_BUG_LIST(PSTORAGE_SIM_BUG_ENUM_)
#undef PSTORAGE_SIM_BUG_ENUM_
      count_
};

inline constexpr std::size_t bug_count = static_cast<std::size_t>(bug::count_);

struct bug_info {
  bug id;
  const char* name;       // identifier spelling ("_"); the CLI uses "-"
  const char* where;      // file (and function) of the injection point
  const char* what;       // what the broken variant does
  const char* invariant;  // the simulator invariant expected to catch it
};

inline constexpr std::array<bug_info, bug_count> catalog = {{
#define PSTORAGE_SIM_BUG_INFO_(id, where, what, inv) {bug::id, #id, where, what, inv},
    PSTORAGE_SIM_BUG_LIST(PSTORAGE_SIM_BUG_INFO_)
#undef PSTORAGE_SIM_BUG_INFO_
}};

#ifdef PSTORAGE_SIM_BUGS
// The switch table (one process runs one simulation at a time; the actors of
// a simulated cluster all run on the test coordinator's single thread).
struct table {
  std::array<bool, bug_count> on{};
  std::array<uint64_t, bug_count> consulted{};
};
inline table& switches() {
  static table t;
  return t;
}
inline bool enabled(bug b) {
  auto i = static_cast<std::size_t>(b);
  ++switches().consulted[i];
  return switches().on[i];
}
#define PSTORAGE_SIM_BUG(name) (::pstorage::sim_bugs::enabled(::pstorage::sim_bugs::bug::name))
#else
#define PSTORAGE_SIM_BUG(name) (static_cast<void>(::pstorage::sim_bugs::bug::name), false)
#endif

}  // namespace pstorage::sim_bugs
