#include "actors/client/client_io.hpp"

namespace pstorage::client {

client_io_meter::time_point client_io_meter::started(time_point now) {
  std::lock_guard<std::mutex> g(m_);
  ops_.op_started(now);
  return now;
}

void client_io_meter::finished(time_point started, time_point now, client_op op, uint64_t bytes, bool ok) {
  std::lock_guard<std::mutex> g(m_);
  const auto kind = op == client_op::read    ? cs::io_kind::read
                    : op == client_op::write ? cs::io_kind::write
                                             : cs::io_kind::sync;
  ops_.op_finished(started, now, kind, bytes, ok);
}

void client_io_meter::opened(time_point now) {
  std::lock_guard<std::mutex> g(m_);
  opens_.op_started(now);
  ++open_now_;
}

void client_io_meter::released(time_point now) {
  std::lock_guard<std::mutex> g(m_);
  if (open_now_ <= 0) return;  // a release without a counted open: nothing in service to end
  --open_now_;
  opens_.op_finished(now, now, cs::io_kind::sync, 0, true);
}

client_io_figures client_io_meter::figures(time_point now) {
  std::lock_guard<std::mutex> g(m_);
  const auto f = ops_.figures(now);
  client_io_figures out;
  out.window_s = f.window_s;
  out.read_bytes_per_s = f.read_bytes_per_s;
  out.write_bytes_per_s = f.write_bytes_per_s;
  out.read_ops_per_s = f.read_ops_per_s;
  out.write_ops_per_s = f.write_ops_per_s;
  out.fsyncs_per_s = f.sync_ops_per_s;
  out.latency_avg_ms = f.latency_avg_ms;
  out.latency_max_ms = f.latency_max_ms;
  out.open_files = opens_.figures(now).queue_depth;
  return out;
}

}  // namespace pstorage::client
