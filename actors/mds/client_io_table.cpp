#include "actors/mds/client_io_table.hpp"

#include <algorithm>

namespace pstorage::mds {

void client_io_table::report(const std::string& client_id, const std::string& host,
                             const client::client_io_figures& io, ns now) {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) it = clients_.emplace(client_id, entry{next_id_++, host, io, now}).first;
  it->second.host = host;
  it->second.io = io;
  it->second.at = now;
}

std::vector<client_io_table::row> client_io_table::rows(ns now) {
  std::vector<row> out;
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (now - it->second.at >= keep_) {
      it = clients_.erase(it);
      continue;
    }
    out.push_back({it->second.id, it->first, it->second.host, it->second.io, now - it->second.at});
    ++it;
  }
  std::sort(out.begin(), out.end(), [](const row& a, const row& b) { return a.id < b.id; });
  return out;
}

}  // namespace pstorage::mds
