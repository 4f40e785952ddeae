// cs_record_row.hpp — one CS registry row as both stores keep it (mds.db's
// `cs`, md.db's `md_css`): the SELECT must list id, uuid, host, host_id,
// address, location, tier, checksums, dropped, http_port in this order.
#pragma once

#include "persistence/mds_store.hpp"
#include "persistence/sqlite_db.hpp"

namespace pstorage::persistence {

inline cs_record read_cs_record(const statement& st) {
  cs_record r;
  r.id = static_cast<uint32_t>(st.col_int(0));
  r.repo_uuid = st.col_text(1);
  r.host = st.col_text(2);
  r.host_id = st.col_text(3);
  r.address = st.col_text(4);
  r.location = st.col_text(5);
  r.tier = static_cast<uint32_t>(st.col_int(6));
  r.checksums = st.col_int(7) != 0;
  r.dropped = st.col_int(8) != 0;
  r.http_port = static_cast<uint16_t>(st.col_int(9));
  return r;
}

}  // namespace pstorage::persistence
