// mds_version_rounds.cpp — how the master moves a chunk to a new version
// without ever forgetting acknowledged data (md_command.hpp, "chunk
// versions: fence, then confirm"):
//   fence (journaled: drop_replica / fence_chunk / a truncate's cut)
//   -> SetVersion to the replicas recorded at the newest version
//   -> confirm_replicas(the CSs that answered) journaled.
// Until a replica is confirmed at the chunk's version nobody is given the
// chunk, so no write can run at a version some holder missed. A round that
// nobody answered leaves the chunk in `unconfirmed`; promote_unconfirmed
// retries it (tick, CS registration), so a chunk whose holders were all
// unreachable comes back as soon as one of them does — instead of being
// forgotten (the simulator's `--seed 6 --scenario data-write-read`).
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <set>

#include "actors/common/sim_bugs.hpp"
#include "actors/mds/cs_fan_out.hpp"
#include "actors/mds/md_validate.hpp"
#include "actors/mds/mds_repair_state.hpp"
#include "actors/mds/mds_state.hpp"
#include "actors/mds/placement.hpp"

namespace pstorage::mds_impl {
namespace p = proto;

namespace {

persistence::md_store& md(self_ptr self) { return *self->state.deps.md; }

void release_chunk(self_ptr self, mds::chunk_id chunk) {
  auto& busy = self->state.chunk_busy;
  auto it = busy.find(chunk);
  if (it == busy.end()) return;
  self->state.hold_floor.erase(chunk);
  if (it->second.empty()) {
    busy.erase(it);
    return;
  }
  auto next = std::move(it->second.front());
  it->second.pop_front();
  next();
}

msg::mds_to_cs_set_version set_version_msg(self_ptr self, mds::chunk_id id, uint64_t old_v, uint64_t new_v,
                                           std::optional<uint64_t> cut) {
  return wire::make<p::MdsToCsSetVersion>([&](auto b) {
    b.setEpoch(self->state.term);  // a CS refuses orders of a deposed master
    b.setChunkId(id);
    b.setOldVersion(old_v);
    b.setNewVersion(new_v);
    if (cut) {
      b.setTruncate(true);
      b.setTruncateTo(*cut);
    }
  });
}

}  // namespace

std::string cs_domain(self_ptr self, const mds::chunk_info& c, uint32_t cs) {
  auto a = md(self).getattr(c.ino);
  const auto level = mds::level_of(a ? a->repl.domain : mds::failure_domain::host);
  auto* e = self->state.registry.find(cs);
  if (!e) return "cs#" + std::to_string(cs);
  mds::placement_cs p;
  p.cs_id = cs;
  p.location = e->rec.location;
  p.host_id = e->rec.host_id;
  return mds::domain_key(p, level);
}

void commit_command(self_ptr self, const mds::md_command& cmd, std::function<void(std::optional<std::string>)> done) {
  propose(self, cmd, [done = std::move(done)](const proposal_outcome& o) {
    if (o.ok()) return done(std::nullopt);
    done(o.why());
  });
}

void with_chunk(self_ptr self, mds::chunk_id chunk, std::function<void(std::function<void()>)> body) {
  auto run = [self, chunk, body = std::move(body)] {
    // Stat's view of the chunk during the hold (repair_support.hpp, hold_floor).
    if (auto c = md(self).chunk_by_id(chunk)) self->state.hold_floor[chunk] = c->version;
    auto released = std::make_shared<bool>(false);
    body([self, chunk, released] {
      if (*released) return;  // contract: once; tolerate a second call
      *released = true;
      release_chunk(self, chunk);
    });
  };
  auto& busy = self->state.chunk_busy;
  if (auto it = busy.find(chunk); it != busy.end()) {
    it->second.push_back(std::move(run));
    return;
  }
  busy[chunk];
  run();
}

namespace {

// One SetVersion exchange. `only`: ask just these CSs (the ackers of the
// previous step). A replica is asked when it holds every acknowledged write
// (recorded at or above the write floor) and its CS is connected; each gets
// SetVersion(old = its recorded version, new = the chunk's version). When
// some asked CS did not answer it may still have moved to the new version
// without the writes that follow, so the ackers are confirmed there, the
// chunk is fenced once more and the round repeats with the ackers only: the
// version clients get is never one a non-confirmed replica may hold
// (`--seed 1111 --scenario data-write-read`). Each repeat asks fewer CSs.
void round_step(self_ptr self, mds::chunk_id chunk, std::optional<std::vector<uint32_t>> only,
                std::function<void(std::vector<uint32_t>, uint32_t)> done) {
  auto c = md(self).chunk_by_id(chunk);
  if (!c) return done({}, 0);
  const uint32_t floor = mds::write_floor(*c);
  // A lagging replica (below the newest recorded version) comes back only
  // into a failure domain no replica at the newest version occupies and no
  // repair copy is being made in (`--seed 863 --scenario data-disk`).
  const uint32_t newest = mds::newest_replica_version(*c).value_or(0);
  auto domain = [&](uint32_t cs) { return cs_domain(self, *c, cs); };
  std::set<std::string> taken;
  for (auto& r : c->replicas)
    if (r.version == newest) taken.insert(domain(r.cs));
  if (self->state.repair)  // and none a repair copy is being made in
    if (auto it = self->state.repair->wip.copying.find(chunk); it != self->state.repair->wip.copying.end())
      for (auto t : it->second) taken.insert(domain(t));
  std::vector<uint32_t> asked;
  bool all_current = !c->cut_len;
  std::vector<std::pair<uint32_t, msg::mds_to_cs_set_version>> reqs;
  for (auto& r : c->replicas) {
    if (only && std::find(only->begin(), only->end(), r.cs) == only->end()) continue;
    if (r.version >= floor) {
      if (!self->state.cs_handles.count(r.cs)) continue;  // not connected: cannot answer
      if (r.version < newest && !taken.insert(domain(r.cs)).second) continue;
      asked.push_back(r.cs);
      all_current &= r.version == c->version;
      reqs.emplace_back(r.cs, set_version_msg(self, chunk, r.version, c->version, c->cut_len));
    } else if (PSTORAGE_SIM_BUG(confirm_stale_replica) && r.version < c->version) {
      asked.push_back(r.cs);  // sim-only bug: a replica that missed writes is moved forward too
      all_current = false;
      reqs.emplace_back(r.cs, set_version_msg(self, chunk, r.version, c->version, c->cut_len));
    }
  }
  if (asked.empty() || all_current) return done(asked, c->version);
  // A lagging replica never joins a version that is (or may become, while
  // the round runs) handed out for writing: a writer's chain lacks it
  // (`--seed 404 --scenario data-partition`; `--seed 49 --scenario
  // data-clock-skew`: the write map came while the round waited for a hung
  // CS). So when some replica is confirmed at the chunk's version, fence
  // first: the round then runs at a version nobody is given until confirmed.
  const bool lagging = std::any_of(c->replicas.begin(), c->replicas.end(), [&](const mds::replica_info& r) {
    return r.version < c->version && std::find(asked.begin(), asked.end(), r.cs) != asked.end();
  });
  const bool given_out = std::any_of(c->replicas.begin(), c->replicas.end(),
                                     [&](const mds::replica_info& r) { return r.version == c->version; });
  if (lagging && given_out) {
    mds::decision_context ctx;
    auto fence = mds::validate_fence_chunk(md(self), ctx, chunk);
    if (!fence) return done({}, c->version);
    const uint32_t v = c->version;
    return commit_command(self, fence.value(),
                          [self, chunk, only = std::move(only), done = std::move(done), v](std::optional<std::string> why) mutable {
                            if (why) return done({}, v);
                            round_step(self, chunk, std::move(only), std::move(done));
                          });
  }
  const uint32_t version = c->version;
  fan_out<msg::cs_to_mds_set_version>(
      self, std::move(reqs), [self, chunk, asked, version, done = std::move(done)](std::vector<uint32_t> failed) {
        std::vector<uint32_t> ackers;
        for (auto cs : asked)
          if (!std::binary_search(failed.begin(), failed.end(), cs)) ackers.push_back(cs);
        if (ackers.empty() || failed.empty()) return done(std::move(ackers), version);
        mds::decision_context ctx;
        auto confirm = mds::validate_confirm_replicas(md(self), ctx, chunk, version, ackers);
        if (!confirm) return done(std::move(ackers), version);
        commit_command(self, confirm.value(), [self, chunk, ackers, failed, version, done](std::optional<std::string> why) {
          if (why) return done(ackers, version);
          mds::decision_context ctx;
          auto fence = mds::validate_fence_chunk(md(self), ctx, chunk);
          if (!fence) return done(ackers, version);
          commit_command(self, fence.value(), [self, chunk, ackers, failed, version, done](std::optional<std::string> why) {
            if (why) return done(ackers, version);
            spdlog::info("chunk {}: CS {} missed v{}; fenced again at v{} on CS {}", chunk, fmt::join(failed, ","),
                         version, version + 1, fmt::join(ackers, ","));
            round_step(self, chunk, ackers, done);
          });
        });
      });
}

}  // namespace

void send_round(self_ptr self, mds::chunk_id chunk, std::function<void(std::vector<uint32_t>, uint32_t)> done,
                std::optional<std::vector<uint32_t>> only) {
  round_step(self, chunk, std::move(only), std::move(done));
}

namespace {

// Journals confirm_replicas(ackers) at `version`, first waiting until no
// client may read with an older map that lists a CS the confirmation leaves
// out (map_leases.hpp): from then on writes at `version` can be acknowledged
// without that CS.
void confirm_when_maps_expired(self_ptr self, mds::chunk_id chunk, uint32_t version, std::vector<uint32_t> ackers,
                               bool after_drop, std::function<void()> finish) {
  auto& st = self->state;
  auto c = md(self).chunk_by_id(chunk);
  const bool leaves_out =
      after_drop || (c && std::any_of(c->replicas.begin(), c->replicas.end(), [&](const mds::replica_info& r) {
        return std::find(ackers.begin(), ackers.end(), r.cs) == ackers.end();
      }));
  const int64_t now = steady_ns(self);
  const int64_t at = PSTORAGE_SIM_BUG(confirm_before_maps_expire)  // sim-only bug: old maps may still read
                         ? now
                         : st.map_leases.confirm_after(chunk, version, ackers, leaves_out, now);
  if (at > now) {
    spdlog::info("chunk {} v{}: waiting {} ms for clients' older chunk maps to expire before confirming", chunk,
                 version, (at - now) / 1000000);
    return run_later(self, std::chrono::nanoseconds(at - now),
                     [self, chunk, version, ackers = std::move(ackers), finish = std::move(finish)]() mutable {
                       confirm_when_maps_expired(self, chunk, version, std::move(ackers), false, std::move(finish));
                     });
  }
  mds::decision_context ctx;
  auto out = mds::validate_confirm_replicas(md(self), ctx, chunk, version, ackers);
  if (!out) {
    spdlog::info("chunk {}: confirmation at v{} not recorded: {}", chunk, version, out.error().message);
    st.unconfirmed.insert(chunk);
    return finish();
  }
  auto cmd = out.value();
  commit_command(self, cmd, [self, chunk, version, ackers, cmd, finish](std::optional<std::string> why) {
    auto& st = self->state;
    if (why) {
      spdlog::info("chunk {}: confirmation at v{} not recorded: {}", chunk, version, *why);
      st.unconfirmed.insert(chunk);
      return finish();
    }
    st.unconfirmed.erase(chunk);
    const auto& kept = std::get<mds::cmd_confirm_replicas>(cmd).cs;
    spdlog::debug("chunk {} v{} confirmed on CS {}", chunk, version, fmt::join(kept, ","));
    if (kept.size() < ackers.size()) {
      // Left out: replicas that answered but may lack writes made at this
      // version meanwhile; they may hold it now, so it is fenced again
      // and the next round confirms the others at a version they lack.
      mds::decision_context ctx;
      if (auto fence = mds::validate_fence_chunk(md(self), ctx, chunk))
        return commit_command(self, fence.value(), [self, chunk, finish](std::optional<std::string> why) {
          if (!why) self->state.unconfirmed.insert(chunk);
          finish();
        });
    }
    finish();
  });
}

}  // namespace

void finish_round(self_ptr self, mds::chunk_id chunk, std::function<void()> release, std::function<void()> done,
                  bool after_drop, std::optional<std::vector<uint32_t>> only) {
  send_round(self, chunk, [self, chunk, release, done, after_drop](std::vector<uint32_t> ackers, uint32_t version) {
    auto& st = self->state;
    auto c = md(self).chunk_by_id(chunk);
    const bool confirmed_before =
        c && !c->cut_len &&
        std::all_of(ackers.begin(), ackers.end(), [&](uint32_t cs) {
          return std::any_of(c->replicas.begin(), c->replicas.end(),
                             [&](const mds::replica_info& r) { return r.cs == cs && r.version == c->version; });
        }) &&
        (!ackers.empty() || mds::newest_replica_version(*c) == c->version);
    if (!c || confirmed_before) {
      st.unconfirmed.erase(chunk);
    } else if (ackers.empty()) {
      if (st.unconfirmed.insert(chunk).second)
        spdlog::warn("chunk {} v{}: no replica holder answered; it waits for one to return", chunk, version);
    } else {
      return confirm_when_maps_expired(self, chunk, version, std::move(ackers), after_drop, [release, done] {
        release();
        done();
      });
    }
    release();
    done();
  }, std::move(only));
}

void fence_out(self_ptr self, mds::chunk_id chunk, std::vector<uint32_t> out, uint32_t only_at,
               std::function<void()> done) {
  with_chunk(self, chunk, [=](std::function<void()> release) {
    auto c = md(self).chunk_by_id(chunk);
    if (!c || c->version != only_at) {  // an outdated report
      release();
      return done();
    }
    mds::decision_context ctx;
    auto fence = mds::validate_fence_chunk(md(self), ctx, chunk);
    if (!fence) {
      release();
      return done();
    }
    commit_command(self, fence.value(), [=](std::optional<std::string> why) {
      if (why) {
        release();
        return done();
      }
      std::vector<uint32_t> rest;
      for (auto& r : c->replicas)
        if (std::find(out.begin(), out.end(), r.cs) == out.end()) rest.push_back(r.cs);
      if (self->state.repair)  // the repair tick brings them back, not before 10 s
        self->state.repair->promote_after[chunk] = self->clock().now() + std::chrono::seconds(10);
      spdlog::info("chunk {}: fenced out CS {} at v{} (kept as lagging: dropping would leave fewer than MIN)", chunk,
                   fmt::join(out, ","), only_at);
      finish_round(self, chunk, release, done, true, rest);
    });
  });
}

namespace {
// drop_in_round's drops, one journaled command after the other.
void drop_next(self_ptr self, mds::chunk_id chunk, std::vector<uint32_t> todo, size_t i, mds::drop_mode mode,
               std::vector<uint32_t> bad, std::shared_ptr<std::vector<uint32_t>> dropped, std::function<void()> release,
               std::function<void(std::vector<uint32_t>)> done) {
  if (i >= todo.size())
    return finish_round(self, chunk, release, [done, dropped] { done(*dropped); }, !dropped->empty());
  const uint32_t cs = todo[i];
  mds::decision_context ctx;
  auto out = mds::validate_drop_replica(md(self), ctx, chunk, cs, mode, bad);
  if (!out) {
    spdlog::info("{}", out.error().message);
    return drop_next(self, chunk, std::move(todo), i + 1, mode, std::move(bad), dropped, release, done);
  }
  commit_command(self, out.value(), [=](std::optional<std::string> why) mutable {
    if (why) {
      spdlog::info("{}", *why);
    } else {
      dropped->push_back(cs);
      if (self->state.repair) self->state.repair->wip.bad_replicas.erase({chunk, cs});
      spdlog::info("dropped the replica of chunk {} on CS#{}", chunk, cs);
    }
    drop_next(self, chunk, std::move(todo), i + 1, mode, std::move(bad), dropped, release, done);
  });
}
}  // namespace

void drop_in_round(self_ptr self, mds::chunk_id chunk, std::vector<uint32_t> drop, mds::drop_mode mode,
                   std::optional<uint32_t> only_at, std::function<void()> release,
                   std::function<void(std::vector<uint32_t>)> done) {
  auto c = md(self).chunk_by_id(chunk);
  const bool current = c && (!only_at || c->version == *only_at);
  std::vector<uint32_t> bad;
  if (self->state.repair)
    for (auto it = self->state.repair->wip.bad_replicas.lower_bound({chunk, 0});
         it != self->state.repair->wip.bad_replicas.end() && it->first == chunk; ++it)
      bad.push_back(it->second);
  drop_next(self, chunk, current ? drop : std::vector<uint32_t>{}, 0, mode, std::move(bad),
            std::make_shared<std::vector<uint32_t>>(), std::move(release), std::move(done));
}

void drop_replicas(self_ptr self, mds::chunk_id chunk, std::vector<uint32_t> drop, mds::drop_mode mode,
                   std::optional<uint32_t> only_at, std::function<void(std::vector<uint32_t>)> done) {
  with_chunk(self, chunk, [=](std::function<void()> release) {
    drop_in_round(self, chunk, drop, mode, only_at, release, done);
  });
}

void promote_unconfirmed(self_ptr self) {
  auto& st = self->state;
  std::vector<mds::chunk_id> todo;
  for (auto chunk : st.unconfirmed)
    if (!st.chunk_busy.count(chunk)) todo.push_back(chunk);
  for (auto chunk : todo)
    with_chunk(self, chunk, [self, chunk](std::function<void()> release) {
      finish_round(self, chunk, release, [] {}, true);  // its fence may have followed drops
    });
}

}  // namespace pstorage::mds_impl
