// client_io_table.hpp — the master's view of its mounts' own I/O figures
// (guide "Monitoring Clients"; docs/monitoring.md "Clients"): the latest
// figures each mount sent with its Watch (ClientToMdsWatch.io), for the
// clients table of stat/top. Memory only: a new master starts empty and
// fills within one Watch round (at most 5 s).
//
// CLID: a short number the master gives a mount the first time it reports
// (1, 2, ...; stable while this master serves, never reused). A mount not
// heard from for `keep` (60 s, the session timeout) is dropped from the
// table. Pure: time is a parameter (ns of the caller's monotonic clock).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/client/client_io.hpp"

namespace pstorage::mds {

class client_io_table {
 public:
  using ns = int64_t;
  explicit client_io_table(ns keep = 60'000'000'000) : keep_(keep) {}

  void report(const std::string& client_id, const std::string& host, const client::client_io_figures& io, ns now);

  struct row {
    uint32_t id = 0;  // CLID
    std::string client_id, host;
    client::client_io_figures io;
    ns age = 0;  // since the figures came
  };
  // The mounts heard from within `keep`, by CLID; older ones are forgotten.
  std::vector<row> rows(ns now);
  // The CLID of a mount in the table (0: it has not reported, or was dropped).
  uint32_t clid(const std::string& client_id) const {
    auto it = clients_.find(client_id);
    return it == clients_.end() ? 0 : it->second.id;
  }

 private:
  struct entry {
    uint32_t id;
    std::string host;
    client::client_io_figures io;
    ns at;
  };
  ns keep_;
  uint32_t next_id_ = 1;
  std::map<std::string, entry> clients_;
};

}  // namespace pstorage::mds
