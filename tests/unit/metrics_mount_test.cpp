// Unit tests of pstorage-mount's /status and /metrics (frontends/common/metrics_mount.hpp).
#include <doctest/doctest.h>

#include "frontends/common/metrics_mount.hpp"

using namespace pstorage;
using namespace pstorage::frontend;

TEST_CASE("the mount's figures as /status JSON and Prometheus text") {
  mount_metrics_input in;
  in.cluster = "pcs1";
  in.client_id = "host:12:ab\"c";
  in.mount_point = "/mnt/p";
  in.master_id = 2;
  in.io.window_s = 20;
  in.io.read_bytes_per_s = 1000;
  in.io.write_ops_per_s = 3.5;
  in.io.fsyncs_per_s = 0.5;
  in.io.latency_avg_ms = 2;
  in.io.open_files = 1.5;
  auto j = mount_status_json(in);
  CHECK(j["role"] == "mount");
  CHECK(j["master_mds_id"] == 2);
  CHECK(j["io"]["fsyncs_per_s"].get<double>() == doctest::Approx(0.5));
  metrics_registry r;
  add_mount_metrics(r, in);
  auto t = r.text();
  CHECK(t.find("pstorage_mount_info{client_id=\"host:12:ab\\\"c\",cluster=\"pcs1\",mount_point=\"/mnt/p\"} 1\n") !=
        std::string::npos);
  CHECK(t.find("pstorage_mount_ops_per_second{client_id=\"host:12:ab\\\"c\",op=\"write\"} 3.5\n") != std::string::npos);
  CHECK(t.find("pstorage_mount_latency_avg_seconds{client_id=\"host:12:ab\\\"c\"} 0.002\n") != std::string::npos);
  CHECK(t.find("pstorage_mount_master_mds_id{client_id=\"host:12:ab\\\"c\"} 2\n") != std::string::npos);
  CHECK(t.find("# TYPE pstorage_mount_open_files gauge\n") != std::string::npos);
}
