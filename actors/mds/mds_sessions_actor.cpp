// mds_sessions_actor.cpp — client sessions and the purge of orphans on the
// master (issue 15 "Resource hygiene"; decisions in client_sessions.hpp,
// docs/operations.md "Client sessions and orphans"). A mount killed with -9
// never releases its handles: after the session timeout its handles and
// write leases are dropped and an orphan (a file unlinked while open) that
// nobody else has open is purged — journaled (cmd_purge_orphan, applied on
// every MDS), then its replicas deleted. Orphans found when an MDS starts
// serving (after a restart or a failover) are purged one timeout later.
#include <spdlog/spdlog.h>

#include <chrono>

#include "actors/common/sim_bugs.hpp"
#include "actors/mds/mds_state.hpp"

namespace pstorage::mds_impl {

namespace {

// Most purges proposed in one tick; the rest follow on the next ticks.
constexpr size_t purges_per_tick = 256;

int64_t session_timeout_ns(mds_state& st) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(st.deps.session_timeout).count();
}

// The MDS began serving (again) since the last tick: sessions start afresh.
void sessions_started(self_ptr self) {
  auto& st = self->state;
  st.sessions_since_ns = st.master_since_ns;
  st.sessions = mds::client_sessions(session_timeout_ns(st));
  st.orphan_sweep = mds::orphan_sweep(session_timeout_ns(st));
  const auto now = steady_ns(self);
  st.sessions.master_started(now, st.leases.clients());
  st.orphan_sweep.master_started(now);
  st.purging.clear();
}

void expire_sessions(self_ptr self, int64_t now) {
  auto& st = self->state;
  for (auto& client : st.sessions.expire(now)) {
    auto closed = st.leases.drop_client(client);
    if (closed.empty()) continue;  // held nothing: nothing to say
    spdlog::info("client {}: session expired, {} open file(s) closed", client, closed.size());
    emit(self, "client '" + client + "' not heard from for " + std::to_string(st.deps.session_timeout.count() / 1000) +
                   " s: session expired, " + std::to_string(closed.size()) + " open file(s) closed");
    st.orphan_sweep.session_expired(now);
  }
}

void sweep_orphans(self_ptr self, int64_t now) {
  auto& st = self->state;
  auto orphans = st.deps.md->orphans();
  auto todo = mds::orphans_to_purge(orphans, [&](uint64_t ino) { return st.leases.is_open(ino); }, st.purging,
                                    purges_per_tick);
  st.orphan_sweep.swept(now, todo.size() == purges_per_tick);
  for (auto ino : todo) {
    const size_t chunks = st.deps.md->chunks(ino).size();
    st.purging.insert(ino);
    purge_orphan(self, ino, [self, ino, chunks, since = st.sessions_since_ns](std::optional<std::string> why) {
      auto& st = self->state;
      if (st.sessions_since_ns == since) st.purging.erase(ino);
      if (why) {
        spdlog::warn("orphan file #{}: purge not applied: {}", ino, *why);
        return;
      }
      emit(self, "orphan file #" + std::to_string(ino) + " (unlinked while open, no longer open) purged: " +
                     std::to_string(chunks) + " chunk(s) deleted");
    });
  }
}

}  // namespace

void session_seen(self_ptr self, const std::string& client) {
  auto& st = self->state;
  if (client.empty() || !st.serving || st.sessions_since_ns != st.master_since_ns) return;
  st.sessions.seen(client, steady_ns(self));
}

void session_tick(self_ptr self) {
  auto& st = self->state;
  if (st.sessions_since_ns != st.master_since_ns) sessions_started(self);
  const auto now = steady_ns(self);
  // A mount keeps a Watch parked here while it runs (mds_watch_actor.cpp).
  for (auto& [client, rp] : st.watches) st.sessions.seen(client, now);
  expire_sessions(self, now);
  const bool spin = PSTORAGE_SIM_BUG(orphan_sweep_spin);  // sim-only bug: ignores its schedule, re-arms at once
  if (st.orphan_sweep.due(now) || spin) {
    sweep_orphans(self, now);
    if (spin) run_later(self, caf::timespan{0}, [self] { session_tick(self); });
  }
}

}  // namespace pstorage::mds_impl
