// md_license.cpp — md_store's license and usage queries (md_store.hpp; protocol/md_model
// cmd_set_license). Applying cmd_set_license is in md_store.cpp's applier.
#include "persistence/md_store.hpp"

namespace pstorage::persistence {

std::optional<md_store::license_row> md_store::license() const {
  statement st(db_, "SELECT text, time_ns FROM md_license WHERE id = 1");
  if (!st.step()) return std::nullopt;
  return license_row{st.col_text(0), st.col_int(1)};
}

mds::time_ns md_store::newest_recorded_time() const {
  statement st(db_, "SELECT max(coalesce((SELECT max(time_ns) FROM md_events), 0),"
                    " coalesce((SELECT max(time_ns) FROM md_license), 0))");
  return st.step() ? st.col_int(0) : 0;
}

uint64_t md_store::chunk_count() const { return usage().chunks; }

md_store::inode_counts md_store::count_inodes() const {
  statement st(db_, "SELECT count(*), coalesce(sum(type = 1), 0) FROM md_inodes");
  if (!st.step()) return {};
  return {static_cast<uint64_t>(st.col_int(1)), static_cast<uint64_t>(st.col_int(0))};
}

// Kept by md_usage.cpp's triggers (the rule is usage_recount()'s scan).
uint64_t md_store::data_chunk_bytes() const { return usage().data_bytes; }

}  // namespace pstorage::persistence
