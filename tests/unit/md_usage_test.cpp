// md_store's usage counters (persistence/md_usage.cpp): after every command
// of a random sequence (files created, chunks allocated, sizes set,
// truncates, replicas dropped and confirmed, unlinks, orphans purged,
// renames over a file) the counters kept by the triggers equal a full
// recount; with any one trigger removed, the same sequence makes them
// differ (each update site is needed and exercised); a store opened
// without the counters (an older build) recounts them once.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "persistence/md_store.hpp"
#include "protocol/md_model/md_command.hpp"

using namespace pstorage::mds;
using pstorage::persistence::md_store;
using pstorage::persistence::md_store_options;

namespace {

constexpr uint64_t chunk = 1000;

md_store_options opts() {
  md_store_options o;
  o.chunk_size = chunk;
  return o;
}

// One random command over files /f0../f5 (inodes from 2 up), chunks 0..5 of
// each, CSs 1025..1030. Many are rejected by the store (that changes
// nothing, which the recount checks too).
struct random_commands {
  std::mt19937_64 rng;
  uint64_t next_ino = 2, next_chunk = 1;
  explicit random_commands(uint64_t seed) : rng(seed) {}
  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); }

  md_command next(const md_store& s) {
    const std::string name = "f" + std::to_string(pick(6));
    auto e = s.lookup(root_inode, name);
    const uint64_t k = pick(100);
    if (!e) {
      if (k < 70) return cmd_create{root_inode, name, next_ino++, 0644, 1, {3, 1, 0, failure_domain::host}};
      return cmd_set_size{next_ino, 5, 1};  // no such file: rejected
    }
    const inode_id ino = e->ino;
    const uint64_t idx = pick(6);
    if (k < 30) {
      std::vector<cs_id> reps;
      for (cs_id cs = 1025; cs <= 1030; ++cs)
        if (pick(2)) reps.push_back(cs);
      if (reps.empty()) reps.push_back(1025);
      return cmd_alloc_chunk{ino, idx, next_chunk++, 1, reps};
    }
    if (k < 45) return cmd_set_size{ino, pick(6 * chunk + 1), 2};
    if (k < 55) {
      cmd_setattr t;
      t.ino = ino;
      t.size = pick(6 * chunk + 1);
      t.ctime = 3;
      return t;
    }
    auto c = s.chunk_at(ino, idx);
    if (k < 65 && c && !c->replicas.empty())
      return cmd_drop_replica{c->id, c->replicas[pick(c->replicas.size())].cs, c->version + 1};
    if (k < 75 && c) return cmd_confirm_replicas{c->id, c->version, {static_cast<cs_id>(1025 + pick(6))}};
    if (k < 82) return cmd_unlink{root_inode, name, ino, false, 4};
    if (k < 88) {
      const bool orphan = pick(2);
      if (orphan) return cmd_unlink{root_inode, name, ino, true, 4};
    }
    if (k < 94) {
      for (auto o : s.orphans()) return cmd_purge_orphan{o};
      return cmd_set_size{ino, 0, 5};
    }
    const std::string to = "f" + std::to_string(pick(6));
    auto d = s.lookup(root_inode, to);
    cmd_rename r;
    r.src_parent = root_inode;
    r.src_name = name;
    r.dst_parent = root_inode;
    r.dst_name = to;
    r.ino = ino;
    r.replaced = d ? d->ino : 0;
    r.time = 6;
    return r;
  }
};

// Runs `steps` random commands; returns the first step whose counters differ
// from the recount (0: none).
size_t first_mismatch(md_store& s, uint64_t seed, size_t steps, size_t* applied = nullptr) {
  random_commands gen(seed);
  for (size_t i = 1; i <= steps; ++i) {
    auto r = s.commit_local(make_entry(s.last_index() + 1, 1, gen.next(s)), false);
    if (applied && r.ok()) ++*applied;
    if (s.usage() != s.usage_recount()) return i;
  }
  return 0;
}

}  // namespace

TEST_CASE("the usage counters equal a full recount after every command of random sequences") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    md_store s(":memory:", opts());
    size_t applied = 0;
    CHECK(first_mismatch(s, seed, 400, &applied) == 0);
    CHECK(applied > 150);  // the sequence does things, not only rejections
    auto u = s.usage();
    CHECK(s.chunk_count() == u.chunks);
    CHECK(s.data_chunk_bytes() == u.data_bytes);
  }
}

TEST_CASE("each trigger is an update site the counters need") {
  for (const char* trigger : {"md_usage_chunk_ins", "md_usage_chunk_del", "md_usage_size", "md_usage_inode_del",
                              "md_usage_replica_ins", "md_usage_replica_del"}) {
    CAPTURE(trigger);
    bool differs = false;
    for (uint64_t seed = 1; seed <= 20 && !differs; ++seed) {
      md_store s(":memory:", opts());
      s.db().exec(std::string("DROP TRIGGER ") + trigger);
      differs = first_mismatch(s, seed, 400) != 0;
    }
    CHECK(differs);
  }
}

TEST_CASE("a store without the counters (an older build's) recounts them when opened, and a snapshot carries them") {
  md_store s(":memory:", opts());
  CHECK(first_mismatch(s, 7, 300) == 0);
  const auto before = s.usage();
  REQUIRE(before.chunks > 0);
  auto image = s.export_snapshot();
  // Strip the counters from the image as an older build would have it.
  md_store old(":memory:", opts());
  old.install_snapshot(image);
  old.db().exec("DROP TABLE md_usage; DROP TABLE md_cs_usage;");
  for (const char* t : {"md_usage_chunk_ins", "md_usage_chunk_del", "md_usage_size", "md_usage_inode_del",
                        "md_usage_replica_ins", "md_usage_replica_del"})
    old.db().exec(std::string("DROP TRIGGER ") + t);
  auto stripped = old.export_snapshot();
  md_store fresh(":memory:", opts());
  fresh.install_snapshot(stripped);
  CHECK(fresh.usage() == before);
  CHECK(fresh.usage() == fresh.usage_recount());
  CHECK(first_mismatch(fresh, 8, 200) == 0);  // and the triggers are back
}
