#include "persistence/cs_repo.hpp"

namespace pstorage::persistence {

void cs_repo::create(const std::filesystem::path& repo, const cs_settings& s) {
  std::filesystem::create_directories(repo);
  if (exists(repo)) throw store_error("'" + repo.string() + "' already holds a chunk server repository");
  cs_repo r(db_path(repo).string());
  r.initialise(s);
}

void cs_repo::initialise(const cs_settings& s) {
  db_.transaction([&] {
    if (meta_get(db_, "cluster")) throw store_error("'" + db_.path() + "' is already initialised");
    meta_set(db_, "cluster", s.cluster);
    meta_set(db_, "repo_uuid", s.repo_uuid);
    meta_set(db_, "cs_id", std::to_string(s.cs_id));
    meta_set(db_, "tier", std::to_string(s.tier));
    meta_set(db_, "checksums", s.checksums ? "1" : "0");
    meta_set(db_, "address", s.address);
  });
}

cs_repo::cs_repo(const std::string& db_path) : db_(db_path) { meta_init(db_); }

cs_settings cs_repo::settings() {
  cs_settings s;
  auto cluster = meta_get(db_, "cluster");
  if (!cluster) throw store_error("'" + db_.path() + "' is not a chunk server repository (run make-cs first)");
  s.cluster = *cluster;
  s.repo_uuid = meta_get(db_, "repo_uuid").value_or("");
  s.cs_id = static_cast<uint32_t>(std::stoul(meta_get(db_, "cs_id").value_or("0")));
  s.tier = static_cast<uint32_t>(std::stoul(meta_get(db_, "tier").value_or("0")));
  s.checksums = meta_get(db_, "checksums").value_or("1") == "1";
  s.address = meta_get(db_, "address").value_or("");
  return s;
}

void cs_repo::set_cs_id(uint32_t id) { meta_set(db_, "cs_id", std::to_string(id)); }

}  // namespace pstorage::persistence
