#include "tests/scale/scale_fill.hpp"

#include <chrono>
#include <filesystem>

#include "persistence/md_store.hpp"

namespace pstorage::scale {

using persistence::statement;

uint32_t layout::css_on_host(uint32_t h) const {
  const uint32_t first = h * per_host;
  return first >= css ? 0 : std::min(per_host, css - first);
}

uint32_t layout::replica_cs(uint64_t c, uint32_t r) const {
  const uint32_t H = hosts();
  const uint32_t h = static_cast<uint32_t>((c + uint64_t(r) * (H / replicas)) % H);
  const uint32_t n = css_on_host(h);
  return h * per_host + static_cast<uint32_t>((c / H + r) % n);
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

double fill_md(const std::string& path, const layout& l, const std::vector<std::pair<std::string, int64_t>>& params) {
  const auto t0 = std::chrono::steady_clock::now();
  persistence::md_store_options o;
  o.chunk_size = l.chunk_size;
  persistence::md_store md(path, o);
  auto& db = md.db();
  db.exec("PRAGMA synchronous=OFF");
  db.transaction([&] {
    for (uint32_t k = 0; k < l.css; ++k) {
      const uint32_t h = l.host_of(k);
      statement(db, "INSERT INTO md_css(id, uuid, host, host_id, address, location, tier, checksums, http_port, dropped)"
                    " VALUES(?, ?, ?, ?, ?, ?, 0, 1, 0, 0)")
          .bind(1, int64_t(l.cs_id(k))).bind(2, l.uuid(k)).bind(3, l.host_name(h)).bind(4, l.host_name(h))
          .bind(5, l.address(k)).bind(6, l.location(h)).run();
    }
    for (auto& [name, value] : params)
      statement(db, "INSERT INTO md_params(name, value) VALUES(?, ?)").bind(1, name).bind(2, value).run();
    const int64_t t = 1'700'000'000'000'000'000;
    for (uint64_t f = 0; f < l.files(); ++f) {
      const int64_t ino = int64_t(f + 2);
      const uint64_t n = std::min(l.chunks_per_file, l.chunks - f * l.chunks_per_file);
      statement(db, "INSERT INTO md_inodes(ino, type, mode, size, atime, mtime, ctime, parent, orphan)"
                    " VALUES(?, 1, 420, ?, ?, ?, ?, 1, 0)")
          .bind(1, ino).bind(2, int64_t(n * l.chunk_size)).bind(3, t).bind(4, t).bind(5, t).run();
      statement(db, "INSERT INTO md_attrs(ino, replicas_norm, replicas_min, tier, domain) VALUES(?, 3, 2, 0, 'host')")
          .bind(1, ino).run();
      statement(db, "INSERT INTO md_dentries(parent, name, ino, type) VALUES(1, ?, ?, 1)")
          .bind(1, "f" + std::to_string(ino)).bind(2, ino).run();
    }
  });
  // Chunks in batches of 1 M per transaction (the WAL stays bounded).
  for (uint64_t from = 0; from < l.chunks; from += 1'000'000) {
    const uint64_t to = std::min(l.chunks, from + 1'000'000);
    db.transaction([&] {
      statement ch(db, "INSERT INTO md_chunks(id, ino, idx, version, written) VALUES(?, ?, ?, 1, 1)");
      statement rp(db, "INSERT INTO md_replicas(chunk, pos, cs, version) VALUES(?, ?, ?, 1)");
      for (uint64_t c = from; c < to; ++c) {
        ch.bind(1, int64_t(c + 1)).bind(2, int64_t(c / l.chunks_per_file + 2)).bind(3, int64_t(c % l.chunks_per_file));
        ch.run();
        ch.reset();
        for (uint32_t r = 0; r < l.replicas; ++r) {
          rp.bind(1, int64_t(c + 1)).bind(2, int64_t(r)).bind(3, int64_t(l.cs_id(l.replica_cs(c, r))));
          rp.run();
          rp.reset();
        }
      }
    });
  }
  db.transaction([&] {
    statement(db, "UPDATE md_meta SET value = ? WHERE key = 'max_inode'").bind(1, std::to_string(l.files() + 1)).run();
    statement(db, "UPDATE md_meta SET value = ? WHERE key = 'max_chunk'").bind(1, std::to_string(l.chunks)).run();
  });
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return seconds_since(t0);
}

void fill_journal(const std::string& path, uint64_t n) {
  persistence::md_store md(path);
  auto& db = md.db();
  db.exec("PRAGMA synchronous=OFF");
  constexpr uint64_t files = 1000;
  // Three CSs and `files` files with one chunk each, applied (commit_local).
  uint64_t idx = md.last_index();
  std::vector<mds::journal_entry> setup;
  for (uint32_t k = 0; k < 3; ++k)
    setup.push_back(mds::make_entry(++idx, 1,
                                    mds::cmd_register_cs{1025 + k, "uuid" + std::to_string(k), "h" + std::to_string(k),
                                                         "h" + std::to_string(k), "10.0.0." + std::to_string(k) + ":1",
                                                         "", 0, true, 0}));
  for (uint64_t f = 0; f < files; ++f) {
    mds::cmd_create c;
    c.parent = 1;
    c.name = "f" + std::to_string(f);
    c.ino = f + 2;
    c.attrs.replicas_norm = 3;
    c.attrs.replicas_min = 2;
    setup.push_back(mds::make_entry(++idx, 1, c));
    setup.push_back(mds::make_entry(++idx, 1, mds::cmd_alloc_chunk{f + 2, 0, f + 1, 1, {1025, 1026, 1027}}));
  }
  md.commit_local_all(setup, false);
  // n committed entries, not applied: a version round (fence + confirm) and
  // a size update per step, round robin over the files.
  std::vector<uint32_t> version(files, 1);
  db.transaction([&] {
    statement ins(db, "INSERT INTO md_journal(idx, term, data) VALUES(?, 1, ?)");
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t f = (i / 3) % files;
      mds::md_command cmd;
      switch (i % 3) {
        case 0: cmd = mds::cmd_fence_chunk{f + 1, version[f] + 1}; break;
        case 1: cmd = mds::cmd_confirm_replicas{f + 1, ++version[f], {1025, 1026, 1027}}; break;
        default: cmd = mds::cmd_set_size{f + 2, (i + 1) * 4096, int64_t(i)}; break;
      }
      auto data = mds::encode_command(cmd);
      ins.bind(1, int64_t(++idx)).bind_blob(2, data.data(), data.size());
      ins.run();
      ins.reset();
    }
    statement(db, "UPDATE md_meta SET value = ? WHERE key = 'commit_index'").bind(1, std::to_string(idx)).run();
  });
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace pstorage::scale
