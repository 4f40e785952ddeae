// mds_files_actor.cpp — the MDS's data path (issue 3): namespace requests,
// chunk maps with allocation, replica failures, write leases and bad-replica
// reports. Contract: /tmp/datapath.md as committed in docs, summarised in
// mds_actor.hpp. Every change goes validate (md_validate.hpp) -> md_command
// -> md_store::commit_local -> reply; CS requests use response promises.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <set>

#include "actors/mds/md_validate.hpp"
#include "actors/mds/placement_candidates.hpp"
#include "actors/common/sim_bugs.hpp"
#include "actors/mds/cs_fan_out.hpp"
#include "actors/mds/heap_trim.hpp"
#include "actors/mds/mds_repair_state.hpp"
#include "actors/mds/mds_state.hpp"
#include "protocol/common.capnp.h"

namespace pstorage::mds_impl {
namespace p = proto;
using mds::md_error;

namespace {

// An error as it goes to a client: protocol status, errno, text.
struct op_error {
  uint32_t status = p::STATUS_OK;
  int posix = 0;
  std::string message;
};

uint32_t status_for(int code) {
  switch (code) {
    case ENOENT: return p::STATUS_NOT_FOUND;
    case ENOSPC: return p::STATUS_NO_SPACE;
    case EBUSY: return p::STATUS_BUSY;
    case EIO: return p::STATUS_IO_ERROR;
    case EAGAIN: return p::STATUS_UNAVAILABLE;
    default: return p::STATUS_BAD_REQUEST;
  }
}

op_error from_md(const md_error& e) { return op_error{status_for(e.code), e.code, e.message}; }

void put_status(p::Status::Builder b, const op_error& e) {
  b.setCode(e.status);
  b.setMessage(e.message);
  b.setPosixError(e.posix);
}

int64_t wall_now(mds_state& st) {
  if (st.deps.wall_clock_ns) return st.deps.wall_clock_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

persistence::md_store& md(self_ptr self) { return *self->state.deps.md; }

mds::decision_context make_ctx(self_ptr self) {
  auto& st = self->state;
  mds::decision_context ctx;
  ctx.now = wall_now(st);
  ctx.new_inode = [self] { return self->state.next_inode++; };
  ctx.new_chunk = [self] { return self->state.next_chunk++; };
  ctx.is_open = [self](mds::inode_id ino) { return self->state.leases.is_open(ino); };
  return ctx;
}

// Journals one validated command (propose, answered when applied); the
// store's rejection, a lost proposal or a storage failure becomes an error.
using commit_done = std::function<void(std::optional<op_error>)>;
void commit(self_ptr self, const mds::md_command& cmd, commit_done done,
            const std::optional<mds::request_tag>& tag = std::nullopt) {
#ifdef PSTORAGE_SIM_BUGS
  if ((std::holds_alternative<mds::cmd_rename>(cmd) || std::holds_alternative<mds::cmd_unlink>(cmd)) &&
      PSTORAGE_SIM_BUG(mds_ack_before_commit)) {
    self->state.sim_uncommitted.push_back(cmd);  // sim-only bug: answered before it is stored
    return done(std::nullopt);
  }
#endif
  propose(
      self, cmd,
      [done](const proposal_outcome& o) {
        if (o.ok()) return done(std::nullopt);
        if (o.rejected) return done(from_md(*o.rejected));
        done(op_error{p::STATUS_NOT_MASTER, EAGAIN, o.error});
      },
      tag);
}

// Makes every namespace change committed so far power-loss durable
// (md_command.hpp durable_at_once), then done(error).
void sync_namespace(self_ptr self, commit_done done) {
  sync_journal(self, [done](std::optional<std::string> e) {
    if (e) return done(op_error{p::STATUS_IO_ERROR, EIO, "metadata journal failure: " + *e});
    done(std::nullopt);
  });
}

using file_promise = caf::typed_response_promise<msg::mds_to_client_file_op>;

// ---- paths -------------------------------------------------------------------

// "/a/b/c" -> ("/a/b", "c"); trailing slashes ignored. No name: ("", "").
std::pair<std::string, std::string> split_path(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  auto pos = path.rfind('/');
  if (pos == std::string::npos || path == "/") return {"", ""};
  return {pos == 0 ? "/" : path.substr(0, pos), path.substr(pos + 1)};
}

mds::md_result<mds::inode_id> resolve(self_ptr self, const std::string& path) {
  if (path.empty() || path[0] != '/')
    return md_error{EINVAL, "'" + path + "' is not an absolute path within the cluster"};
  return mds::resolve_path(md(self), path);
}

struct parent_name {
  mds::inode_id parent = 0;
  std::string name;
};
mds::md_result<parent_name> resolve_parent(self_ptr self, const std::string& path) {
  auto [dir, name] = split_path(path);
  if (name.empty()) return md_error{EINVAL, "'" + path + "' names no entry (the root cannot be changed this way)"};
  auto p = resolve(self, dir);
  if (!p) return p.error();
  return parent_name{p.value(), name};
}

// The path of an inode, for messages ("<orphan #N>" when unlinked).
std::string path_of(self_ptr self, mds::inode_id ino) {
  std::string out;
  auto cur = ino;
  for (int depth = 0; depth < 256 && cur != mds::root_inode; ++depth) {
    auto a = md(self).getattr(cur);
    if (!a) return "#" + std::to_string(ino);
    if (a->parent == 0) return "<orphan #" + std::to_string(ino) + ">" + out;
    out = "/" + md(self).name_of(cur).value_or(std::string()) + out;
    cur = a->parent;
  }
  return out.empty() ? "/" : out;
}

// ---- CS requests ----------------------------------------------------------------

// Best effort: delete replicas on their CSs, nobody waits. The change that
// freed them (an unlink or rename, not fsynced at once) is made durable first:
// a power loss must never bring back a file whose data is gone.
void delete_replicas(self_ptr self, const std::vector<mds::chunk_info>& chunks) {
  if (chunks.empty()) return;
  sync_namespace(self, [self, chunks](std::optional<op_error> e) {
    if (e) {
      // Keeping data is the safe side: the replicas stay on their CSs, taking
      // space (there is no collection of unreferenced replicas yet).
      spdlog::error("not deleting the replicas of {} chunk(s): {}", chunks.size(), e->message);
      return;
    }
    std::vector<std::pair<uint32_t, msg::mds_to_cs_delete_chunk>> reqs;
    for (auto& c : chunks)
      for (auto& r : c.replicas)
        reqs.emplace_back(r.cs, wire::make<p::MdsToCsDeleteChunk>([&](auto b) {
          b.setChunkId(c.id);
          b.setEpoch(self->state.term);  // a CS refuses orders of a deposed master
        }));
    fan_out<msg::cs_to_mds_delete_chunk>(self, std::move(reqs), [](std::vector<uint32_t>) {});
  });
}

// Are `pages` (a CS's report) all pages no holder had good when a copy
// carried them over marked bad? Then the replica is not worse than any
// other (docs/chunk-versions.md, "A bad page in a copy").
template <class Pages>
bool only_lost_pages(self_ptr self, mds::chunk_id chunk, const Pages& pages) {
  if (!self->state.repair || pages.size() == 0) return false;
  auto it = self->state.repair->wip.lost_pages.find(chunk);
  if (it == self->state.repair->wip.lost_pages.end()) return false;
  for (auto pg : pages)
    if (!it->second.count(pg)) return false;
  spdlog::info("chunk {}: a report of page(s) bad on every replica (lost) does not mark the replica bad", chunk);
  return true;
}

// A replica with a checksum error (mds_repair_state.hpp, bad_replicas).
void mark_bad_replica(self_ptr self, mds::chunk_id chunk, uint32_t cs) {
  if (!self->state.repair) return;
  if (self->state.repair->wip.bad_replicas.insert({chunk, cs}).second)
    spdlog::warn("replica of chunk {} on CS#{} has bad pages: kept for its good pages, replaced by repair", chunk, cs);
}

// ---- chunk locations -------------------------------------------------------------

bool cs_active(mds_state& st, uint32_t id) {
  auto* e = st.registry.find(id);
  return e && e->status == mds::cs_status::active;
}

// Live replicas: current version, on an active CS.
uint32_t live_count(mds_state& st, const mds::chunk_info& c) {
  uint32_t n = 0;
  for (auto& r : c.replicas) n += r.version == c.version && cs_active(st, r.cs);
  return n;
}

// `client` (non-empty) may read with the location for map_validity; the hand-
// out goes on record (map_leases.hpp) with the CSs it lists.
void fill_location(self_ptr self, p::ChunkLocation::Builder b, const mds::chunk_info& c, const std::string& client) {
  auto& st = self->state;
  b.setChunkId(c.id);
  b.setIndex(c.index);
  b.setVersion(c.version);
  b.setValidMs(static_cast<uint32_t>(st.deps.map_validity.count()));
  std::vector<mds::replica_info> cur;
  for (auto& r : c.replicas)
    if (r.version == c.version) cur.push_back(r);
  // Active CSs first; replicas with bad pages last (tried only when the others fail).
  auto bad = [&](const mds::replica_info& r) { return st.repair && st.repair->wip.bad_replicas.count({c.id, r.cs}); };
  std::stable_partition(cur.begin(), cur.end(), [&](const mds::replica_info& r) { return !bad(r); });
  std::stable_partition(cur.begin(), cur.end(), [&](const mds::replica_info& r) { return cs_active(st, r.cs); });
  auto list = b.initReplicas(static_cast<unsigned>(cur.size()));
  std::vector<uint32_t> listed;
  for (unsigned i = 0; i < cur.size(); ++i) {
    list[i].setCsId(cur[i].cs);
    listed.push_back(cur[i].cs);
    auto* e = st.registry.find(cur[i].cs);
    list[i].setAddress(e ? e->rec.address : "");
  }
  if (!client.empty() && !listed.empty())
    st.map_leases.handed_out(c.id, client, c.version, std::move(listed), steady_ns(self));
}

using alloc_done = std::function<void(std::optional<op_error>)>;

// Allocates chunk `index` of `ino`: placement over active CSs, CreateChunk on
// every chosen CS in parallel, then cmd_alloc_chunk. CSs that fail are
// excluded and placement retried (deps.alloc_attempts in all).
void allocate_chunk(self_ptr self, mds::inode_id ino, uint64_t index, std::string client,
                    std::vector<uint32_t> exclude, unsigned attempt, alloc_done done) {
  auto& st = self->state;
  // A retry after a failed create may find this MDS deposed: the client asks the master.
  if (!serving(self)) return done(op_error{p::STATUS_NOT_MASTER, EAGAIN, not_master_text(self)});
  auto attr = md(self).getattr(ino);
  if (!attr) return done(op_error{p::STATUS_NOT_FOUND, ENOENT, "file #" + std::to_string(ino) + " no longer exists"});
  if (md(self).chunk_at(ino, index)) return done(std::nullopt);
  // The license's capacity (docs/licensing.md): past it the writer gets
  // ENOSPC (or waits, as the mount is configured); reads, deletes and
  // writes into existing chunks go on.
  // Checked once per allocation (retries keep the first attempt's reservation).
  if (attempt == 0) {
    if (auto why = license_allocation_refusal(self)) return done(op_error{p::STATUS_NO_SPACE, ENOSPC, *why});
    done = [self, done](std::optional<op_error> e) {
      license_allocation_finished(self, !e);
      done(e);
    };
  }
  mds::placement_request req;
  req.replicas = attr->repl.replicas_norm;
  req.chunk_size = md(self).chunk_size();
  req.tier = attr->repl.tier;
  req.failure_domain = mds::level_of(attr->repl.domain);
  req.exclude = exclude;
  req.path = path_of(self, ino);
  req.requester = client;
  static const std::set<uint32_t> none;
  auto cands = mds::placement_candidates(
      st.registry, [&](uint32_t id) { return st.cs_handles.count(id) > 0; },
      st.repair ? st.repair->wip.releasing : none);
  auto res = mds::place_replicas(cands, req, st.deps.placement, st.rnd);
  // Fewer CSs than NORM available (one died): allocate down to MIN so writes
  // go on while live replicas >= MIN (issue 3); the chunk starts degraded and
  // repair brings it to NORM. Below MIN the request fails and the client waits.
  for (uint32_t n = req.replicas - 1; !res.ok && res.error == mds::placement_error::not_enough_available &&
                                      n >= std::max<uint32_t>(1, attr->repl.replicas_min);
       --n) {
    auto fewer = req;
    fewer.replicas = n;
    auto r = mds::place_replicas(cands, fewer, st.deps.placement, st.rnd);
    if (r.ok) {
      emit_once(self, "allocated " + std::to_string(n) + " of " + std::to_string(req.replicas) + " replicas for '" +
                          req.path + "': " + res.message);
      res = r;
    }
  }
  if (!res.ok) {
    emit_once(self, res.message);
    return done(op_error{p::STATUS_NO_SPACE, ENOSPC, res.detail.empty() ? res.message : res.message + " (" + res.detail + ")"});
  }
  const mds::chunk_id id = st.next_chunk++;
  st.alloc_order.begin(id);
  std::vector<std::pair<uint32_t, msg::mds_to_cs_create_chunk>> reqs;
  for (auto cs : res.chain)
    reqs.emplace_back(cs, wire::make<p::MdsToCsCreateChunk>([&](auto b) {
                        b.setEpoch(st.term);
                        b.setChunkId(id);
                        b.setVersion(1);
                      }));
  auto chain = res.chain;
  fan_out<msg::cs_to_mds_create_chunk>(
      self, std::move(reqs),
      [self, ino, index, client, exclude, attempt, done, id, chain](std::vector<uint32_t> failed) mutable {
        auto created = [&] {
          mds::chunk_info ci;
          ci.id = id;
          for (auto cs : chain)
            if (!std::binary_search(failed.begin(), failed.end(), cs)) ci.replicas.push_back({cs, 1});
          return ci;
        };
        if (failed.empty()) {
          // Proposed once every smaller new id has been (alloc_order.hpp).
          auto propose = [self, ino, index, chain, id, done, ci = created()] {
            auto ctx = make_ctx(self);
            ctx.new_chunk = [id] { return id; };
            auto out = mds::validate_alloc_chunk(md(self), ctx, ino, index, chain);
            if (!out) {
              delete_replicas(self, {ci});
              if (out.error().code == EEXIST) return done(std::nullopt);  // allocated meanwhile
              return done(from_md(out.error()));
            }
            commit(self, out.value(), [self, done, ci](std::optional<op_error> e) {
              if (!e) return done(std::nullopt);
              // A proposal lost to a master change may still be committed by
              // the next master: its replicas stay (never delete what the map
              // may list).
              if (e->status != p::STATUS_NOT_MASTER) delete_replicas(self, {ci});
              if (e->posix == EEXIST) return done(std::nullopt);  // allocated meanwhile
              done(*e);
            });
          };
          for (auto& now : self->state.alloc_order.finish(id, std::move(propose))) now();
          return;
        }
        for (auto& now : self->state.alloc_order.finish(id, {})) now();
        delete_replicas(self, {created()});
        exclude.insert(exclude.end(), failed.begin(), failed.end());
        if (attempt + 1 < self->state.deps.alloc_attempts)
          return allocate_chunk(self, ino, index, client, exclude, attempt + 1, done);
        std::string ids;
        for (auto cs : failed) ids += (ids.empty() ? "CS#" : ", CS#") + std::to_string(cs);
        done(op_error{p::STATUS_UNAVAILABLE, EAGAIN,
                      "could not create chunk " + std::to_string(index) + " of '" + path_of(self, ino) +
                          "': " + ids + " failed to create it; retry later"});
      });
}

void allocate_all(self_ptr self, mds::inode_id ino, std::vector<uint64_t> missing, size_t i, std::string client,
                  alloc_done done) {
  if (i >= missing.size()) return done(std::nullopt);
  auto idx = missing[i];
  allocate_chunk(self, ino, idx, client, {}, 0,
                 [self, ino, missing = std::move(missing), i, client, done](std::optional<op_error> e) mutable {
                   if (e) return done(e);
                   allocate_all(self, ino, std::move(missing), i + 1, client, done);
                 });
}

// ---- replies ----------------------------------------------------------------------

void fill_attr(p::FileAttr::Builder b, const mds::inode_attr& a) {
  b.setIno(a.ino);
  b.setIsDir(a.is_dir());
  b.setSize(a.size);
  b.setMode(a.mode);
  b.setAtimeNs(a.atime);
  b.setMtimeNs(a.mtime);
  b.setCtimeNs(a.ctime);
  b.setNlink(a.nlink);
  auto r = b.initRepl();
  r.setReplicas(static_cast<uint8_t>(a.repl.replicas_norm));
  r.setMinReplicas(static_cast<uint8_t>(a.repl.replicas_min));
  r.setTier(static_cast<uint8_t>(a.repl.tier));
  r.setFailureDomain(mds::to_string(a.repl.domain));
}

struct file_answer {
  op_error err;
  std::optional<mds::inode_attr> attr;
  std::vector<mds::dir_entry> entries;
  bool statfs = false;
  uint64_t total = 0, free = 0, files = 0;
  uint32_t lease_ms = 0;
};

msg::mds_to_client_file_op make_file_reply(const file_answer& a) {
  return wire::make<p::MdsToClientFileOp>([&](auto b) {
    put_status(b.initStatus(), a.err);
    if (a.attr) fill_attr(b.initAttr(), *a.attr);
    if (!a.entries.empty()) {
      auto l = b.initEntries(static_cast<unsigned>(a.entries.size()));
      for (unsigned i = 0; i < a.entries.size(); ++i) {
        l[i].setName(a.entries[i].name);
        l[i].setIno(a.entries[i].ino);
        l[i].setIsDir(a.entries[i].type == mds::inode_type::dir);
      }
    }
    if (a.statfs) {
      auto s = b.initStatfs();
      s.setTotalBytes(a.total);
      s.setFreeBytes(a.free);
      s.setFiles(a.files);
    }
    b.setLeaseMs(a.lease_ms);
  });
}

file_answer fail(const op_error& e) {
  file_answer a;
  a.err = e;
  return a;
}
file_answer fail(const md_error& e) { return fail(from_md(e)); }

file_answer attr_answer(self_ptr self, mds::inode_id ino) {
  auto a = md(self).getattr(ino);
  if (!a) return fail(op_error{p::STATUS_NOT_FOUND, ENOENT, "inode #" + std::to_string(ino) + " does not exist"});
  file_answer out;
  out.attr = *a;
  return out;
}

// ---- file ops -----------------------------------------------------------------------

// The request a FileOp carries (requestId 0: none).
std::optional<mds::request_tag> tag_of(p::ClientToMdsFileOp::Reader req) {
  if (!req.getRequestId()) return std::nullopt;
  return mds::request_tag{req.getClientId(), req.getRequestId()};
}

// A retried request whose command is already applied (md_store::
// request_index): the answer of that first outcome, with `answer(command,
// /*replay=*/true)` — no side effect runs twice.
template <class A>
std::optional<msg::mds_to_client_file_op> replayed_answer(self_ptr self, const mds::request_tag& tag, A& answer) {
  auto idx = md(self).request_index(tag.client, tag.id);
  if (!idx) return std::nullopt;
  auto o = md(self).outcome(*idx);
  auto e = md(self).entry(*idx);
  if (!o || !e) return std::nullopt;
  spdlog::info("client {} request {} retried: answered from journal entry {}", tag.client, tag.id, *idx);
  if (o->rejected) return make_file_reply(fail(*o->rejected));
  return make_file_reply(answer(mds::decode_command(e->data), true));
}

// validate -> propose -> once applied, the answer `answer(command, replay)`
// (or the error). A validation error is answered at once. With a request
// tag (the client's request id), a retry is answered from the first
// outcome (replay = true: answer() must then skip its side effects, e.g.
// deleting the replicas an unlink freed), and a retry of a request still
// being committed waits for it.
// `dirs` (with the request's `client`): the directories a namespace change
// alters; mounts holding their listings drop them before the answer
// (after_dir_change, docs/consistency.md "Directory listings").
template <class V, class A>
caf::result<msg::mds_to_client_file_op> validate_commit_reply(self_ptr self, const std::optional<mds::request_tag>& tag,
                                                              V&& validate, A answer, std::vector<uint64_t> dirs = {},
                                                              const std::string& client = {}) {
  auto& st = self->state;
  std::pair<std::string, uint64_t> key;
  if (tag) {
    if (auto r = replayed_answer(self, *tag, answer)) return *r;
    key = {tag->client, tag->id};
    if (auto it = st.requests_in_flight.find(key); it != st.requests_in_flight.end()) {
      auto rp = self->make_response_promise<msg::mds_to_client_file_op>();
      it->second.push_back([self, rp, tag, answer]() mutable {
        auto r = replayed_answer(self, *tag, answer);
        rp.deliver(r ? *r : make_file_reply(fail(op_error{p::STATUS_NOT_MASTER, EAGAIN, "the first try of this "
                                                                                          "request was not committed; retry"})));
      });
      return rp;
    }
  }
  auto ctx = make_ctx(self);
  mds::md_outcome out = validate(ctx);
  if (!out) return make_file_reply(fail(out.error()));
  auto rp = self->make_response_promise<msg::mds_to_client_file_op>();
  auto cmd = out.value();
  if (tag) st.requests_in_flight[key];
  commit(
      self, cmd,
      [self, rp, cmd, answer, tag, key, dirs, client](std::optional<op_error> e) mutable {
        auto finish = [self, tag, key] {
          if (!tag) return;
          auto& st = self->state;
          auto waiting = std::move(st.requests_in_flight[key]);
          st.requests_in_flight.erase(key);
          for (auto& w : waiting) w();
        };
        if (e) {
          rp.deliver(make_file_reply(fail(*e)));
          return finish();
        }
        auto reply = make_file_reply(answer(cmd, false));  // its side effects now, the answer after the mounts
        after_dir_change(self, dirs, client, [rp, reply, finish]() mutable {
          rp.deliver(reply);
          finish();
        });
      },
      tag);
  return rp;
}

void after_setattr(self_ptr self, const mds::cmd_setattr& cmd, mds::inode_id ino,
                   const std::optional<mds::inode_attr>& before, const std::vector<mds::chunk_info>& chunks_before,
                   std::function<void()> done);

caf::result<msg::mds_to_client_file_op> do_setattr(self_ptr self, p::ClientToMdsFileOp::SetAttr::Reader r,
                                                   const std::string& client) {
  mds::inode_id ino = r.getIno();
  std::string path = r.getPath();
  if (!path.empty()) {
    auto res = resolve(self, path);
    if (!res) return make_file_reply(fail(res.error()));
    ino = res.value();
  }
  mds::setattr_request sr;
  if (r.getSetMode()) sr.mode = r.getMode() & 07777;
  if (r.getSetAtime()) {
    if (r.getAtimeNow()) sr.atime_now = true;
    else sr.atime = r.getAtimeNs();
  }
  if (r.getSetMtime()) {
    if (r.getMtimeNow()) sr.mtime_now = true;
    else sr.mtime = r.getMtimeNs();
  }
  if (r.getSetSize()) sr.size = r.getSize();
  // What a truncate will cut, read before the command changes it.
  auto before = md(self).getattr(ino);
  std::vector<mds::chunk_info> chunks_before = before && !before->is_dir() ? md(self).chunks(ino) : std::vector<mds::chunk_info>{};
  auto ctx = make_ctx(self);
  auto out = mds::validate_setattr(md(self), ctx, ino, sr);
  if (!out) return make_file_reply(fail(out.error()));
  auto rp = self->make_response_promise<msg::mds_to_client_file_op>();
  auto cmd = std::get<mds::cmd_setattr>(out.value());
  commit(self, cmd, [self, rp, cmd, ino, before, chunks_before, client](std::optional<op_error> e) mutable {
    if (e) {
      rp.deliver(make_file_reply(fail(*e)));
      return;
    }
    // Done (a truncate's round included): other mounts with the file open
    // drop their caches (mds_watch_actor.cpp), then the answer.
    after_setattr(self, cmd, ino, before, chunks_before, [self, rp, ino, client]() mutable {
      after_invalidation(self, ino, client, [self, rp, ino]() mutable { rp.deliver(make_file_reply(attr_answer(self, ino))); });
    });
  });
  return rp;
}

// A setattr is applied: a truncate deletes the chunks beyond the end and
// runs a round for the cut chunk, then done().
void after_setattr(self_ptr self, const mds::cmd_setattr& cmd, mds::inode_id ino,
                   const std::optional<mds::inode_attr>& before, const std::vector<mds::chunk_info>& chunks_before,
                   std::function<void()> done) {
  if (!cmd.size || !before || *cmd.size >= before->size) return done();
  // Truncate: delete chunks wholly beyond the end; cut the chunk at the end.
  const uint64_t cs = md(self).chunk_size(), size = *cmd.size;
  const uint64_t keep = size / cs + (size % cs != 0 ? 1 : 0);
  std::vector<mds::chunk_info> gone;
  std::optional<mds::chunk_info> cut;
  for (auto& c : chunks_before) {
    if (c.index >= keep) gone.push_back(c);
    else if (cmd.cut_version && c.index == size / cs) cut = c;
  }
  delete_replicas(self, gone);
  if (!cut) return done();
  // The cut chunk was fenced with its cut pending: a round truncates and
  // confirms the replicas (md_command.hpp, "fence, then confirm").
  const mds::chunk_id chunk = cut->id;
  with_chunk(self, chunk, [self, chunk, done](std::function<void()> release) mutable {
    finish_round(self, chunk, release, done);
  });
}

caf::result<msg::mds_to_client_file_op> do_file_op(self_ptr self, p::ClientToMdsFileOp::Reader req) {
  auto& st = self->state;
  const auto tag = tag_of(req);
  const std::string client = req.getClientId();
  session_seen(self, client);
  auto op = req.getOp();
  using W = p::ClientToMdsFileOp::Op::Which;
  switch (op.which()) {
    case W::LOOKUP: {
      auto r = resolve(self, op.getLookup());
      return make_file_reply(r ? attr_answer(self, r.value()) : fail(r.error()));
    }
    case W::GETATTR: return make_file_reply(attr_answer(self, op.getGetattr()));
    case W::READDIR: {
      std::string path = op.getReaddir();
      auto r = resolve(self, path);
      if (!r) return make_file_reply(fail(r.error()));
      auto a = md(self).getattr(r.value());
      if (!a || !a->is_dir())
        return make_file_reply(fail(op_error{p::STATUS_BAD_REQUEST, ENOTDIR, "'" + path + "' is not a directory"}));
      file_answer out;
      out.attr = *a;
      out.entries = md(self).readdir(r.value());
      dir_watched_by(self, r.value(), client);  // the mount may hold this listing now
      return make_file_reply(out);
    }
    case W::MKDIR:
    case W::CREATE: {
      bool dir = op.which() == W::MKDIR;
      auto pm = dir ? op.getMkdir() : op.getCreate();
      std::string path = pm.getPath();
      auto pn = resolve_parent(self, path);
      if (!pn) {
        if (split_path(path).second.empty() && path == "/")
          return make_file_reply(fail(op_error{p::STATUS_BAD_REQUEST, EEXIST, "'/' already exists"}));
        return make_file_reply(fail(pn.error()));
      }
      auto [parent, name] = pn.value();
      uint32_t mode = pm.getMode() & 07777;
      const bool open_for_write = !dir && pm.getOpenForWrite();
      return validate_commit_reply(
          self, tag,
          [&](auto& ctx) {
            return dir ? mds::validate_mkdir(md(self), ctx, parent, name, mode)
                       : mds::validate_create(md(self), ctx, parent, name, mode);
          },
          [self, dir, open_for_write, client](const mds::md_command& cmd, bool) {
            auto& st = self->state;
            auto ino = dir ? std::get<mds::cmd_mkdir>(cmd).ino : std::get<mds::cmd_create>(cmd).ino;
            auto out = attr_answer(self, ino);
            if (dir) dir_watched_by(self, ino, client);  // the new directory's (empty) listing
            if (open_for_write && out.attr) {  // a new file: nobody else holds a lease on it
              st.leases.acquire(ino, client, steady_ns(self), mds::lease_table::origin::created);
              st.leases.open(ino, client);
              out.lease_ms = static_cast<uint32_t>(st.deps.lease_duration.count());
            }
            return out;
          },
          {parent}, client);
    }
    case W::UNLINK: {
      std::string path = op.getUnlink();
      auto pn = resolve_parent(self, path);
      if (!pn) return make_file_reply(fail(pn.error()));
      auto ent = md(self).lookup(pn.value().parent, pn.value().name);
      std::vector<mds::chunk_info> chunks;
      if (ent && ent->type == mds::inode_type::file) chunks = md(self).chunks(ent->ino);
      return validate_commit_reply(
          self, tag, [&](auto& ctx) { return mds::validate_unlink(md(self), ctx, pn.value().parent, pn.value().name); },
          [self, chunks](const mds::md_command& cmd, bool replay) {
            if (!replay && !std::get<mds::cmd_unlink>(cmd).orphan) delete_replicas(self, chunks);
            return file_answer{};
          },
          {pn.value().parent}, client);
    }
    case W::RMDIR: {
      auto pn = resolve_parent(self, op.getRmdir());
      if (!pn) return make_file_reply(fail(pn.error()));
      return validate_commit_reply(
          self, tag, [&](auto& ctx) { return mds::validate_rmdir(md(self), ctx, pn.value().parent, pn.value().name); },
          [](const mds::md_command&, bool) { return file_answer{}; }, {pn.value().parent}, client);
    }
    case W::RENAME: {
      auto rn = op.getRename();
      auto from = resolve_parent(self, rn.getFrom());
      if (!from) return make_file_reply(fail(from.error()));
      auto to = resolve_parent(self, rn.getTo());
      if (!to) return make_file_reply(fail(to.error()));
      auto dst = md(self).lookup(to.value().parent, to.value().name);
      std::vector<mds::chunk_info> chunks;
      if (dst && dst->type == mds::inode_type::file) chunks = md(self).chunks(dst->ino);
      return validate_commit_reply(
          self, tag,
          [&](auto& ctx) {
            return mds::validate_rename(md(self), ctx, from.value().parent, from.value().name, to.value().parent,
                                        to.value().name);
          },
          [self, chunks](const mds::md_command& c, bool replay) {
            auto& cmd = std::get<mds::cmd_rename>(c);
            if (!replay && cmd.replaced && !cmd.orphan_replaced) delete_replicas(self, chunks);
            return attr_answer(self, cmd.ino);
          },
          {from.value().parent, to.value().parent}, client);
    }
    case W::SETATTR: return do_setattr(self, op.getSetattr(), client);
    case W::SET_REPL: {
      auto sr = op.getSetRepl();
      std::string path = sr.getPath();
      auto r = resolve(self, path);
      if (!r) return make_file_reply(fail(r.error()));
      std::vector<std::string> assignments;
      for (auto a : sr.getAssignments()) assignments.emplace_back(a.cStr());
      const mds::inode_id ino = r.value();
      if (auto parsed = mds::parse_repl_attrs(assignments); parsed && parsed.value().replicas_norm)
        if (auto why = license_replicas_refusal(self, *parsed.value().replicas_norm))
          return make_file_reply(fail(op_error{p::STATUS_BAD_REQUEST, EPERM, *why}));
      return validate_commit_reply(
          self, tag,
          [&](auto& ctx) { return mds::validate_set_repl(md(self), ctx, ino, assignments, sr.getRecursive()); },
          [self, ino](const mds::md_command&, bool) { return attr_answer(self, ino); });
    }
    case W::OPEN: {
      auto o = op.getOpen();
      std::string path = o.getPath();
      mds::inode_id ino = o.getIno();
      if (!path.empty()) {
        auto r = resolve(self, path);
        if (!r) return make_file_reply(fail(r.error()));
        ino = r.value();
      }
      // For messages only (path_of walks up the tree).
      auto path_text = [&] { return path.empty() ? path_of(self, ino) : path; };
      auto a = md(self).getattr(ino);
      if (!a) return make_file_reply(fail(op_error{p::STATUS_NOT_FOUND, ENOENT, "inode #" + std::to_string(ino) + " does not exist"}));
      file_answer out;
      out.attr = *a;
      if (o.getWrite()) {
        if (a->is_dir())
          return make_file_reply(fail(op_error{p::STATUS_BAD_REQUEST, EISDIR, "'" + path_text() + "' is a directory"}));
        const auto now = steady_ns(self);
        auto g = st.leases.acquire(ino, client, now);
        if (!g.ok && g.holder.empty())  // the grace after a master change (lease_table.hpp)
          return make_file_reply(fail(op_error{
              p::STATUS_UNAVAILABLE, EAGAIN,
              "'" + path_text() + "': write leases granted by the previous master may still be in use for " +
                  std::to_string((g.retry_at - now + 999'999) / 1'000'000) + " ms; retry"}));
        if (!g.ok)
          return make_file_reply(fail(op_error{p::STATUS_BUSY, EBUSY,
                                               "'" + path_text() + "' is open for writing by another client (" + g.holder +
                                                   "); one writer at a time"}));
        out.lease_ms = static_cast<uint32_t>(st.deps.lease_duration.count());
      }
      st.leases.open(ino, client);
      return make_file_reply(out);
    }
    case W::RELEASE: {
      auto ino = op.getRelease();
      bool last = st.leases.close(ino, client);
      auto a = md(self).getattr(ino);
      if (last && a && a->orphan) {
        auto chunks = md(self).chunks(ino);
        return validate_commit_reply(
            self, tag, [&](auto& ctx) { return mds::validate_purge_orphan(md(self), ctx, ino); },
            [self, chunks](const mds::md_command&, bool replay) {
              if (!replay) delete_replicas(self, chunks);
              return file_answer{};
            });
      }
      return make_file_reply(file_answer{});
    }
    case W::STATFS: {
      file_answer out;
      out.statfs = true;
      for (auto& [id, e] : st.registry.entries())
        if (e.status == mds::cs_status::active) {
          out.total += e.total_bytes;
          out.free += e.free_bytes;
        }
      try {
        persistence::statement q(md(self).db(), "SELECT count(*) FROM md_inodes");
        if (q.step()) out.files = static_cast<uint64_t>(q.col_int(0));
      } catch (const std::exception&) {
      }
      return make_file_reply(out);
    }
    case W::SYNC: {
      auto rp = self->make_response_promise<msg::mds_to_client_file_op>();
      sync_namespace(self, [rp](std::optional<op_error> e) mutable {
        rp.deliver(make_file_reply(e ? fail(*e) : file_answer{}));
      });
      return rp;
    }
    case W::SET_SIZE: {
      auto ss = op.getSetSize();
      auto ino = ss.getIno();
      auto size = ss.getSize();
      // Sizes and written data (a size report follows every sync of written
      // data): other mounts with the file open drop their caches first
      // (mds_watch_actor.cpp), then the answer.
      auto ctx = make_ctx(self);
      auto out = mds::validate_set_size(md(self), ctx, ino, size);
      if (!out) return make_file_reply(fail(out.error()));
      auto rp = self->make_response_promise<msg::mds_to_client_file_op>();
      commit(self, out.value(), [self, rp, ino, client](std::optional<op_error> e) mutable {
        if (e) {
          rp.deliver(make_file_reply(fail(*e)));
          return;
        }
        after_invalidation(self, ino, client, [self, rp, ino]() mutable { rp.deliver(make_file_reply(attr_answer(self, ino))); });
      });
      return rp;
    }
  }
  return make_file_reply(fail(op_error{p::STATUS_BAD_REQUEST, EINVAL, "unknown file operation"}));
}

msg::mds_to_client_chunk_map chunk_map_reply(self_ptr self, const op_error& err, mds::inode_id ino, uint64_t first,
                                             uint32_t count, const std::string& client = {}) {
  return wire::make<p::MdsToClientChunkMap>([&](auto b) {
    put_status(b.initStatus(), err);
    b.setChunkSize(md(self).chunk_size());
    if (err.status != p::STATUS_OK && err.status != p::STATUS_UNAVAILABLE) return;
    std::vector<mds::chunk_info> found;
    for (uint64_t i = first; i < first + count; ++i)
      if (auto c = md(self).chunk_at(ino, i)) found.push_back(std::move(*c));
    auto l = b.initChunks(static_cast<unsigned>(found.size()));
    for (unsigned i = 0; i < found.size(); ++i) fill_location(self, l[i], found[i], client);
  });
}

// Chunks in range whose live replicas are too few: for writes below MIN, for
// reads none at all. Empty: all fine.
std::optional<op_error> availability(self_ptr self, const mds::inode_attr& a, uint64_t first, uint32_t count,
                                     bool for_write) {
  auto& st = self->state;
  for (uint64_t i = first; i < first + count; ++i) {
    auto c = md(self).chunk_at(a.ino, i);
    if (!c) continue;
    uint32_t live = live_count(st, *c);
    uint32_t need = for_write ? std::max<uint32_t>(1, a.repl.replicas_min) : 1;
    if (for_write && live > 0 && PSTORAGE_SIM_BUG(write_below_min)) need = 1;  // sim-only bug
    if (live < need)
      return op_error{p::STATUS_UNAVAILABLE, EAGAIN,
                      "chunk " + std::to_string(i) + " of '" + path_of(self, a.ino) + "' has " + std::to_string(live) +
                          " live replica(s), below the minimum of " + std::to_string(need) +
                          "; waiting for chunk servers to return or for replication"};
  }
  return std::nullopt;
}

// The chunks in range are about to be handed out for writing: raise each
// one's write floor to its version first (journaled; md_command.hpp,
// cmd_mark_written). Chunks no replica is confirmed at are not listed, so
// they are skipped. The commands are proposed together; done(first error).
void mark_written(self_ptr self, mds::inode_id ino, uint64_t first, uint32_t count, commit_done done) {
  std::vector<std::pair<uint64_t, mds::md_command>> cmds;
  for (uint64_t i = first; i < first + count; ++i) {
    auto c = md(self).chunk_at(ino, i);
    if (!c) continue;
    bool listed = std::any_of(c->replicas.begin(), c->replicas.end(),
                              [&](const mds::replica_info& r) { return r.version == c->version; });
    auto cmd = listed ? mds::mark_written_if_needed(*c) : std::nullopt;
    if (cmd) cmds.emplace_back(i, *cmd);
  }
  if (cmds.empty()) return done(std::nullopt);
  struct gather {
    size_t left = 0;
    std::optional<op_error> err;
  };
  auto g = std::make_shared<gather>();
  g->left = cmds.size();
  for (auto& [i, cmd] : cmds)
    commit_command(self, cmd, [g, i = i, done](std::optional<std::string> why) {
      if (why && !g->err) g->err = op_error{p::STATUS_UNAVAILABLE, EAGAIN, "chunk " + std::to_string(i) + ": " + *why};
      if (--g->left == 0) done(g->err);
    });
}

}  // namespace

// ---- entry points -------------------------------------------------------------------

int64_t steady_ns(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(self->clock().now().time_since_epoch()).count();
}

void init_data_path(self_ptr self) {
  auto& st = self->state;
  if (!st.deps.md) st.deps.md = std::make_shared<persistence::md_store>(":memory:");
  st.leases = mds::lease_table(
      std::chrono::duration_cast<std::chrono::nanoseconds>(st.deps.lease_duration).count());
  st.next_inode = st.deps.md->max_inode_id() + 1;
  st.next_chunk = st.deps.md->max_chunk_id() + 1;
  for (auto chunk : st.deps.md->unconfirmed_chunks()) st.unconfirmed.insert(chunk);
  st.map_leases = mds::map_leases(2 * std::chrono::duration_cast<std::chrono::nanoseconds>(st.deps.map_validity).count());
  st.map_leases.started(steady_ns(self));
}

void data_path_tick(self_ptr self) {
  // Namespace changes are power-loss durable within a tick.
  sync_namespace(self, [](std::optional<op_error>) {});
  self->state.leases.expire(steady_ns(self));
  self->state.map_leases.expire(steady_ns(self));
  session_tick(self);
  // The previous tick's repair pass freed its working set (a whole scan below
  // whole_scan_below chunks): give it back (heap_trim.hpp, docs/soak.md).
  // Real time: the heap is the process's, not the simulation's.
  mds::maybe_trim_heap(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
#ifdef PSTORAGE_SIM_BUGS
  for (auto& cmd : std::exchange(self->state.sim_uncommitted, {})) commit(self, cmd, [](std::optional<op_error>) {});  // bug mds_ack_before_commit
#endif
}

caf::result<msg::mds_to_client_file_op> handle_file_op(self_ptr self, const msg::client_to_mds_file_op& m) {
  auto req = wire::decode(m);
  if (!req) return make_file_reply(fail(op_error{p::STATUS_BAD_REQUEST, EINVAL, req.error}));
  if (!credentials_ok(self->state, req->getCredentials()))
    return make_file_reply(fail(op_error{p::STATUS_AUTH_FAILED, EACCES, auth_error(self->state)}));
  return do_file_op(self, *req);
}

caf::result<msg::mds_to_client_chunk_map> handle_chunk_map(self_ptr self, const msg::client_to_mds_chunk_map& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  auto reply = [&](const op_error& e) { return chunk_map_reply(self, e, 0, 0, 0); };
  if (!req) return reply(op_error{p::STATUS_BAD_REQUEST, EINVAL, req.error});
  if (!credentials_ok(st, req->getCredentials())) return reply(op_error{p::STATUS_AUTH_FAILED, EACCES, auth_error(st)});
  const std::string client = req->getClientId();
  session_seen(self, client);
  const mds::inode_id ino = req->getIno();
  const uint64_t first = req->getFirstIndex();
  const uint32_t count = std::min(std::max<uint32_t>(req->getCount(), 1), st.deps.max_chunks_per_map);
  auto a = md(self).getattr(ino);
  if (!a) return reply(op_error{p::STATUS_NOT_FOUND, ENOENT, "inode #" + std::to_string(ino) + " does not exist"});
  if (a->is_dir()) return reply(op_error{p::STATUS_BAD_REQUEST, EISDIR, "inode #" + std::to_string(ino) + " is a directory"});
  if (first > mds::max_file_size / md(self).chunk_size())
    return reply(op_error{p::STATUS_BAD_REQUEST, EFBIG, "chunk index " + std::to_string(first) + " is beyond the largest file size"});
  if (!req->getForWrite()) {
    auto un = availability(self, *a, first, count, false);
    return chunk_map_reply(self, un ? *un : op_error{}, ino, first, count, client);
  }
  // Writes need this client's lease: refused while another client holds a
  // live one; (re)granted when nobody does (e.g. after an MDS restart or a
  // master change: a write re-claims, lease_table.hpp).
  const auto now = steady_ns(self);
  if (!st.leases.holds(ino, client, now)) {
    auto g = st.leases.acquire(ino, client, now, mds::lease_table::origin::held);
    if (!g.ok)
      return reply(op_error{p::STATUS_BUSY, EBUSY,
                            "'" + path_of(self, ino) + "' is being written by another client (" + g.holder + ")"});
    st.leases.open(ino, client);
  }
  if (auto un = availability(self, *a, first, count, true)) return chunk_map_reply(self, *un, ino, first, count, client);
  std::vector<uint64_t> missing;
  for (uint64_t i = first; i < first + count; ++i)
    if (!md(self).chunk_at(ino, i)) missing.push_back(i);
  auto rp = self->make_response_promise<msg::mds_to_client_chunk_map>();
  auto deliver = [self, rp, ino, first, count, client](std::optional<op_error> e) mutable {
    rp.deliver(chunk_map_reply(self, e ? *e : op_error{}, ino, first, count, client));
  };
  if (missing.empty()) {
    mark_written(self, ino, first, count, deliver);
    return rp;
  }
  allocate_all(self, ino, std::move(missing), 0, client, [self, deliver, ino, first, count](std::optional<op_error> e) mutable {
    if (e) return deliver(e);
    mark_written(self, ino, first, count, deliver);
  });
  return rp;
}

caf::result<msg::mds_to_client_replica_failed> handle_replica_failed(self_ptr self,
                                                                     const msg::client_to_mds_replica_failed& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  const bool from_write = req && !req->getChecksumError();
  const std::string client = req ? std::string(req->getClientId().cStr()) : std::string();
  auto rp = self->make_response_promise<msg::mds_to_client_replica_failed>();
  auto answer = [self, from_write, client, rp](const op_error& e, mds::chunk_id id) mutable {
    auto& st = self->state;
    auto c = id ? md(self).chunk_by_id(id) : std::nullopt;
    op_error err = e;
    if (c && err.status == p::STATUS_OK) {
      auto a = md(self).getattr(c->ino);
      uint32_t need = a ? std::max<uint32_t>(1, a->repl.replicas_min) : 1;
      uint32_t live = live_count(st, *c);
      if (live < need)
        err = op_error{p::STATUS_UNAVAILABLE, EAGAIN,
                       "chunk " + std::to_string(c->index) + " of '" + path_of(self, c->ino) + "' has " +
                           std::to_string(live) + " live replica(s), below the minimum of " + std::to_string(need) +
                           "; writes wait until chunk servers return or replication completes"};
    }
    auto reply = [self, client, rp, id](const op_error& err) mutable {
      auto c = id ? md(self).chunk_by_id(id) : std::nullopt;
      rp.deliver(wire::make<p::MdsToClientReplicaFailed>([&](auto b) {
        put_status(b.initStatus(), err);
        if (c) fill_location(self, b.initChunk(), *c, client);
      }));
    };
    // An OK answer is a write handout: the writer goes on with its location.
    // Writes that wait (below MIN) get none, so the floor stays where it is.
    if (c && err.status == p::STATUS_OK && from_write)
      return mark_written(self, c->ino, c->index, 1,
                          [reply](std::optional<op_error> why) mutable { reply(why ? *why : op_error{}); });
    reply(err);
  };
  if (!req) {
    answer(op_error{p::STATUS_BAD_REQUEST, EINVAL, req.error}, 0);
    return rp;
  }
  if (!credentials_ok(st, req->getCredentials())) {
    answer(op_error{p::STATUS_AUTH_FAILED, EACCES, auth_error(st)}, 0);
    return rp;
  }
  const mds::chunk_id id = req->getChunkId();
  auto c = md(self).chunk_by_id(id);
  if (!c) {
    answer(op_error{p::STATUS_NOT_FOUND, ENOENT, "chunk " + std::to_string(id) + " does not exist"}, 0);
    return rp;
  }
  // The reporter drops its map of the chunk on the answer (whatever it is):
  // its record must not delay the round it asks for (map_leases.hpp).
  st.map_leases.forget(id, client);
  std::vector<uint32_t> failed;
  for (auto cs : req->getFailedCsIds()) {
    if (req->getChecksumError()) st.bad_cs.insert(cs);
    bool held = std::any_of(c->replicas.begin(), c->replicas.end(), [&](auto& r) { return r.cs == cs; });
    if (held) failed.push_back(cs);
  }
  if (req->getVersion() != c->version || failed.empty()) {
    answer(op_error{}, id);
    return rp;
  }
  {  // The mount's report is an event of its own (SYS CL#N; docs/monitoring.md "Events").
    std::string css;
    for (auto cs : failed) css += (css.empty() ? "CS#" : ", CS#") + std::to_string(cs);
    emit_once(self, repair::client_event_text(st.client_io.clid(client), client,
                                              std::string(req->getChecksumError() ? "a checksum error in chunk "
                                                                                   : "failed replicas of chunk ") +
                                                  std::to_string(c->index) + " of '" + path_of(self, c->ino) + "' on " + css));
  }
  if (req->getChecksumError()) {
    // Bad pages, not a lost replica: keep it (its other pages may be the only
    // good copy of them), stop counting it; repair copies a good one. On a
    // chunk with pages bad on every replica (lost_pages) the CS's own report,
    // which names the pages, decides: a mount's report does not, else every
    // read of a lost page would have a sound replica replaced.
    const bool has_lost = st.repair && st.repair->wip.lost_pages.count(id);
    for (auto cs : failed)
      if (!has_lost) mark_bad_replica(self, id, cs);
    answer(op_error{}, id);
    return rp;
  }
  spdlog::info("client {} reports failed replicas of chunk {} v{}", req->getClientId().cStr(), id, c->version);
  // Below MIN writes wait, so a failed replica that would leave too few is
  // fenced out (kept, lagging) rather than forgotten (fence_out).
  auto a = md(self).getattr(c->ino);
  const uint32_t need = a ? std::max<uint32_t>(1, a->repl.replicas_min) : 1;
  if (mds::fence_out_instead_of_drop(*c, failed, need, [&](uint32_t cs) { return cs_active(st, cs); })) {
    fence_out(self, id, failed, c->version, [answer, id]() mutable { answer(op_error{}, id); });
    return rp;
  }
  drop_replicas(self, id, failed, mds::drop_mode::keep_last_newest, c->version,
                [answer, id](std::vector<uint32_t>) mutable { answer(op_error{}, id); });
  return rp;
}

void purge_orphan(self_ptr self, mds::inode_id ino, std::function<void(std::optional<std::string>)> done) {
  auto ctx = make_ctx(self);
  auto out = mds::validate_purge_orphan(md(self), ctx, ino);
  if (!out) return done(out.error().message);
  auto chunks = md(self).chunks(ino);
  commit(self, out.value(), [self, chunks, done](std::optional<op_error> e) {
    if (e) return done(e->message);
    delete_replicas(self, chunks);
    done(std::nullopt);
  });
}

msg::mds_to_client_renew_lease handle_renew_lease(self_ptr self, const msg::client_to_mds_renew_lease& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  op_error err;
  if (!req) err = op_error{p::STATUS_BAD_REQUEST, EINVAL, req.error};
  else if (!credentials_ok(st, req->getCredentials())) err = op_error{p::STATUS_AUTH_FAILED, EACCES, auth_error(st)};
  else {
    const std::string client = req->getClientId();
    const auto now = steady_ns(self);
    session_seen(self, client);
    std::vector<mds::lease_table::ino_t> held;
    for (auto ino : req->getHeld()) held.push_back(ino);
    st.leases.renew(client, now, held);
    // After a master change the handles of open files are unknown here: a
    // client's renewal names the files it has open (`opened`, and `held` from
    // a client older than that field), and they count as open again, so an
    // orphan among them is not purged (client_sessions.hpp). Only during the
    // grace: later a renewal could cross the client's own release and reopen
    // what it just closed.
    if (st.leases.in_grace(now)) {
      for (auto ino : held)
        if (md(self).getattr(ino)) st.leases.open(ino, client);
      for (auto ino : req->getOpened())
        if (md(self).getattr(ino)) st.leases.open(ino, client);
    }
  }
  return wire::make<p::MdsToClientRenewLease>([&](auto b) { put_status(b.initStatus(), err); });
}

msg::mds_to_cs_bad_replica handle_bad_replica(self_ptr self, const msg::cs_to_mds_bad_replica& m) {
  auto& st = self->state;
  auto req = wire::decode(m);
  op_error err;
  if (!req) {
    err = op_error{p::STATUS_BAD_REQUEST, EINVAL, req.error};
  } else if (!st.registry.find(req->getCsId())) {
    err = op_error{p::STATUS_NOT_FOUND, ENOENT, "unknown CS id, register again"};
  } else if (!sent_by_cs(self, req->getCsId())) {
    // Only the CS itself may say one of its replicas is bad: anyone else
    // could make the MDS drop good replicas (issue 14, hostile peers).
    spdlog::warn("bad-replica report for CS#{} refused: not from its registered connection", req->getCsId());
    err = op_error{p::STATUS_NOT_FOUND, ENOENT,
                   "CS#" + std::to_string(req->getCsId()) + " is not registered on this connection; register again"};
  } else {
    const uint32_t cs = req->getCsId();
    const mds::chunk_id id = req->getChunkId();
    if (req->getChecksum()) st.bad_cs.insert(cs);
    auto c = md(self).chunk_by_id(id);
    std::string path = c ? path_of(self, c->ino) : "chunk " + std::to_string(id);
    emit(self, "CS#" + std::to_string(cs) + " has reported hard error on '" + path + "'");
    if (std::string detail = req->getMessage(); !detail.empty()) spdlog::warn("CS#{}: {}", cs, detail);
    bool held = c && std::any_of(c->replicas.begin(), c->replicas.end(), [&](auto& r) { return r.cs == cs; });
    if (held && req->getVersion() == c->version && req->getChecksum()) {
      if (!only_lost_pages(self, id, req->getPages())) mark_bad_replica(self, id, cs);
    }
    else if (held && req->getVersion() == c->version)
      drop_replicas(self, id, {cs}, mds::drop_mode::keep_last_newest, c->version, [](std::vector<uint32_t>) {});
  }
  return wire::make<p::MdsToCsBadReplica>([&](auto b) { put_status(b.initStatus(), err); });
}

}  // namespace pstorage::mds_impl
