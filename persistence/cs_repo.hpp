// cs_repo.hpp — a chunk server's repository (DIR/cs.db): which cluster it
// belongs to, its CS id once the MDS gave one, its tier and flags. The id
// survives restarts of the CS (issue: "restart of a CS keeps its id").
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

struct cs_settings {
  std::string cluster;
  std::string repo_uuid;
  uint32_t cs_id = 0;        // 0 until the MDS assigned one
  uint32_t tier = 0;         // guide: "Assigns the chunk server to storage tier 0 by default"
  bool checksums = true;     // make-cs -S turns checksumming off (flag C)
  std::string address;       // "-a ADDR[:PORT]" given at make-cs; empty: any
};

class cs_repo {
 public:
  static std::filesystem::path db_path(const std::filesystem::path& repo) { return repo / "cs.db"; }
  static bool exists(const std::filesystem::path& repo) { return std::filesystem::exists(db_path(repo)); }

  // Creates a new repository (make-cs). Throws if one already exists there.
  static void create(const std::filesystem::path& repo, const cs_settings& s);

  // Opens the store at db_path (":memory:" for tests and the simulator).
  explicit cs_repo(const std::string& db_path);
  // Writes the settings of a new repository into an empty store.
  void initialise(const cs_settings& s);
  cs_settings settings();
  void set_cs_id(uint32_t id);

  sqlite_db& db() { return db_; }

 private:
  sqlite_db db_;
};

}  // namespace pstorage::persistence
