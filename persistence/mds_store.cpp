#include "persistence/mds_store.hpp"

#include "persistence/cs_record_row.hpp"

#include "persistence/file_util.hpp"

namespace pstorage::persistence {

mds_store::mds_store(const std::string& path) : db_(path) {
  meta_init(db_);
  db_.exec(
      "CREATE TABLE IF NOT EXISTS mds (id INTEGER PRIMARY KEY, address TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS cs (id INTEGER PRIMARY KEY, repo_uuid TEXT NOT NULL,"
      " host TEXT NOT NULL, host_id TEXT NOT NULL, address TEXT NOT NULL, location TEXT NOT NULL,"
      " tier INTEGER NOT NULL, checksums INTEGER NOT NULL, dropped INTEGER NOT NULL DEFAULT 0,"
      " http_port INTEGER NOT NULL DEFAULT 0)");
}

bool mds_store::initialised() { return meta_get(db_, "cluster").has_value(); }

void mds_store::init_cluster(const std::string& cluster, uint32_t mds_id, const std::string& address,
                             const auth_digest& auth) {
  db_.transaction([&] {
    if (meta_get(db_, "cluster")) throw store_error("MDS repository '" + db_.path() + "' is already initialised");
    meta_set(db_, "cluster", cluster);
    meta_set(db_, "self_id", std::to_string(mds_id));
    meta_set(db_, "auth", auth.serialize());
    meta_set(db_, "next_cs_id", std::to_string(first_cs_id));
    statement(db_, "INSERT INTO mds(id, address) VALUES(?, ?)").bind(1, mds_id).bind(2, address).run();
  });
}

void mds_store::set_mdses(const std::vector<mds_record>& list) {
  db_.transaction([&] {
    const uint32_t self = self_id();
    bool has_self = false;
    for (auto& m : list) has_self = has_self || m.id == self;
    if (!has_self)
      throw store_error("MDS repository '" + db_.path() + "': the MDS list must keep MDS#" + std::to_string(self));
    db_.exec("DELETE FROM mds");
    for (auto& m : list) statement(db_, "INSERT INTO mds(id, address) VALUES(?, ?)").bind(1, m.id).bind(2, m.address).run();
  });
}

std::string mds_store::meta_required(const std::string& key) {
  auto v = meta_get(db_, key);
  if (!v) throw store_error("MDS repository '" + db_.path() + "' has no '" + key + "': not created by make-mds?");
  return *v;
}

std::string mds_store::cluster() { return meta_required("cluster"); }
uint32_t mds_store::self_id() { return static_cast<uint32_t>(std::stoul(meta_required("self_id"))); }

std::string mds_store::self_address() {
  statement st(db_, "SELECT address FROM mds WHERE id = ?");
  st.bind(1, self_id());
  if (!st.step()) throw store_error("MDS repository '" + db_.path() + "' lacks its own MDS record");
  return st.col_text(0);
}

auth_digest mds_store::auth() {
  auto a = auth_digest::parse(meta_required("auth"));
  if (!a) throw store_error("MDS repository '" + db_.path() + "' holds a corrupt password digest");
  return *a;
}

std::vector<mds_record> mds_store::mdses() {
  std::vector<mds_record> out;
  statement st(db_, "SELECT id, address FROM mds ORDER BY id");
  while (st.step()) out.push_back({static_cast<uint32_t>(st.col_int(0)), st.col_text(1)});
  return out;
}

std::vector<cs_record> mds_store::css() {
  std::vector<cs_record> out;
  statement st(db_,
               "SELECT id, repo_uuid, host, host_id, address, location, tier, checksums, dropped, http_port "
               "FROM cs ORDER BY id");
  while (st.step()) out.push_back(read_cs_record(st));
  return out;
}

uint32_t mds_store::add_cs(cs_record rec) {
  db_.transaction([&] {
    rec.id = static_cast<uint32_t>(std::stoul(meta_get(db_, "next_cs_id").value_or(std::to_string(first_cs_id))));
    meta_set(db_, "next_cs_id", std::to_string(rec.id + 1));
    statement(db_,
              "INSERT INTO cs(id, repo_uuid, host, host_id, address, location, tier, checksums, dropped, http_port)"
              " VALUES(?,?,?,?,?,?,?,?,?,?)")
        .bind(1, rec.id)
        .bind(2, rec.repo_uuid)
        .bind(3, rec.host)
        .bind(4, rec.host_id)
        .bind(5, rec.address)
        .bind(6, rec.location)
        .bind(7, rec.tier)
        .bind(8, rec.checksums ? 1 : 0)
        .bind(9, rec.dropped ? 1 : 0)
        .bind(10, rec.http_port)
        .run();
  });
  return rec.id;
}

void mds_store::update_cs(const cs_record& rec) {
  statement(db_,
            "UPDATE cs SET repo_uuid=?, host=?, host_id=?, address=?, location=?, tier=?, checksums=?, dropped=?,"
            " http_port=? WHERE id=?")
      .bind(1, rec.repo_uuid)
      .bind(2, rec.host)
      .bind(3, rec.host_id)
      .bind(4, rec.address)
      .bind(5, rec.location)
      .bind(6, rec.tier)
      .bind(7, rec.checksums ? 1 : 0)
      .bind(8, rec.dropped ? 1 : 0)
      .bind(9, rec.http_port)
      .bind(10, rec.id)
      .run();
}

}  // namespace pstorage::persistence
