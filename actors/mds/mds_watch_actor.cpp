// mds_watch_actor.cpp — the master's side of cache invalidation between
// mounts (docs/consistency.md; decisions in invalidations.hpp). A mount
// parks one Watch here; when another client's change to a file the mount
// has open is applied, the Watch is answered with the inode, and the
// writer's answer waits until the mount's next Watch acknowledged it, or
// one attribute timeout.
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <set>

#include "actors/mds/mds_state.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::mds_impl {
namespace p = proto;

namespace {

// How long a Watch is held with nothing to say (the mount asks again at
// once; its own timeout is longer). Shorter than the invalidation bound
// (1 s): a mount uses its directory listings only within that bound of a
// Watch it sent and got the answer of (client/dir_cache.hpp), so a live
// mount must hear back more often than that.
constexpr auto watch_hold = std::chrono::milliseconds(400);

msg::mds_to_client_watch watch_reply(self_ptr self, const mds::invalidation_table::batch& b) {
  auto& members = self->state.members;
  return wire::make<p::MdsToClientWatch>([&](auto r) {
    set_status(r.initStatus(), p::STATUS_OK, "");
    r.setSeq(b.seq);
    auto l = r.initInos(static_cast<unsigned>(b.inos.size()));
    for (unsigned i = 0; i < b.inos.size(); ++i) l.set(i, b.inos[i]);
    auto m = r.initMdses(static_cast<unsigned>(members.size()));
    for (unsigned i = 0; i < members.size(); ++i) m.set(i, members[i].second);
    auto& revoked = self->state.revoked;  // the mount's TLS gate (docs/security.md "Revocation")
    auto rv = r.initRevokedHosts(static_cast<unsigned>(revoked.size()));
    unsigned j = 0;
    for (auto& h : revoked) rv.set(j++, h);
  });
}

msg::mds_to_client_watch watch_error(uint32_t code, const std::string& text) {
  return wire::make<p::MdsToClientWatch>([&](auto r) { set_status(r.initStatus(), code, text); });
}

// Answers the parked Watch of `client` with `b`.
void answer_watch(self_ptr self, const std::string& client, const mds::invalidation_table::batch& b) {
  auto& st = self->state;
  auto it = st.watches.find(client);
  if (it == st.watches.end()) return;
  auto rp = std::move(it->second);
  st.watches.erase(it);
  rp.deliver(watch_reply(self, b));
}

// Runs the answers of finished tickets; arms a timer for the next deadline.
void settle(self_ptr self) {
  auto& st = self->state;
  for (auto id : st.invalidations.finished(steady_ns(self))) {
    auto it = st.invalidation_waiters.find(id);
    if (it == st.invalidation_waiters.end()) continue;
    auto fn = std::move(it->second);
    st.invalidation_waiters.erase(it);
    fn();
  }
  if (st.invalidation_timer) return;
  if (auto at = st.invalidations.next_deadline()) {
    st.invalidation_timer = true;
    run_later(self, std::chrono::nanoseconds(std::max<int64_t>(0, *at - steady_ns(self))), [self] {
      self->state.invalidation_timer = false;
      settle(self);
    });
  }
}

}  // namespace

caf::result<msg::mds_to_client_watch> handle_watch(self_ptr self, const msg::client_to_mds_watch& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  if (!req) return watch_error(p::STATUS_BAD_REQUEST, req.error);
  if (!credentials_ok(st, req->getCredentials())) return watch_error(p::STATUS_AUTH_FAILED, auth_error(st));
  const std::string client = req->getClientId();
  record_client_io(self, client, req->getIo());  // stat's clients table
  if (auto sender = self->current_sender(); sender && !st.watch_senders.count(sender->address())) {
    st.watch_senders[sender->address()] = client;
    self->monitor(caf::actor_cast<caf::actor>(sender));
  }
  // A Watch still parked for this mount (its connection was replaced): answer it empty.
  if (auto old = st.watches.find(client); old != st.watches.end()) {
    auto rp = std::move(old->second);
    st.watches.erase(old);
    rp.deliver(watch_reply(self, {}));
  }
  auto now = steady_ns(self);
  const bool first = !st.invalidations.knows(client);
  auto b = st.invalidations.watch(client, req->getAckedSeq(), now);
  // A mount's first Watch is answered at once (empty): its directory cache
  // is usable from then on (client/dir_cache.hpp), so a directory it makes
  // right after mounting is held; its next Watch is parked as usual.
  if (!b && first) b = st.invalidations.end_hold(client);
  settle(self);  // the acknowledgement may finish tickets
  if (b) return watch_reply(self, *b);
  auto rp = self->make_response_promise<msg::mds_to_client_watch>();
  st.watches[client] = rp;
  // (A timer of an earlier Watch may end this one's hold early: harmless,
  // the mount asks again at once.)
  run_later(self, watch_hold, [self, client] {
    auto& st = self->state;
    if (!st.watches.count(client)) return;
    if (auto e = st.invalidations.end_hold(client)) answer_watch(self, client, *e);
  });
  st.invalidations.expire(now);
  return rp;
}

void after_invalidation(self_ptr self, uint64_t ino, const std::string& writer, std::function<void()> answer) {
  auto& st = self->state;
  // Mounts holding the file's directory may hold its attributes too
  // (client/dir_cache.hpp): they are invalidated like openers.
  uint64_t parent = 0;
  if (auto a = st.deps.md->getattr(ino); a && !a->orphan) parent = a->parent;
  auto c = parent ? st.invalidations.file_changed(ino, parent, writer, st.leases.openers(ino), steady_ns(self))
                  : st.invalidations.changed(ino, writer, st.leases.openers(ino), steady_ns(self));
  if (!c.ticket) return answer();
  st.invalidation_waiters[*c.ticket] = std::move(answer);
  for (auto& client : c.notify)
    if (auto b = st.invalidations.take(client)) answer_watch(self, client, *b);
  settle(self);
}

void after_dir_change(self_ptr self, const std::vector<uint64_t>& dirs, const std::string& writer,
                      std::function<void()> answer) {
  auto& st = self->state;
  const auto now = steady_ns(self);
  std::vector<uint64_t> tickets;
  std::set<std::string> notify;
  for (auto dir : dirs) {
    auto c = st.invalidations.dir_changed(dir, writer, now);
    if (c.ticket) tickets.push_back(*c.ticket);
    notify.insert(c.notify.begin(), c.notify.end());
  }
  if (tickets.empty()) return answer();
  // One answer after every ticket: a shared countdown.
  auto left = std::make_shared<size_t>(tickets.size());
  auto fn = std::make_shared<std::function<void()>>(std::move(answer));
  for (auto id : tickets)
    st.invalidation_waiters[id] = [left, fn] {
      if (--*left == 0) (*fn)();
    };
  for (auto& client : notify)
    if (auto b = st.invalidations.take(client)) answer_watch(self, client, *b);
  settle(self);
}

void dir_watched_by(self_ptr self, uint64_t dir, const std::string& client) {
  self->state.invalidations.watch_dir(client, dir, steady_ns(self));
}

void watch_sender_down(self_ptr self, const caf::actor_addr& source) {
  auto& st = self->state;
  auto it = st.watch_senders.find(source);
  if (it == st.watch_senders.end()) return;
  const std::string client = it->second;
  st.watch_senders.erase(it);
  st.watches.erase(client);
  st.invalidations.forget(client);
  settle(self);
}

void drop_watches(self_ptr self) {
  auto& st = self->state;
  for (auto& [client, rp] : std::exchange(st.watches, {}))
    rp.deliver(watch_error(p::STATUS_NOT_MASTER, "this MDS is no longer the master"));
  for (auto& [id, fn] : std::exchange(st.invalidation_waiters, {})) fn();
  st.invalidations = mds::invalidation_table{};
  st.watch_senders.clear();
}

}  // namespace pstorage::mds_impl
