// mds_repair_actor.cpp — the master's self-healing (issue 4): cluster status
// with the guide's events, the repair planner on a tick, one repair-job
// actor per chunk being copied, overcommitted replicas removed, rm-cs
// evacuation. Guide: "Monitoring General Cluster Parameters", "Exploring
// Chunk States", "Exploring Basic Events", "Removing Chunk Servers",
// "Monitoring the Status of Replication Parameters".
//
// Flow of a copy: plan_repairs (pure) -> placement picks targets among
// active CSs (not holding the chunk, failure domains of the live holders
// taken, the file's tier) -> the chunk is fenced (version bumped on the
// holders) -> a repair-job actor sends MdsToCsReplicate {chunk, version,
// source, bandwidth} to each target (retrying with the next source,
// bounded) and answers the MDS with the targets that succeeded -> the MDS
// confirms holders and copies at the fenced version (rejected by the store
// if the chunk moved on meanwhile: then the copy is deleted on the target;
// a confirm whose outcome is unknown keeps the copy: it may still commit).
//
// Rebalancing (guide: "Using Storage Tiers", "Automatic Data Balancing"):
// when the repair plan leaves nothing to recover, plan_rebalance (pure)
// picks up to mds.repl.rebalance_jobs moves; each is the same fenced copy to
// the emptier CS, then — in the same hold on the chunk, only once the copy
// is confirmed — the journaled drop of the replica on the fuller CS.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <sstream>

#include "actors/mds/md_validate.hpp"
#include "actors/mds/placement_candidates.hpp"
#include "actors/mds/placement_domains.hpp"
#include "actors/mds/mds_repair_state.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::mds_impl {
namespace p = proto;

namespace {

constexpr auto copy_timeout = std::chrono::seconds(120);
constexpr unsigned copy_attempts = 3;

persistence::md_store& md(self_ptr self) { return *self->state.deps.md; }

mds::time_ns wall_now(mds_state& st) {
  if (st.deps.wall_clock_ns) return st.deps.wall_clock_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Placement candidates with the repair's load (placement_candidates.hpp).
std::vector<mds::placement_cs> repair_candidates(self_ptr self, const std::map<uint32_t, uint64_t>& load) {
  auto& st = self->state;
  return mds::placement_candidates(
      st.registry, [&](uint32_t id) { return st.cs_handles.count(id) > 0; }, st.repair->wip.releasing, load);
}

// Rule 1 of placement_domains.hpp: the replica of `chunk` on `cs` gives way
// to its replacement (does not occupy its failure domain) when it is a
// move's source, on a CS being released by rm-cs, or has bad pages and is
// kept only until replaced (bad_replicas).
bool gives_way(self_ptr self, uint64_t chunk, uint32_t cs, std::optional<uint32_t> move_source = std::nullopt) {
  auto& wip = self->state.repair->wip;
  return (move_source && *move_source == cs) || wip.releasing.count(cs) || wip.bad_replicas.count({chunk, cs});
}

// The replicas on `css` of chunk `c` as the failure-domain rule sees them.
std::vector<mds::domain_replica> domain_replicas(self_ptr self, const mds::chunk_info& c,
                                                 const std::vector<uint32_t>& css,
                                                 std::optional<uint32_t> move_source = std::nullopt) {
  std::vector<mds::domain_replica> out;
  for (auto cs : css) out.push_back({cs, cs_domain(self, c, cs), gives_way(self, c.id, cs, move_source)});
  return out;
}

// Rule 3 of placement_domains.hpp on the chunk as recorded now (its copies
// confirmed): the leaving replicas at the chunk's version whose failure
// domain a staying replica holds. Dropped in the copy's hold.
std::vector<uint32_t> displaced_now(self_ptr self, const mds::chunk_info& c,
                                    std::optional<uint32_t> move_source = std::nullopt) {
  std::vector<uint32_t> current;
  for (auto& r : c.replicas)
    if (r.version == c.version) current.push_back(r.cs);
  return mds::displaced_replicas(domain_replicas(self, c, current, move_source), {});
}

// Best effort request to a CS; `done(ok)` always runs exactly once.
template <class Resp, class Req>
void ask_cs(self_ptr self, uint32_t cs, Req req, std::function<void(bool)> done) {
  auto& st = self->state;
  if (!serving(self)) return done(false);  // only the serving master orders CSs (cs_fan_out.hpp)
  auto it = st.cs_handles.find(cs);
  if (it == st.cs_handles.end()) return done(false);
  self->request(it->second, st.deps.cs_request_timeout, std::move(req))
      .then(
          [done, cs](Resp& r) {
            auto d = wire::decode(r);
            bool ok = d && d->getStatus().getCode() == p::STATUS_OK;
            if (!ok) spdlog::warn("CS#{} refused: {}", cs, d ? d->getStatus().getMessage().cStr() : d.error);
            done(ok);
          },
          [done](caf::error&) { done(false); });
}

msg::mds_to_cs_delete_chunk delete_msg(self_ptr self, uint64_t chunk) {
  return wire::make<p::MdsToCsDeleteChunk>([&](auto b) {
    b.setChunkId(chunk);
    b.setEpoch(self->state.term);  // a CS refuses orders of a deposed master
  });
}

// ---- repair-job actor ------------------------------------------------------------

struct copy_task {
  uint32_t target = 0;
  cs_api target_handle;
  std::vector<std::pair<uint32_t, std::string>> sources;  // (cs id, address), first = preferred
  // Every holder that answered the fence round: asked for a page the source
  // has bad (MdsToCsReplicate.alternates; docs/chunk-versions.md).
  std::vector<std::pair<uint32_t, std::string>> holders;
};

struct job_state {
  uint64_t chunk = 0;
  uint64_t version = 0;
  std::vector<copy_task> tasks;
  std::vector<uint32_t> succeeded;
  size_t left = 0;
  caf::response_promise rp;
  // The chunk is fenced while the copy runs (no reads, no writes): the job
  // answers within this budget with the copies finished so far.
  caf::timespan budget{};
  uint64_t bandwidth = 0;  // mds.repl.bandwidth for each copy, 0 = unlimited
  uint64_t chunk_size = 0;  // the cluster's: bytes each copy reads
  uint64_t epoch = 0;       // the master's epoch, on every order to a CS
  bool answered = false;
  // Pages carried over marked bad, per target (CsToMdsReplicate.badPages).
  // Written by the job actor before it answers, read by the MDS after.
  std::vector<std::pair<uint32_t, std::vector<uint64_t>>> carried_bad;
};

using repair_budget_atom = caf::atom_constant<caf::atom("rpbudget")>;

// Fenced time allowed for copying one chunk: 5 s plus the chunk at 8 MiB/s
// (64 MiB: 13 s), or at mds.repl.bandwidth when that is lower. A copy that
// misses it is discarded and retried later.
caf::timespan copy_budget(uint64_t chunk_size, uint64_t bandwidth) {
  const uint64_t rate = bandwidth ? std::min<uint64_t>(bandwidth, 8ull << 20) : 8ull << 20;
  return std::chrono::seconds(5) + std::chrono::milliseconds(chunk_size * 1000 / rate);
}

void answer_job(const std::shared_ptr<job_state>& js) {
  if (js->answered) return;
  js->answered = true;
  std::ostringstream o;
  for (auto c : js->succeeded) o << c << ' ';
  js->rp.deliver(o.str());
}

void job_attempt(caf::event_based_actor* self, std::shared_ptr<job_state> js, size_t i, unsigned attempt) {
  auto& t = js->tasks[i];
  auto& src = t.sources[attempt % t.sources.size()];
  auto req = wire::make<p::MdsToCsReplicate>([&](auto b) {
    b.setChunkId(js->chunk);
    b.setVersion(js->version);
    auto s = b.initSource();
    s.setCsId(src.first);
    s.setAddress(src.second);
    b.setBandwidth(js->bandwidth);
    b.setLength(js->chunk_size);
    b.setEpoch(js->epoch);
    std::vector<std::pair<uint32_t, std::string>> alts;
    for (auto& h : t.holders)
      if (h.first != src.first) alts.push_back(h);
    auto l = b.initAlternates(static_cast<unsigned>(alts.size()));
    for (unsigned k = 0; k < alts.size(); ++k) {
      l[k].setCsId(alts[k].first);
      l[k].setAddress(alts[k].second);
    }
  });
  auto finish = [js](bool ok, uint32_t target) {
    if (js->answered) return;  // past the budget: the MDS discards this copy
    if (ok) js->succeeded.push_back(target);
    if (--js->left == 0) answer_job(js);
  };
  auto retry = [self, js, i, attempt, finish](const std::string& why) {
    if (js->answered) return;
    auto& t = js->tasks[i];
    spdlog::warn("repair of chunk {} to CS#{} failed (attempt {}): {}", js->chunk, t.target, attempt + 1, why);
    if (attempt + 1 < copy_attempts) return job_attempt(self, js, i, attempt + 1);
    finish(false, t.target);
  };
  self->request(t.target_handle, std::max<caf::timespan>(copy_timeout, js->budget), std::move(req))
      .then(
          [js, i, retry, finish](msg::cs_to_mds_replicate& r) {
            auto d = wire::decode(r);
            if (d && d->getStatus().getCode() == p::STATUS_OK) {
              if (!js->answered && d->getBadPages().size() > 0) {
                std::vector<uint64_t> pages;
                for (auto pg : d->getBadPages()) pages.push_back(pg);
                js->carried_bad.emplace_back(js->tasks[i].target, std::move(pages));
              }
              return finish(true, js->tasks[i].target);
            }
            retry(d ? std::string(d->getStatus().getMessage().cStr()) : d.error);
          },
          [self, retry](caf::error& e) { retry(self->system().render(e)); });
}

// One actor per chunk being repaired: copies to every target in parallel and
// answers "id id ..." (the targets that now hold the chunk), at the latest
// when its budget runs out.
caf::behavior repair_job(caf::event_based_actor* self, std::shared_ptr<job_state> js) {
  return {
      [self, js](repair_run_atom) -> caf::result<std::string> {
        js->rp = self->make_response_promise();
        js->left = js->tasks.size();
        if (js->left == 0) return std::string();
        for (size_t i = 0; i < js->tasks.size(); ++i) job_attempt(self, js, i, 0);
        self->delayed_send(self, js->budget, repair_budget_atom::value);
        return js->rp;
      },
      [js](repair_budget_atom) {
        if (!js->answered) spdlog::warn("repair of chunk {}: copy budget exhausted, copies discarded", js->chunk);
        answer_job(js);
      },
  };
}

// What goes in the copy's hold once it is confirmed, so no chunk map shows
// a new copy next to the replica it replaces in one failure domain:
//  * rule 3 of placement_domains.hpp: every leaving replica (bad pages, or
//    on a CS being released by rm-cs) whose failure domain now holds a
//    staying one — its replacement. Before this, a released CS's replica
//    stayed next to its same-host replacement until evacuate dropped it, and
//    for good when that CS went inactive first (pstorage-sim --seed 2
//    --scenario data-ops with 9935a94's copy rule);
//  * every replica with bad pages once the chunk has its normal count of
//    good failure domains.
std::vector<uint32_t> retire_after_copy(self_ptr self, uint64_t chunk) {
  auto& bad = self->state.repair->wip.bad_replicas;
  auto c = md(self).chunk_by_id(chunk);
  if (!c) return {};
  auto a = md(self).getattr(c->ino);
  if (!a) return {};
  std::vector<uint32_t> victims = displaced_now(self, *c);
  std::set<std::string> good_domains;
  std::vector<uint32_t> bad_here;
  for (auto& r : c->replicas) {
    if (r.version != c->version) continue;
    if (bad.count({chunk, r.cs})) bad_here.push_back(r.cs);
    else good_domains.insert(cs_domain(self, *c, r.cs));
  }
  if (good_domains.size() >= std::max<uint32_t>(1, a->repl.replicas_norm))
    for (auto cs : bad_here)
      if (std::find(victims.begin(), victims.end(), cs) == victims.end()) victims.push_back(cs);
  return victims;
}

// The event of a copy that carried pages over marked bad (no holder had
// them good; docs/chunk-versions.md, "A bad page in a copy").
// `not_asked`: replicas that may have them good (their CS was down).
std::string bad_pages_carried_text(uint64_t chunk, uint32_t target, const std::vector<uint64_t>& pages,
                                   const std::string& not_asked = "") {
  std::string list;
  for (auto pg : pages) list += (list.empty() ? "" : ", ") + std::to_string(pg);
  const std::string it = pages.size() == 1 ? "it" : "them";
  if (!not_asked.empty())
    return "Chunk " + std::to_string(chunk) + ": page" + (pages.size() == 1 ? " " : "s ") + list +
           " bad (checksum mismatch) on every replica asked; copied to CS#" + std::to_string(target) +
           " marked bad, kept as a replica with bad pages until " + not_asked + " can be asked";
  return "Chunk " + std::to_string(chunk) + ": page" + (pages.size() == 1 ? " " : "s ") + list +
         " bad (checksum mismatch) on every replica; copied to CS#" + std::to_string(target) + " marked bad, reads of " +
         it + " fail until rewritten";
}

// A copy to `target` carried `pages` over marked bad: no holder it asked had
// them good. When every recorded replica holding the acknowledged writes was
// asked, the pages are lost (wip.lost_pages) and the copy is as sound as the
// chunk can be. Otherwise one not asked (its CS down) may have them good:
// the copy is kept for its good pages but marked bad, so it does not count
// and that replica is not deleted as surplus (before this rule the copies
// counted and the good replica was deleted when its CS came back:
// pstorage-sim --seed 199 --scenario data-disk).
void note_pages_carried(self_ptr self, const job_state& js, uint32_t target, const std::vector<uint64_t>& pages) {
  auto& rs = *self->state.repair;
  std::set<uint32_t> asked;
  for (auto& t : js.tasks)
    for (auto& h : t.holders) asked.insert(h.first);
  std::string missing;
  if (auto c = md(self).chunk_by_id(js.chunk))
    for (auto& r : c->replicas)
      if (mds::holds_acked_writes(*c, r) && !asked.count(r.cs) && r.cs != target)
        missing += (missing.empty() ? "CS#" : ", CS#") + std::to_string(r.cs);
  if (missing.empty()) {
    rs.wip.lost_pages[js.chunk].insert(pages.begin(), pages.end());
    emit(self, bad_pages_carried_text(js.chunk, target, pages));
    return;
  }
  rs.wip.bad_replicas.insert({js.chunk, target});
  emit(self, bad_pages_carried_text(js.chunk, target, pages, missing));
}

std::vector<uint32_t> parse_ids(const std::string& s) {
  std::vector<uint32_t> out;
  std::istringstream in(s);
  uint32_t v;
  while (in >> v) out.push_back(v);
  return out;
}

// After a fenced copy: `confirmed` = the holders (and the copies in
// `copied`) were confirmed at the copy's version; `copied` = targets that
// now hold the chunk. Still inside the hold on the chunk: must call
// `release` exactly once.
using after_copy = std::function<void(bool confirmed, std::vector<uint32_t> copied, std::function<void()> release)>;

// The copy machinery shared by repair and rebalancing. Fence first, copy,
// then confirm holders and copies together (md_command.hpp, "fence, then
// confirm"): nobody is given the chunk while the copy is taken, so no write
// acknowledged meanwhile can be missing on the new replica (the simulator's
// `--seed 2 --scenario data-ioerr` found that race). rs.wip.copying[chunk]
// must hold `targets`; it is erased before `then` runs. Each copy runs at
// most mds.repl.bandwidth bytes/s (the CS paces it).
// `leaving`: a holder about to be dropped (a move's source); its failure
// domain does not keep a target out.
void fenced_copy(self_ptr self, uint64_t chunk, std::vector<uint32_t> targets, std::vector<uint32_t> sources,
                 after_copy then, std::optional<uint32_t> leaving = std::nullopt) {
  with_chunk(self, chunk, [self, chunk, targets, sources, then, leaving](std::function<void()> release) {
    auto abandon = [self, chunk, release, then](const std::string& why) {
      spdlog::info("copy of chunk {} not started: {}", chunk, why);
      self->state.repair->wip.copying.erase(chunk);
      then(false, {}, release);
    };
    // placement_domains.hpp rule 4: no fence (no version bump) for a copy
    // that no target can take, judged on the holders the round will ask.
    if (auto c = md(self).chunk_by_id(chunk)) {
      const uint32_t newest = mds::newest_replica_version(*c).value_or(0);
      std::vector<uint32_t> asked;
      for (auto& r : c->replicas) {
        auto* e = self->state.registry.find(r.cs);  // active and connected: sure to be asked, likely to answer
        if (r.version == newest && e && e->status == mds::cs_status::active && self->state.cs_handles.count(r.cs))
          asked.push_back(r.cs);
      }
      if (!mds::copy_may_start(domain_replicas(self, *c, asked, leaving), domain_replicas(self, *c, targets), true))
        return abandon("a replica fills the failure domain of every target (not fenced: the version stays)");
    }
    mds::decision_context ctx;
    auto fence = mds::validate_fence_chunk(md(self), ctx, chunk);
    if (!fence) return abandon(fence.error().message);
    commit_command(self, fence.value(), [=](std::optional<std::string> why) {
    if (why) return abandon(*why);
    send_round(self, chunk, [self, chunk, targets, sources, release, abandon, then, leaving](
                                std::vector<uint32_t> holders, uint32_t version) {
      if (holders.empty()) {
        self->state.unconfirmed.insert(chunk);
        return abandon("no holder answered the fence");
      }
      // A holder that came back in the round (it had missed earlier rounds)
      // may sit in a target's failure domain: that copy is not made.
      // Leaving holders give way (placement_domains.hpp rules 1, 2: a move's
      // source, a replica with bad pages, a replica on a CS being released:
      // the planner counted none of them); they go in this same hold once
      // the copy is confirmed (rule 3: retire_after_copy, start_move).
      auto targets_now = std::make_shared<std::vector<uint32_t>>();
      if (auto c = md(self).chunk_by_id(chunk))
        *targets_now = mds::allowed_targets(domain_replicas(self, *c, holders, leaving),
                                            domain_replicas(self, *c, targets), true);
      if (targets_now->empty()) {
        mds::decision_context ctx;
        auto out = mds::validate_confirm_replicas(md(self), ctx, chunk, version, holders);
        if (!out) {
          self->state.unconfirmed.insert(chunk);
          return abandon("a returning holder fills the failure domain of every target");
        }
        return commit_command(self, out.value(), [self, chunk, abandon](std::optional<std::string> why) {
          if (why) self->state.unconfirmed.insert(chunk);
          abandon("a returning holder fills the failure domain of every target");
        });
      }
      self->state.repair->wip.copying[chunk] = *targets_now;
      const auto& copy_to = *targets_now;
      // Copy from the holders the planner found sound, else from any holder.
      std::vector<uint32_t> from;
      for (auto s : sources)
        if (std::find(holders.begin(), holders.end(), s) != holders.end()) from.push_back(s);
      if (from.empty()) from = holders;
      auto& st = self->state;
      auto js = std::make_shared<job_state>();
      js->chunk = chunk;
      js->version = version;
      js->bandwidth = st.repair->live.bandwidth;
      js->chunk_size = md(self).chunk_size();
      js->epoch = st.term;
      js->budget = copy_budget(md(self).chunk_size(), js->bandwidth);
      for (size_t i = 0; i < copy_to.size(); ++i) {
        copy_task t;
        t.target = copy_to[i];
        t.target_handle = st.cs_handles[t.target];
        for (size_t k = 0; k < from.size(); ++k) {
          uint32_t s = from[(i + k) % from.size()];
          auto* e = st.registry.find(s);
          t.sources.emplace_back(s, e ? e->rec.address : "");
        }
        for (auto h : holders) {
          auto* e = st.registry.find(h);
          t.holders.emplace_back(h, e ? e->rec.address : "");
        }
        js->tasks.push_back(std::move(t));
      }
      // After the copies: confirm holders + good copies (journaled), then
      // keep or discard each copy. `why` set: not confirmed here; `refused`:
      // definitely never recorded (the validator refused it, before proposing
      // or when the entry was applied), so the copies in the confirm may go.
      // Otherwise the outcome is unknown (the proposal failed: master
      // stepped down, no majority, the election actor gone) and the entry may
      // still commit under the next master, recording the copy as a replica:
      // the copies stay (the next repair round or the CS's registration
      // reconciles them). A copy that did not finish is not in the confirm:
      // it is deleted either way.
      auto confirmed = [self, chunk, version, release, then](std::vector<uint32_t> ok, std::vector<uint32_t> targets,
                                                             std::optional<std::string> why, bool refused) {
        auto& rs = *self->state.repair;
        if (why) {
          spdlog::info("copy of chunk {}: v{} not confirmed{}: {}", chunk, version,
                       refused ? "" : " (outcome unknown: the copies stay)", *why);
          self->state.unconfirmed.insert(chunk);
        } else {
          self->state.unconfirmed.erase(chunk);
        }
        std::vector<uint32_t> copied;
        for (auto t : targets) {
          bool done_ok = std::find(ok.begin(), ok.end(), t) != ok.end();
          if (done_ok && !why) {
            rs.bytes_copied += md(self).chunk_size();
            ++rs.copies_done;
            copied.push_back(t);
            continue;
          }
          if (done_ok && !refused) continue;  // maybe recorded by the next master: never delete it
          rs.wip.bad_replicas.erase({chunk, t});  // a discarded copy that carried bad pages (note_pages_carried)
          ask_cs<msg::cs_to_mds_delete_chunk>(self, t, delete_msg(self, chunk), [](bool) {});
        }
        // A discarded copy may have reached the chunk's version on its
        // target (its answer lost, or past the budget) and may survive its
        // delete (CS down): before the hold ends, fence again unless a later
        // round already did, so the version the holders go on with is one
        // that copy never had (`--seed 146 --scenario data-write-read`, the
        // fence probe read it). The next tick's round confirms the holders.
        auto end_hold = [self, chunk, version, release] {
          auto c = md(self).chunk_by_id(chunk);
          mds::decision_context ctx;
          if (c && c->version == version)
            if (auto fence = mds::validate_fence_chunk(md(self), ctx, chunk))
              return commit_command(self, fence.value(), [self, chunk, release](std::optional<std::string> why) {
                if (!why) self->state.unconfirmed.insert(chunk);
                release();
              });
          release();
        };
        // A copy kept after an unknown outcome may stay unrecorded: fence too.
        const bool kept_unknown = why && !refused && !ok.empty();
        const bool fence = (!why && copied.size() < targets.size()) || kept_unknown;
        then(!why, copied, fence ? std::function<void()>(end_hold) : release);
        // A slot is free: plan the next jobs now rather than at the next tick —
        // only after progress, so a copy that keeps failing waits for the tick.
        if (!ok.empty()) plan_repairs_pass(self, repair_progress_batch);
      };
      auto done = [self, chunk, version, holders, confirmed](std::vector<uint32_t> ok) {
        auto& rs = *self->state.repair;
        auto targets = rs.wip.copying[chunk];
        rs.wip.copying.erase(chunk);
        std::vector<uint32_t> confirm = holders;
        for (auto t : ok)
          if (std::find(targets.begin(), targets.end(), t) != targets.end()) confirm.push_back(t);
        mds::decision_context ctx;
        auto out = mds::validate_confirm_replicas(md(self), ctx, chunk, version, confirm);
        if (!out) return confirmed(ok, targets, out.error().message, true);
        propose(self, out.value(), [confirmed, ok, targets](const proposal_outcome& o) {
          if (o.ok()) return confirmed(ok, targets, std::nullopt, false);
          confirmed(ok, targets, o.why(), o.rejected.has_value());
        });
      };
      auto worker = self->spawn(repair_job, js);
      self->request(worker, caf::infinite, repair_run_atom::value)
          .then(
              [self, js, done](std::string& res) {
                auto ok = parse_ids(res);
                for (auto& [target, pages] : js->carried_bad)
                  if (std::find(ok.begin(), ok.end(), target) != ok.end())
                    note_pages_carried(self, *js, target, pages);
                done(std::move(ok));
              },
              [done](caf::error&) { done({}); });
    });
    });
  });
}

void start_copy(self_ptr self, const repair::repair_job& job, const persistence::chunk_with_attrs& c,
                const std::map<uint32_t, uint64_t>& load) {
  auto& st = self->state;
  auto& rs = *st.repair;
  mds::placement_request req;
  req.chunk_size = md(self).chunk_size();
  req.tier = c.attrs.tier;
  req.failure_domain = mds::level_of(c.attrs.domain);
  req.exclude = job.avoid_cs;
  req.path = "chunk " + std::to_string(job.chunk_id);
  // The holders whose failure domains the copies avoid: the staying ones
  // (placement_domains.hpp rule 1; the planner's live holders already leave
  // out replicas being released or with bad pages).
  const auto staying = mds::staying_replicas(domain_replicas(self, c.chunk, job.holders));
  auto placed = mds::place_additional_replicas(repair_candidates(self, load), staying,
                                               static_cast<uint32_t>(staying.size() + job.copies), req,
                                               rs.live.placement, st.rnd);
  if (!placed.ok || placed.chain.empty()) {
    spdlog::debug("repair of chunk {}: {}", job.chunk_id, placed.message);
    if (!placed.ok) emit_once(self, placed.message);
    // No spare CS for a good copy: a replica with bad pages goes now (only
    // while a sound up-to-date one remains), freeing its CS for a fresh copy.
    // Open: the survivor is not verified first (docs/simulator.md, "Known
    // issues", data-disk).
    for (auto& [ch, cs] : std::set(rs.wip.bad_replicas))
      if (ch == job.chunk_id) remove_replica(self, ch, cs, [] {});
    return;
  }
  rs.wip.copying[job.chunk_id] = placed.chain;
  spdlog::info("repair: chunk {} v{} ({}, {}) -> CS {}", job.chunk_id, job.version, mds::to_string(job.state),
               job.reason, fmt::join(placed.chain, ","));
  const uint64_t chunk = job.chunk_id;
  fenced_copy(self, chunk, placed.chain, job.sources,
              [self, chunk](bool confirmed, std::vector<uint32_t>, std::function<void()> release) {
                // Leaving replicas whose replacement has landed go in the
                // same hold (retire_after_copy).
                auto victims = confirmed ? retire_after_copy(self, chunk) : std::vector<uint32_t>{};
                if (victims.empty()) return release();
                drop_in_round(self, chunk, victims, mds::drop_mode::keep_last_newest, std::nullopt, release,
                              [self, chunk](std::vector<uint32_t> gone) {
                                for (auto cs : gone)
                                  ask_cs<msg::cs_to_mds_delete_chunk>(self, cs, delete_msg(self, chunk), [](bool) {});
                              });
              });
}

// A chunk whose move failed is left alone this long (each try fences it).
constexpr auto move_retry_delay = std::chrono::seconds(30);
constexpr auto move_cooldown = std::chrono::seconds(120);

// MDS's estimate of a CS's free space after a move, until its next heartbeat
// reports the real figure: keeps the next plans from moving on stale fill.
void note_moved_space(self_ptr self, const repair::rebalance_move& mv) {
  const int64_t size = static_cast<int64_t>(md(self).chunk_size());
  self->state.registry.adjust_free(mv.to_cs, -size);
  self->state.registry.adjust_free(mv.from_cs, size);
}

// Checked again when the copy has landed, in the hold on the chunk: the
// chunk may have changed since it was planned (a replica lost to a failed
// write, ...). The source goes only if the replicas left at the chunk's
// version still number NORM, include the new copy and sit in distinct
// failure domains (when the policy is strict). Else the chunk keeps NORM + 1
// and the overcommitted-replica cleanup decides.
bool source_may_go(self_ptr self, uint64_t chunk, const repair::rebalance_move& mv) {
  auto c = md(self).chunk_by_id(chunk);
  if (!c) return false;
  auto a = md(self).getattr(c->ino);
  if (!a) return false;
  const auto cands = repair_candidates(self, {});
  std::set<std::string> domains;
  uint32_t left = 0;
  bool has_copy = false;
  for (auto& r : c->replicas) {
    if (r.version != c->version || r.cs == mv.from_cs) continue;
    ++left;
    has_copy = has_copy || r.cs == mv.to_cs;
    for (auto& p : cands)
      if (p.cs_id == r.cs) domains.insert(mds::domain_key(p, mds::level_of(a->repl.domain)));
  }
  const bool distinct = domains.size() == left || !self->state.repair->live.placement.strict_failure_domain;
  return has_copy && left >= std::max<uint32_t>(1, a->repl.replicas_norm) && distinct;
}

// A rebalance move: fenced copy to mv.to_cs; once it is confirmed, still in
// the same hold, the replica on mv.from_cs is dropped (journaled, version
// round for the rest) and deleted on its CS. The chunk thus never has fewer
// live replicas than before the move. A failed copy leaves the chunk as it
// was; the planner may try again.
void start_move(self_ptr self, const repair::rebalance_move& mv) {
  auto& rs = *self->state.repair;
  const uint64_t chunk = mv.chunk_id;
  rs.moving[chunk] = mv;
  rs.wip.copying[chunk] = {mv.to_cs};
  spdlog::info("rebalance: chunk {} v{} CS#{} -> CS#{} ({}: {})", chunk, mv.version, mv.from_cs, mv.to_cs,
               repair::to_string(mv.reason), mv.why);
  auto finished = [self, chunk] { self->state.repair->moving.erase(chunk); };
  fenced_copy(self, chunk, {mv.to_cs}, {mv.from_cs},
              [self, chunk, mv, finished](bool confirmed, std::vector<uint32_t> copied, std::function<void()> release) {
                const bool landed = confirmed && std::find(copied.begin(), copied.end(), mv.to_cs) != copied.end();
                if (!landed) {
                  spdlog::info("rebalance of chunk {} to CS#{} failed; the chunk stays where it was", chunk, mv.to_cs);
                  self->state.repair->move_retry_after[chunk] = self->clock().now() + move_retry_delay;
                  finished();
                  return release();
                }
                // A source whose domain now holds its copy goes whatever
                // else changed (placement_domains.hpp rule 3: a move between
                // two disks of one host must not leave the pair).
                auto c = md(self).chunk_by_id(chunk);
                auto displaced = c ? displaced_now(self, *c, mv.from_cs) : std::vector<uint32_t>{};
                const bool same_domain =
                    std::find(displaced.begin(), displaced.end(), mv.from_cs) != displaced.end();
                if (!same_domain && !source_may_go(self, chunk, mv)) {
                  spdlog::info("rebalance of chunk {}: the chunk changed meanwhile; its replica on CS#{} stays",
                               chunk, mv.from_cs);
                  finished();
                  return release();
                }
                drop_in_round(self, chunk, {mv.from_cs}, mds::drop_mode::keep_last_newest, std::nullopt, release,
                              [self, chunk, mv, finished](std::vector<uint32_t> gone) {
                                for (auto cs : gone)
                                  ask_cs<msg::cs_to_mds_delete_chunk>(self, cs, delete_msg(self, chunk), [](bool) {});
                                if (!gone.empty()) {
                                  ++self->state.repair->chunks_moved;
                                  note_moved_space(self, mv);
                                  // The replica just moved stays put for a while:
                                  // fill figures lag the moves (heartbeats, deletes
                                  // still on their way), and moving it straight
                                  // back would only bump its version again. The
                                  // chunk's other replicas may move
                                  // (rebalance_planner.hpp rule 7).
                                  self->state.repair->move_pinned[chunk][mv.to_cs] =
                                      self->clock().now() + move_cooldown;
                                }
                                finished();
                                plan_repairs_pass(self, repair_progress_batch);
                              });
              },
              mv.from_cs);
}

void start_delete(self_ptr self, const repair::repair_job& job) {
  auto& rs = *self->state.repair;
  if (job.delete_from.empty()) return;
  rs.wip.deleting[job.chunk_id] = job.delete_from;
  auto left = std::make_shared<size_t>(job.delete_from.size());
  const uint64_t chunk = job.chunk_id;
  spdlog::info("repair: chunk {} {}, removing the replicas on CS {}", chunk,
               job.kind == repair::job_kind::delete_stale ? "has stale or corrupt replicas" : "overcommitted",
               fmt::join(job.delete_from, ","));
  for (auto cs : job.delete_from)
    remove_replica(self, chunk, cs, [self, chunk, left] {
      if (--*left == 0) self->state.repair->wip.deleting.erase(chunk);
    });
}

// rm-cs: replicas of releasing CSs are dropped once the chunk has its normal
// count elsewhere; a CS left with nothing is dropped.
void evacuate(self_ptr self, const std::vector<persistence::chunk_with_attrs>& chunks,
              const std::vector<mds::chunk_view>& views) {
  auto& rs = *self->state.repair;
  if (rs.wip.releasing.empty()) return;
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto& c = chunks[i];
    for (auto& r : c.chunk.replicas) {
      if (!rs.wip.releasing.count(r.cs)) continue;
      if (rs.wip.copying.count(c.chunk.id) || rs.wip.deleting.count(c.chunk.id)) continue;
      auto t = mds::tally(views[i]);
      if (t.live < mds::effective_norm(views[i])) continue;
      uint64_t chunk = c.chunk.id;
      rs.wip.deleting[chunk] = {r.cs};
      remove_replica(self, chunk, r.cs, [self, chunk] { self->state.repair->wip.deleting.erase(chunk); });
      break;  // one replica per chunk per round
    }
  }
  // What is left on each released CS, from the store (indexed): `chunks`
  // may be a batch of the repair queue, not every chunk.
  std::map<uint32_t, uint64_t> remaining;
  for (auto cs : rs.wip.releasing) {
    const uint64_t n = md(self).chunks_on(cs).size() + rs.wip.copies_to(cs);
    if (n) remaining[cs] = n;
  }
  std::vector<uint32_t> done;
  for (auto cs : rs.wip.releasing)
    if (!remaining.count(cs)) done.push_back(cs);
  for (auto cs : done) {
    rs.wip.releasing.erase(cs);
    drop_cs(self, cs);
  }
}

}  // namespace

void remove_replica(self_ptr self, uint64_t chunk, uint32_t cs, std::function<void()> done, mds::drop_mode mode) {
  drop_replicas(self, chunk, {cs}, mode, std::nullopt, [self, chunk, cs, done](std::vector<uint32_t> dropped) {
    if (dropped.empty()) return done();
    ask_cs<msg::cs_to_mds_delete_chunk>(self, cs, delete_msg(self, chunk), [done](bool) { done(); });
  });
}

void drop_cs(self_ptr self, uint32_t cs) {
  auto& st = self->state;
  auto ev = st.registry.mark_dropped(cs, self->clock().now());
  // Journaled: every MDS refuses the id from now on (md_command.hpp cmd_drop_cs).
  commit_command(self, mds::cmd_drop_cs{cs}, [cs](std::optional<std::string> why) {
    if (why) spdlog::error("the drop of CS#{} is not recorded in the journal: {}", cs, *why);
  });
  if (ev) emit(self, ev->text);
}

void apply_params(self_ptr self) {
  auto& st = self->state;
  auto& rs = *st.repair;
  rs.live = repair::make_live_config(rs.params);
  // Values never set keep what the daemon was started with (mds_deps).
  auto& set = rs.params.overrides();
  if (!set.count("mds.wd.inactive_tout")) rs.live.liveness.inactive_after = rs.base_liveness.inactive_after;
  if (!set.count("mds.wd.offline_tout")) rs.live.liveness.offline_after = rs.base_liveness.offline_after;
  if (!set.count("mds.alloc.fill_margin")) rs.live.placement.fill_margin_percent = rs.base_placement.fill_margin_percent;
  if (!set.count("mds.alloc.free_space_margin"))
    rs.live.placement.free_space_margin = rs.base_placement.free_space_margin;
  if (!set.count("mds.alloc.strict_failure_domain"))
    rs.live.placement.strict_failure_domain = rs.base_placement.strict_failure_domain;
  st.registry.set_config(rs.live.liveness);
  st.deps.placement = rs.live.placement;
}

void evaluate_health(self_ptr self) {
  auto& st = self->state;
  if (!st.repair || st.repair->evaluating) return;
  auto& rs = *st.repair;
  // "unknown" right after start: CSs have not had the time to register yet
  // (three heartbeat periods, at most the inactivity timeout).
  auto grace = std::min<caf::timespan>(rs.live.liveness.inactive_after, 3 * st.deps.heartbeat_interval);
  // The status is known early once every CS the MDS knows of is back.
  bool all_back = !st.registry.entries().empty();
  for (auto& [id, e] : st.registry.entries())
    all_back = all_back && (e.status == mds::cs_status::active || e.status == mds::cs_status::dropped);
  bool just_elected = self->clock().now() - rs.started < grace && !all_back;
  rs.health = mds::evaluate_cluster(repair::cs_briefs(st.registry.entries()), rs.live.planner.health, just_elected);
  if (rs.health.text.empty() || rs.health.text == rs.last_health_text) return;
  rs.last_health_text = rs.health.text;
  rs.evaluating = true;
  emit(self, rs.health.text);
  rs.evaluating = false;
}

void after_event(self_ptr self, const std::string& text) {
  auto& st = self->state;
  if (!st.repair) return;
  auto& rs = *st.repair;
  if (rs.events) {
    try {
      rs.events->append(wall_now(st), repair::event_severity(text), repair::event_source(text, st.self_id), text);
    } catch (const std::exception& e) {
      spdlog::error("cannot store event '{}': {}", text, e.what());
    }
  }
  if (text.rfind("CS#", 0) == 0) evaluate_health(self);
}

uint32_t verify_chunks_per_minute(self_ptr self) {
  return self->state.repair ? self->state.repair->live.verify_chunks : 2;
}

void init_repair(self_ptr self) {
  auto& st = self->state;
  st.repair = std::make_shared<repair_state>();
  auto& rs = *st.repair;
  rs.started = self->clock().now();
  rs.base_liveness = st.deps.liveness;
  rs.base_placement = st.deps.placement;
  try {
    rs.events = std::make_unique<persistence::event_log>(st.deps.store->db());
  } catch (const std::exception& e) {
    spdlog::error("event log unavailable: {}", e.what());
  }
  for (auto& [name, value] : md(self).params())
    if (mds::find_param(name)) rs.params.set({name, value});
  apply_params(self);
  // Every applied command marks what it changed (followers too: bounded by
  // the cap; the marks a new master finds are superseded by its full scan).
  md(self).set_apply_observer([log = rs.applied](const mds::md_command& c) {
    constexpr size_t marks_cap = 100000;
    if (log->overflow) return;
    auto m = repair::repair_marks(c);
    if (m.chunks.empty() && m.files.empty() && m.css.empty() && !m.all) return;
    if (log->marks.size() >= marks_cap) {
      log->overflow = true;
      log->marks.clear();
      return;
    }
    log->marks.push_back(std::move(m));
  });
}

namespace {

// Rebalancing (actors/repair/rebalance_planner.hpp) after the repair plan:
// only when repair has nothing to do, at most mds.repl.rebalance_jobs moves
// running; emits "Rebalancing started" / "... completed, N chunks moved".
void rebalance_tick(self_ptr self, const repair::repair_plan& plan,
                    const std::vector<persistence::chunk_with_attrs>& chunks,
                    const std::vector<mds::chunk_view>& views) {
  auto& rs = *self->state.repair;
  auto cfg = rs.live.rebalance;
  cfg.placement = rs.live.placement;
  cfg.chunk_size = md(self).chunk_size();
  if (!license_allows_autorebalance(self)) cfg.max_moves = 0;  // autorebalance=0 in the license
  repair::rebalance_view view;
  // Recovery work: chunks waiting for copies (or for job slots), repair
  // copies running, evacuations. Rebalancing waits for all of it.
  view.recovery_work = plan.queued + plan.deferred + rs.queued + rs.wip.releasing.size() + rs.repair_copies();
  view.running_moves = static_cast<uint32_t>(rs.moving.size());
  repair::rebalance_plan moves;
  // Rule 1 of the planner, checked here too so an idle tick costs no view.
  if (cfg.max_moves > 0 && view.recovery_work == 0 && view.running_moves < cfg.max_moves) {
    std::map<uint32_t, uint64_t> load(plan.cs_load.begin(), plan.cs_load.end());
    view.css = repair_candidates(self, load);
    view.chunks.reserve(chunks.size());
    const auto now = self->clock().now();
    for (auto it = rs.move_retry_after.begin(); it != rs.move_retry_after.end();)
      it = now >= it->second ? rs.move_retry_after.erase(it) : std::next(it);
    for (auto it = rs.move_pinned.begin(); it != rs.move_pinned.end();) {
      for (auto p = it->second.begin(); p != it->second.end();)
        p = now >= p->second ? it->second.erase(p) : std::next(p);
      it = it->second.empty() ? rs.move_pinned.erase(it) : std::next(it);
    }
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (rs.move_retry_after.count(chunks[i].chunk.id)) continue;
      view.chunks.push_back({views[i], chunks[i].attrs.tier, mds::level_of(chunks[i].attrs.domain)});
      if (auto p = rs.move_pinned.find(chunks[i].chunk.id); p != rs.move_pinned.end())
        for (auto& [cs, until] : p->second) view.chunks.back().pinned.push_back(cs);
    }
    moves = repair::plan_rebalance(view, cfg);
  }
  for (auto& mv : moves.moves)
    if (!rs.moving.count(mv.chunk_id) && !rs.wip.copying.count(mv.chunk_id)) start_move(self, mv);
  if (auto ev = rs.rebalance.update(moves.moves.size(), rs.moving.size(), rs.chunks_moved, self->clock().now()))
    emit(self, *ev);
}

}  // namespace

// A chunk below NORM whose replica on a connected CS missed version rounds
// but no write (it is at or above the write floor) gets a version round that
// confirms it again, before (and instead of) copying the data anew: the
// simulator's `--seed 1259 --scenario data-disk` lost data when such a
// replica was left aside while the last confirmed one rotted.
void promote_lagging(self_ptr self, const std::vector<persistence::chunk_with_attrs>& chunks,
                     const std::vector<mds::chunk_view>& views) {
  auto& st = self->state;
  auto& rs = *st.repair;
  const auto now = self->clock().now();
  std::set<uint64_t> seen;
  std::map<uint64_t, const mds::chunk_view*> view_of;
  for (auto& v : views) view_of[v.id] = &v;
  for (auto& cw : chunks) {
    const auto& c = cw.chunk;
    auto vit = view_of.find(c.id);
    if (vit == view_of.end() || mds::tally(*vit->second).live >= mds::effective_norm(*vit->second)) continue;
    bool lagging = std::any_of(c.replicas.begin(), c.replicas.end(), [&](const mds::replica_info& r) {
      return r.version < c.version && mds::holds_acked_writes(c, r) && st.cs_handles.count(r.cs) &&
             !rs.wip.bad_replicas.count({c.id, r.cs});
    });
    if (!lagging || st.chunk_busy.count(c.id)) continue;
    seen.insert(c.id);
    auto it = rs.promote_after.find(c.id);
    if (it != rs.promote_after.end() && now < it->second) continue;
    rs.promote_after[c.id] = now + std::chrono::seconds(10);
    st.unconfirmed.insert(c.id);
  }
  // Forget the throttle of chunks looked at now that no longer lag (the
  // others were not in this pass).
  for (auto& cw : chunks)
    if (!seen.count(cw.chunk.id)) rs.promote_after.erase(cw.chunk.id);
  promote_unconfirmed(self);
}

namespace {

bool chunk_busy_for_repair(self_ptr self, uint64_t chunk) {
  auto& st = self->state;
  auto& rs = *st.repair;
  return rs.wip.copying.count(chunk) || rs.wip.deleting.count(chunk) || rs.moving.count(chunk) ||
         st.chunk_busy.count(chunk);
}

void mark_chunks_on(self_ptr self, uint32_t cs) {
  for (auto c : md(self).chunks_on(cs)) self->state.repair->queue.mark(c);
}

// The marks of the commands applied since the last pass.
void take_applied_marks(self_ptr self) {
  auto& rs = *self->state.repair;
  auto log = std::move(*rs.applied);
  *rs.applied = {};
  if (log.overflow) rs.full_scan_due = true;
  for (auto& m : log.marks) {
    for (auto c : m.chunks) rs.queue.mark(c);
    for (auto ino : m.files)
      for (auto& c : md(self).chunks(ino)) rs.queue.mark(c.id);
    for (auto cs : m.css) mark_chunks_on(self, cs);
    if (m.all) rs.full_scan_due = true;
  }
}

// What changed since the last pass that the journal does not tell: CS
// statuses (a CS turning inactive, offline or dropped, or coming back after
// it was active, marks its chunks — chunks_on is indexed), rm-cs releases,
// bad-replica reports. A CS first seen (start, registration storm) marks
// nothing: the full scan after start covers what it holds.
void note_changes(self_ptr self) {
  auto& st = self->state;
  auto& rs = *st.repair;
  if (rs.scan_master_since != st.master_since_ns) {  // (again) master: start over
    rs.scan_master_since = st.master_since_ns;
    rs.seen_status.clear();
    rs.was_active.clear();
    rs.seen_releasing.clear();
    rs.seen_bad.clear();
    rs.queue = {};
    rs.full_scan_due = true;
    rs.scan.stop();
  }
  for (auto& [id, e] : st.registry.entries()) {
    auto it = rs.seen_status.find(id);
    if (it == rs.seen_status.end()) {
      rs.seen_status.emplace(id, e.status);
      if (e.status == mds::cs_status::active) rs.was_active.insert(id);
      continue;
    }
    if (it->second == e.status) continue;
    it->second = e.status;
    if (e.status == mds::cs_status::active && !rs.was_active.insert(id).second) {
      mark_chunks_on(self, id);  // back: its replicas count again (overcommitted chunks)
      continue;
    }
    if (e.status != mds::cs_status::active) mark_chunks_on(self, id);
  }
  for (auto cs : rs.wip.releasing)
    if (!rs.seen_releasing.count(cs)) mark_chunks_on(self, cs);
  rs.seen_releasing = rs.wip.releasing;
  for (auto& key : rs.wip.bad_replicas)
    if (!rs.seen_bad.count(key)) rs.queue.mark(key.first);
  rs.seen_bad = rs.wip.bad_replicas;
}

// What plan_chunks was given: every chunk (a whole scan), a slice of a
// sliced full scan, or a batch of the repair queue.
enum class chunk_set { whole, slice, batch };

// stat's chunk counts (chunk_state_table): each chunk as classified now. A
// chunk in a hold is classified with its hold floor, as stat always showed
// it (repair_support.hpp build_chunk_views); the planners get no floor.
void record_states(self_ptr self, const std::vector<persistence::chunk_with_attrs>& chunks,
                   const std::vector<mds::chunk_view>& views) {
  auto& st = self->state;
  auto& rs = *st.repair;
  for (size_t i = 0; i < views.size() && i < chunks.size(); ++i) {
    if (!st.hold_floor.count(views[i].id)) {
      rs.states.set(views[i].id, mds::classify(views[i], rs.live.planner.policy));
      continue;
    }
    auto held = repair::build_chunk_views({chunks[i]}, st.registry.entries(), rs.wip, &st.hold_floor);
    rs.states.set(views[i].id, mds::classify(held.at(0), rs.live.planner.policy));
  }
}

// Plans `chunks` and starts the jobs; rebalancing after a whole scan or a
// slice of a full scan. Each chunk looked at is settled in the queue and
// its state recorded for stat.
void plan_chunks(self_ptr self, const std::vector<persistence::chunk_with_attrs>& chunks, chunk_set set) {
  const bool full = set == chunk_set::whole;
  auto& st = self->state;
  auto& rs = *st.repair;
  auto views = repair::build_chunk_views(chunks, st.registry.entries(), rs.wip);
  record_states(self, chunks, views);
  repair::cluster_view view;
  view.chunks = views;
  view.css = repair::cs_briefs(st.registry.entries());
  view.just_elected = rs.health.status == mds::cluster_status::unknown;
  for (auto& [chunk, targets] : rs.wip.copying) {
    // A move keeps its source busy too (it is read, then dropped).
    auto busy = targets;
    if (auto m = rs.moving.find(chunk); m != rs.moving.end()) busy.push_back(m->second.from_cs);
    view.running.push_back({chunk, repair::job_kind::replicate, static_cast<uint32_t>(targets.size()), busy});
  }
  for (auto& [chunk, victims] : rs.wip.deleting)
    view.running.push_back({chunk, repair::job_kind::delete_overcommitted, 0, victims});
  // A move past its copy is dropping its source (journaled, so not at
  // once): the chunk is overcommitted until then and not the planner's.
  for (auto& [chunk, mv] : rs.moving)
    if (!rs.wip.copying.count(chunk) && !rs.wip.deleting.count(chunk))
      view.running.push_back({chunk, repair::job_kind::delete_overcommitted, 0, {mv.from_cs}});
  auto plan = repair::plan_repairs(view, rs.live.planner);
  promote_lagging(self, chunks, views);
  std::map<uint64_t, size_t> index;
  for (size_t i = 0; i < chunks.size(); ++i) index[chunks[i].chunk.id] = i;
  // Each chunk looked at keeps its rank while work remains (a halted plan
  // keeps them all), or leaves the queue — judged before its jobs start.
  for (auto& v : views) {
    auto rank = repair::repair_rank(v, chunk_busy_for_repair(self, v.id));
    if (plan.halted && rank) rank = std::max<uint8_t>(*rank, 1);
    rs.queue.settle(v.id, rank);
  }
  // Queued (before the jobs start): chunks below NORM with a source, none of
  // whose missing replicas merely sits on an inactive CS, and no copy
  // running — over every chunk on a full scan, else over the queue's
  // classified ranks.
  if (full) {
    rs.queued = 0;
    for (auto& v : views) {
      auto t = mds::tally(v);
      if (t.live > 0 && t.live < mds::effective_norm(v) && t.standby == 0 && !rs.wip.copying.count(v.id)) ++rs.queued;
    }
  } else {
    rs.queued = rs.queue.count(1, 4);
    for (auto& [chunk, targets] : rs.wip.copying)
      if (rs.queue.contains(chunk) && rs.queued && !rs.moving.count(chunk)) --rs.queued;
  }
  if (!plan.halted) {
    std::map<uint32_t, uint64_t> load(plan.cs_load.begin(), plan.cs_load.end());
    for (auto& job : plan.jobs) {
      auto it = index.find(job.chunk_id);
      if (it == index.end()) continue;
      if (job.kind == repair::job_kind::replicate) {
        // autorecovery=0 in the license (docs/licensing.md): no automatic
        // copies; rm-cs evacuation still moves data off a released CS.
        if (!license_allows_autorecovery(self)) continue;
        // Replicas on an inactive CS are not lost yet: they count as lost
        // only once the CS is offline (mds.wd.offline_tout).
        if (mds::tally(views[it->second]).standby > 0) continue;
        if (!rs.wip.copying.count(job.chunk_id)) start_copy(self, job, chunks[it->second], load);
      } else {  // delete_overcommitted, delete_stale (repair_planner.hpp rules 5, 6)
        if (!rs.wip.deleting.count(job.chunk_id)) start_delete(self, job);
      }
    }
    evacuate(self, chunks, views);
  }
  if (!plan.halted) {
    if (auto ev = rs.replication.update(rs.queued, rs.repair_copies())) emit(self, *ev);
    if (set != chunk_set::batch) rebalance_tick(self, plan, chunks, views);
  }
}

// Runs `fn` as the MDS's next message, behind those already queued (a
// client's request waits for one slice, not for the whole scan); the
// later_atom handler of mds_actor.cpp runs it (run_later without a timer).
void run_next(self_ptr self, std::function<void()> fn) {
  auto& st = self->state;
  const uint64_t id = ++st.next_later;
  st.later.emplace(id, std::move(fn));
  self->send(self, later_atom::value, id);
}

// One slice of the sliced full scan (full_scan.hpp), then the next one as
// its own message until the table's end. `run`: the scan it belongs to (a
// new master, or a new scan, ends the older chain).
void scan_slice(self_ptr self, uint64_t run) {
  auto& st = self->state;
  if (!st.repair || !serving(self)) return;
  auto& rs = *st.repair;
  if (!rs.scan.running() || run != rs.full_scans) return;
  auto chunks = md(self).chunks_from(rs.scan.from(), rs.scan.rows());
  std::vector<uint64_t> ids;
  ids.reserve(chunks.size());
  for (auto& c : chunks) ids.push_back(c.chunk.id);
  const auto covered = rs.scan.advance(ids);
  rs.states.erase_range_except(covered.from, covered.to, ids);  // deleted since the last look
  plan_chunks(self, chunks, chunk_set::slice);
  if (!covered.last) return run_next(self, [self, run] { scan_slice(self, run); });
  rs.last_scan_chunks = rs.scan.scanned();
  rs.next_full_scan = self->clock().now() + repair::scan_interval(rs.scan.scanned());
}

}  // namespace

void plan_repairs_pass(self_ptr self, size_t batch) {
  auto& st = self->state;
  if (!st.repair) return;
  auto& rs = *st.repair;
  evaluate_health(self);
  uint64_t total = 0, free = 0;
  for (auto& [id, e] : st.registry.entries())
    if (e.status == mds::cs_status::active) total += e.total_bytes, free += e.free_bytes;
  if (auto ev = rs.fill.update(total, free)) emit(self, *ev);
  note_changes(self);
  take_applied_marks(self);
  const auto now = self->clock().now();
  // Which pass (actors/repair/full_scan.hpp): below whole_scan_below chunks
  // every pass is a whole scan, exactly as before the queue (the
  // simulator's data-disk seed 779 lost a repair with the incremental path,
  // not understood yet: docs/scale.md); above it a sliced full scan when
  // due, else the queue's front (also between the slices of a scan).
  repair::pass_inputs in;
  in.chunks = md(self).chunk_count();
  in.scan_running = rs.scan.running();
  in.status_known = rs.health.status != mds::cluster_status::unknown;
  in.scan_due = now >= rs.next_full_scan;
  in.marks_lost = rs.full_scan_due;
  const auto kind = repair::choose_pass(in);
  if (kind == repair::pass_kind::whole_scan) {
    rs.scan.stop();
    auto chunks = md(self).all_chunks();
    rs.full_scan_due = false;
    ++rs.full_scans;
    rs.last_scan_chunks = chunks.size();
    rs.next_full_scan = now + repair::scan_interval(chunks.size());
    std::vector<uint64_t> ids;
    ids.reserve(chunks.size());
    for (auto& c : chunks) ids.push_back(c.chunk.id);
    rs.states.erase_range_except(0, UINT64_MAX, ids);
    plan_chunks(self, chunks, chunk_set::whole);
    return;
  }
  if (kind == repair::pass_kind::start_scan) {
    rs.full_scan_due = false;
    ++rs.full_scans;
    rs.scan.start();
    return scan_slice(self, rs.full_scans);
  }
  if (rs.queue.size() == 0) {
    if (auto ev = rs.replication.update(0, rs.repair_copies())) emit(self, *ev);
    return;
  }
  auto ids = rs.queue.front(batch);
  auto chunks = md(self).chunks_with_attrs(ids);
  if (chunks.size() < ids.size()) {  // deleted meanwhile
    std::set<uint64_t> found;
    for (auto& c : chunks) found.insert(c.chunk.id);
    for (auto id : ids)
      if (!found.count(id)) {
        rs.queue.drop(id);
        rs.states.erase(id);
      }
  }
  plan_chunks(self, chunks, chunk_set::batch);
}

void repair_tick(self_ptr self) { plan_repairs_pass(self, repair_tick_batch); }

}  // namespace pstorage::mds_impl
