// md_events.cpp — md_store's replicated event log (md_store.hpp "events";
// protocol/md_model cmd_event): the query side. Applying cmd_event is in
// md_store.cpp's applier like every command.
#include "persistence/md_store.hpp"

namespace pstorage::persistence {

std::vector<md_store::event_row> md_store::events(int64_t after_id, size_t limit) const {
  std::vector<event_row> out;
  // The newest `limit` after after_id, returned oldest first.
  statement st(db_, "SELECT id, time_ns, severity, source, text, epoch FROM (SELECT * FROM md_events WHERE id > ?"
                    " ORDER BY id DESC LIMIT ?) ORDER BY id");
  st.bind(1, after_id).bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  while (st.step())
    out.push_back({st.col_int(0), st.col_int(1), st.col_text(2), st.col_text(3), st.col_text(4),
                   static_cast<uint64_t>(st.col_int(5))});
  return out;
}

}  // namespace pstorage::persistence
