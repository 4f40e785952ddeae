#include "frontends/common/metrics_mount.hpp"

namespace pstorage::frontend {

nlohmann::json mount_status_json(const mount_metrics_input& in) {
  const auto& f = in.io;
  return {{"role", "mount"},
          {"cluster", in.cluster},
          {"client_id", in.client_id},
          {"mount_point", in.mount_point},
          {"master_mds_id", in.master_id},
          {"io",
           {{"window_s", f.window_s},
            {"read_bytes_per_s", f.read_bytes_per_s},
            {"write_bytes_per_s", f.write_bytes_per_s},
            {"read_ops_per_s", f.read_ops_per_s},
            {"write_ops_per_s", f.write_ops_per_s},
            {"fsyncs_per_s", f.fsyncs_per_s},
            {"latency_avg_ms", f.latency_avg_ms},
            {"latency_max_ms", f.latency_max_ms},
            {"open_files", f.open_files}}}};
}

void add_mount_metrics(metrics_registry& r, const mount_metrics_input& in) {
  const metric_labels id{{"client_id", in.client_id}};
  auto with = [&](metric_labels extra) {
    auto l = id;
    l.insert(l.end(), extra.begin(), extra.end());
    return l;
  };
  r.gauge("pstorage_mount_info", "Always 1; labels name this mount.", 1,
          with({{"cluster", in.cluster}, {"mount_point", in.mount_point}}));
  r.gauge("pstorage_mount_master_mds_id", "MDS#N this mount talks to as the master (0: none known now).",
          static_cast<double>(in.master_id), id);
  const auto& f = in.io;
  r.gauge("pstorage_mount_read_bytes_per_second", "READ: bytes/s read by applications over the last 20 s.",
          f.read_bytes_per_s, id);
  r.gauge("pstorage_mount_write_bytes_per_second", "WRITE: bytes/s written by applications over the last 20 s.",
          f.write_bytes_per_s, id);
  r.gauge("pstorage_mount_ops_per_second", "RD_OPS, WR_OPS, FSYNCS: operations/s over the last 20 s, by kind.",
          f.read_ops_per_s, with({{"op", "read"}}));
  r.gauge("pstorage_mount_ops_per_second", "RD_OPS, WR_OPS, FSYNCS: operations/s over the last 20 s, by kind.",
          f.write_ops_per_s, with({{"op", "write"}}));
  r.gauge("pstorage_mount_ops_per_second", "RD_OPS, WR_OPS, FSYNCS: operations/s over the last 20 s, by kind.",
          f.fsyncs_per_s, with({{"op", "fsync"}}));
  r.gauge("pstorage_mount_latency_avg_seconds", "IOLAT: average latency of its operations over the last 20 s.",
          f.latency_avg_ms / 1000.0, id);
  r.gauge("pstorage_mount_latency_max_seconds", "IOLAT: largest latency of its operations over the last 20 s.",
          f.latency_max_ms / 1000.0, id);
  r.gauge("pstorage_mount_open_files", "LEASES: time-average of open file handles over the last 20 s.", f.open_files,
          id);
}

}  // namespace pstorage::frontend
