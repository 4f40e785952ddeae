// md_license.cpp — md_store's license queries (md_store.hpp; protocol/md_model
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

uint64_t md_store::chunk_count() const {
  statement st(db_, "SELECT count(*) FROM md_chunks");
  return st.step() ? static_cast<uint64_t>(st.col_int(0)) : 0;
}

}  // namespace pstorage::persistence
