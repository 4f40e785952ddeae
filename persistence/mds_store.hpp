// mds_store.hpp — the MDS's persistent state in SQLite (DIR/mds.db):
// cluster identity, the password digest, MDS list and the CS registry.
// Survives restarts: CS ids are never reused (guide: CS ids start at 1025).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "persistence/auth_digest.hpp"
#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

inline constexpr uint32_t first_cs_id = 1025;

struct cs_record {
  uint32_t id = 0;
  std::string repo_uuid;
  std::string host;
  std::string host_id;
  std::string address;
  std::string location;
  uint32_t tier = 0;
  bool checksums = true;
  bool dropped = false;
  uint16_t http_port = 0;
};

struct mds_record {
  uint32_t id = 0;
  std::string address;  // ADDR:PORT (PORT = actor port, PORT+1 = HTTP)
};

class mds_store {
 public:
  static std::filesystem::path db_path(const std::filesystem::path& repo) { return repo / "mds.db"; }
  static bool exists(const std::filesystem::path& repo) { return std::filesystem::exists(db_path(repo)); }

  // Opens (and creates the schema of) the store at `path`; ":memory:" for the
  // simulator.
  explicit mds_store(const std::string& path);

  // First-time initialisation for `make-mds -I`. Throws if already initialised.
  void init_cluster(const std::string& cluster, uint32_t mds_id, const std::string& address,
                    const auth_digest& auth);
  bool initialised();

  std::string cluster();
  uint32_t self_id();
  std::string self_address();
  auth_digest auth();
  std::vector<mds_record> mdses();
  // Replaces the MDS list (ids and ADDR:PORT) — the membership as this MDS
  // last applied it, or as `configure-mds` rewrote its addresses. The own
  // record must stay in it.
  void set_mdses(const std::vector<mds_record>& list);

  std::vector<cs_record> css();
  // Registers a new CS and returns its id (>= 1025, never reused).
  uint32_t add_cs(cs_record rec);
  void update_cs(const cs_record& rec);

  sqlite_db& db() { return db_; }

 private:
  std::string meta_required(const std::string& key);
  sqlite_db db_;
};

}  // namespace pstorage::persistence
