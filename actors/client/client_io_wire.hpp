// client_io_wire.hpp — ClientIoStats (protocol/client_mds.capnp) to and
// from client_io_figures: the mount fills it in every Watch, the master
// reads it (client_io_table.hpp), stat answers carry it. One copy of the
// field mapping for all three.
#pragma once

#include <cmath>
#include <string>

#include "actors/client/client_io.hpp"
#include "protocol/client_mds.capnp.h"

namespace pstorage::client {

// HOST: the part of the mount's client id before its first ':' (the mount
// makes its id as HOST:PID:RANDOM, frontends/mount/main.cpp).
inline std::string host_of_client_id(const std::string& client_id) { return client_id.substr(0, client_id.find(':')); }

inline void fill_client_io(proto::ClientIoStats::Builder b, const client_io_figures& f, const std::string& client_id) {
  b.setWindowS(f.window_s);
  b.setReadBytesPerSec(static_cast<uint64_t>(std::llround(f.read_bytes_per_s)));
  b.setWriteBytesPerSec(static_cast<uint64_t>(std::llround(f.write_bytes_per_s)));
  b.setReadOpsPerSec(f.read_ops_per_s);
  b.setWriteOpsPerSec(f.write_ops_per_s);
  b.setFsyncsPerSec(f.fsyncs_per_s);
  b.setLatencyAvgMs(f.latency_avg_ms);
  b.setLatencyMaxMs(f.latency_max_ms);
  b.setOpenFiles(f.open_files);
  b.setHost(host_of_client_id(client_id));
}

inline client_io_figures client_io_from_wire(proto::ClientIoStats::Reader r) {
  client_io_figures f;
  f.window_s = r.getWindowS();
  f.read_bytes_per_s = static_cast<double>(r.getReadBytesPerSec());
  f.write_bytes_per_s = static_cast<double>(r.getWriteBytesPerSec());
  f.read_ops_per_s = r.getReadOpsPerSec();
  f.write_ops_per_s = r.getWriteOpsPerSec();
  f.fsyncs_per_s = r.getFsyncsPerSec();
  f.latency_avg_ms = r.getLatencyAvgMs();
  f.latency_max_ms = r.getLatencyMaxMs();
  f.open_files = r.getOpenFiles();
  return f;
}

}  // namespace pstorage::client
