// Tests of frontends/common/metrics_daemons.hpp: what the CS's and the MDS's
// GET /metrics say (docs/monitoring.md).
#include "frontends/common/metrics_daemons.hpp"

#include "actors/license/license_doc.hpp"

#include <capnp/message.h>
#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace pstorage;
using namespace pstorage::frontend;

namespace {
// name{labels} -> value, from the registry (labels as written, in order).
std::map<std::string, double> samples(const metrics_registry& r) {
  std::map<std::string, double> out;
  for (auto& f : r.families())
    for (auto& s : f.samples) {
      std::string key = f.name + s.suffix;
      if (!s.labels.empty()) {
        key += '{';
        for (size_t i = 0; i < s.labels.size(); ++i)
          key += (i ? "," : "") + s.labels[i].first + "=" + s.labels[i].second;
        key += '}';
      }
      out[key] = s.value;
    }
  return out;
}
}  // namespace

TEST_CASE("CS metrics: the guide's IOWAIT, IOLAT, QDEPTH and IO rates, counters and the latency histogram") {
  cs_metrics_input in;
  in.cs_id = 1025;
  in.registered = true;
  in.cluster = "pcs1";
  in.space_bytes = 1000;
  in.free_bytes = 400;
  in.io.read_bytes_per_s = 4096;
  in.io.write_ops_per_s = 2.5;
  in.io.latency_avg_ms = 3;
  in.io.latency_max_ms = 12;
  in.io.queue_depth = 1.25;
  in.io.iowait_percent = 40;
  in.totals.write_bytes = 1 << 20;
  in.totals.read_ops = 7;
  in.totals.latency_buckets[0] = 2;
  in.totals.latency_buckets.back() = 1;
  in.totals.latency_count = 3;
  in.totals.latency_sum_s = 20.5;
  metrics_registry r;
  add_cs_metrics(r, in);
  auto s = samples(r);
  CHECK(s["pstorage_cs_info{cs_id=1025,cluster=pcs1}"] == 1);
  CHECK(s["pstorage_cs_registered{cs_id=1025}"] == 1);
  CHECK(s["pstorage_cs_space_bytes{cs_id=1025}"] == 1000);
  CHECK(s["pstorage_cs_free_bytes{cs_id=1025}"] == 400);
  CHECK(s["pstorage_cs_read_bytes_per_second{cs_id=1025}"] == 4096);
  CHECK(s["pstorage_cs_ops_per_second{cs_id=1025,op=write}"] == 2.5);
  CHECK(s["pstorage_cs_io_latency_avg_seconds{cs_id=1025}"] == doctest::Approx(0.003));
  CHECK(s["pstorage_cs_io_latency_max_seconds{cs_id=1025}"] == doctest::Approx(0.012));
  CHECK(s["pstorage_cs_queue_depth{cs_id=1025}"] == 1.25);
  CHECK(s["pstorage_cs_iowait_ratio{cs_id=1025}"] == doctest::Approx(0.4));
  CHECK(s["pstorage_cs_write_bytes_total{cs_id=1025}"] == 1 << 20);
  CHECK(s["pstorage_cs_ops_total{cs_id=1025,op=read}"] == 7);
  CHECK(s["pstorage_cs_io_latency_seconds_bucket{cs_id=1025,le=0.0005}"] == 2);
  CHECK(s["pstorage_cs_io_latency_seconds_bucket{cs_id=1025,le=10}"] == 2);
  CHECK(s["pstorage_cs_io_latency_seconds_bucket{cs_id=1025,le=+Inf}"] == 3);
  CHECK(s["pstorage_cs_io_latency_seconds_count{cs_id=1025}"] == 3);
  CHECK(s["pstorage_cs_io_latency_seconds_sum{cs_id=1025}"] == 20.5);
  // Every name has the prefix, every family a help text.
  for (auto& f : r.families()) {
    CHECK(f.name.rfind("pstorage_", 0) == 0);
    CHECK_FALSE(f.help.empty());
  }
}

namespace {
void fill_stat(proto::MdsToClientStat::Builder b) {
  b.initStatus().setCode(proto::STATUS_OK);
  b.setCluster("pcs1");
  b.setClusterStatus("degraded");
  b.setEpoch(7);
  b.setEpochAgeMs(90500);
  b.setCommitIndex(1234);
  auto m = b.initMdses(2);
  m[0].setId(1);
  m[0].setIsMaster(true);
  m[0].setStatus(proto::MdsStatus::AVAIL);
  m[1].setId(2);
  m[1].setStatus(proto::MdsStatus::INACTIVE);
  m[1].setLag(1500);
  m[1].setLastAckMs(30000);
  auto c = b.initCss(3);
  c[0].setId(1025);
  c[0].setHost("node\"1");
  c[0].setStatus(proto::CsStatus::ACTIVE);
  c[0].setTotalBytes(1000);
  c[0].setFreeBytes(100);
  c[0].setReplicas(5);
  c[1].setId(1026);
  c[1].setStatus(proto::CsStatus::ACTIVE);
  c[1].setTotalBytes(1000);
  c[1].setFreeBytes(300);
  c[2].setId(1027);
  c[2].setStatus(proto::CsStatus::INACTIVE);
  c[2].setTotalBytes(5000);
  c[2].setFreeBytes(5000);
  c[2].setReleasing(true);
  auto ch = b.initChunks(3);
  ch[0].setState("healthy");
  ch[0].setCount(8);
  ch[1].setState("degraded");
  ch[1].setCount(2);
  ch[2].setState("total");  // not a state: not exported
  ch[2].setCount(10);
  auto rep = b.initReplication();
  rep.setQueued(2);
  rep.setRunning(1);
  rep.setBytesCopied(4 << 20);
}
}  // namespace

TEST_CASE("MDS metrics from the master's stat answer: status, space, CS and chunk states, journal, election") {
  capnp::MallocMessageBuilder mb;
  auto b = mb.initRoot<proto::MdsToClientStat>();
  fill_stat(b);
  auto reader = b.asReader();
  metrics_registry r;
  add_mds_metrics(r, 1, "pcs1", &reader);
  auto s = samples(r);
  CHECK(s["pstorage_mds_info{mds_id=1,cluster=pcs1}"] == 1);
  CHECK(s["pstorage_mds_master{mds_id=1}"] == 1);
  CHECK(s["pstorage_mds_cluster_view{mds_id=1}"] == 1);
  CHECK(s["pstorage_cluster_status{status=degraded}"] == 1);
  CHECK(s["pstorage_cluster_status{status=healthy}"] == 0);
  CHECK(s["pstorage_cluster_status{status=failure}"] == 0);
  CHECK(s["pstorage_cluster_master_id"] == 1);
  CHECK(s["pstorage_election_epoch"] == 7);
  CHECK(s["pstorage_election_epoch_age_seconds"] == doctest::Approx(90.5));
  CHECK(s["pstorage_journal_commits_total"] == 1234);
  CHECK(s["pstorage_mds_nodes{status=avail}"] == 1);
  CHECK(s["pstorage_mds_nodes{status=inactive}"] == 1);
  CHECK(s["pstorage_cluster_mds_lag_entries{mds_id=2}"] == 1500);
  CHECK(s["pstorage_cluster_mds_last_ack_seconds{mds_id=2}"] == 30);
  CHECK(s["pstorage_cluster_mds_up{mds_id=2}"] == 0);
  // Space of the active CSs only (as `pstorage stat`): 2000 total, 400 free.
  CHECK(s["pstorage_cluster_space_bytes"] == 2000);
  CHECK(s["pstorage_cluster_free_bytes"] == 400);
  CHECK(s["pstorage_cluster_space_used_ratio"] == doctest::Approx(0.8));
  CHECK(s["pstorage_cs_nodes{status=active}"] == 2);
  CHECK(s["pstorage_cs_nodes{status=inactive}"] == 1);
  CHECK(s["pstorage_cs_nodes{status=offline}"] == 0);
  CHECK(s["pstorage_cs_nodes_releasing"] == 1);
  CHECK(s["pstorage_cluster_cs_status{cs_id=1027,host=,status=inactive}"] == 1);
  CHECK(s["pstorage_cluster_cs_status{cs_id=1027,host=,status=active}"] == 0);
  CHECK(s["pstorage_cluster_cs_status{cs_id=1025,host=node\"1,status=active}"] == 1);
  CHECK(s["pstorage_cluster_cs_replicas{cs_id=1025}"] == 5);
  CHECK(s["pstorage_chunks{state=healthy}"] == 8);
  CHECK(s["pstorage_chunks{state=degraded}"] == 2);
  CHECK(s["pstorage_chunks{state=urgent}"] == 0);  // every state, 0 when absent
  CHECK(s["pstorage_chunks{state=void}"] == 0);
  CHECK(s.count("pstorage_chunks{state=total}") == 0);
  CHECK(s["pstorage_replication_queued_chunks"] == 2);
  CHECK(s["pstorage_replication_copied_bytes_total"] == 4 << 20);
  // The text escapes the host's double quote.
  CHECK(r.text().find("host=\"node\\\"1\"") != std::string::npos);
  std::set<std::string> names;
  for (auto& f : r.families()) CHECK(names.insert(f.name).second);  // one family per name
}

TEST_CASE("MDS metrics on a follower or without an answer: only this MDS's own role") {
  capnp::MallocMessageBuilder mb;
  auto b = mb.initRoot<proto::MdsToClientStat>();
  b.initStatus().setCode(proto::STATUS_NOT_MASTER);
  const proto::MdsToClientStat::Reader reader = b.asReader();
  const proto::MdsToClientStat::Reader* none = nullptr;
  for (auto* stat : {&reader, none}) {
    metrics_registry r;
    add_mds_metrics(r, 3, "pcs1", stat);
    auto s = samples(r);
    CHECK(s["pstorage_mds_master{mds_id=3}"] == 0);
    CHECK(s["pstorage_mds_cluster_view{mds_id=3}"] == 0);
    CHECK(s.count("pstorage_cluster_status{status=healthy}") == 0);
    // Its own role and its own journal time (%CTIME, process_stats.hpp), nothing of the cluster.
    CHECK(r.families().size() == 5);
    CHECK(s.count("pstorage_journal_write_seconds_total") == 1);
    CHECK(s.count("pstorage_journal_ctime_percent") == 1);
  }
}

TEST_CASE("CS metrics: the S.M.A.R.T. status of the disk under the repository, when read") {
  cs_metrics_input in;
  in.cs_id = 1025;
  {
    metrics_registry r;
    add_cs_metrics(r, in);  // not read: no disk family
    CHECK(samples(r).count("pstorage_cs_disk_smart_status{cs_id=1025,disk=,status=unknown}") == 0);
  }
  in.disk.emplace();
  in.disk->disk = "/dev/sdb";
  in.disk->smart = "warn";
  in.disk->temperature_c = 41;
  metrics_registry r;
  add_cs_metrics(r, in);
  auto s = samples(r);
  CHECK(s["pstorage_cs_disk_smart_status{cs_id=1025,disk=/dev/sdb,status=warn}"] == 1);
  CHECK(s["pstorage_cs_disk_smart_status{cs_id=1025,disk=/dev/sdb,status=ok}"] == 0);
  CHECK(s["pstorage_cs_disk_smart_status{cs_id=1025,disk=/dev/sdb,status=failed}"] == 0);
  CHECK(s["pstorage_cs_disk_smart_status{cs_id=1025,disk=/dev/sdb,status=unknown}"] == 0);
  CHECK(s["pstorage_cs_disk_temperature_celsius{cs_id=1025,disk=/dev/sdb}"] == 41);
  in.disk = cs::disk_health{};  // no smartctl: unknown, no temperature
  metrics_registry r2;
  add_cs_metrics(r2, in);
  auto s2 = samples(r2);
  CHECK(s2["pstorage_cs_disk_smart_status{cs_id=1025,disk=,status=unknown}"] == 1);
  CHECK(s2.count("pstorage_cs_disk_temperature_celsius{cs_id=1025,disk=}") == 0);
}

TEST_CASE("MDS metrics: the License line with its days left, the IO line, Replication norm/limit, clients") {
  license::signed_license lic;
  lic.doc.hwid = "3F96.DFF2.EAF6.CE86.DD49.786C.DC01.3D53";
  lic.doc.start = 1700000000;
  lic.doc.expiration = 1800000000;
  lic.doc.graceperiod = 3600;
  lic.doc.key_number = "PCSS.00000001.0001";
  lic.doc.capacity_mb = 500000;
  lic.signature = "c2ln";
  capnp::MallocMessageBuilder mb;
  auto b = mb.initRoot<proto::MdsToClientStat>();
  fill_stat(b);
  b.setReplicationNorm(3);
  b.setReplicationLimit(2);
  auto io = b.initIo();
  io.setReadBytesPerSec(5 << 20);
  io.setWriteOpsPerSec(82.5);
  b.initClients(2);
  auto l = b.initLicense();
  l.setStatus("ACTIVE");
  l.setCapacityBytes(500'000'000'000);
  l.setUsedBytes(64 << 20);
  l.setAllocatableBytes(400'000'000'000);
  l.setText(license::encode_file(lic));
  auto reader = b.asReader();
  const int64_t now = 1800000000 - 10 * 86400 - 43200;  // 10.5 days before the expiration
  metrics_registry r;
  add_mds_metrics(r, 1, "pcs1", &reader, now);
  auto s = samples(r);
  CHECK(s["pstorage_license_status{status=ACTIVE}"] == 1);
  CHECK(s["pstorage_license_status{status=EXPIRED}"] == 0);
  CHECK(s["pstorage_license_status{status=NONE}"] == 0);
  CHECK(s["pstorage_license_capacity_bytes"] == 500e9);
  CHECK(s["pstorage_license_used_bytes"] == 64 << 20);
  CHECK(s["pstorage_license_allocatable_bytes"] == 400e9);
  CHECK(s["pstorage_license_expiration_timestamp_seconds"] == 1800000000);
  CHECK(s["pstorage_license_days_left"] == doctest::Approx(10.5));
  CHECK(s["pstorage_replication_norm"] == 3);
  CHECK(s["pstorage_replication_limit"] == 2);
  CHECK(s["pstorage_cluster_read_bytes_per_second"] == 5 << 20);
  CHECK(s["pstorage_cluster_ops_per_second{op=write}"] == 82.5);
  CHECK(s["pstorage_cluster_ops_per_second{op=read}"] == 0);
  CHECK(s["pstorage_clients"] == 2);
  // One second past the expiration: negative.
  metrics_registry r2;
  add_mds_metrics(r2, 1, "pcs1", &reader, 1800000000 + 86400);
  CHECK(samples(r2)["pstorage_license_days_left"] == doctest::Approx(-1));
  // Evaluation mode: no license text, so no expiration.
  l.setStatus("NONE");
  l.setText("");
  auto reader2 = b.asReader();
  metrics_registry r3;
  add_mds_metrics(r3, 1, "pcs1", &reader2, now);
  auto s3 = samples(r3);
  CHECK(s3["pstorage_license_status{status=NONE}"] == 1);
  CHECK(s3.count("pstorage_license_days_left") == 0);
  std::set<std::string> names;
  for (auto& f : r.families()) CHECK(names.insert(f.name).second);  // one family per name
}

TEST_CASE("MDS metrics: the Space line's allocatable figure, as stat computes it") {
  const uint64_t GiB = 1ull << 30;
  capnp::MallocMessageBuilder mb;
  auto b = mb.initRoot<proto::MdsToClientStat>();
  b.initStatus().setCode(proto::STATUS_OK);
  b.setCluster("pcs1");
  b.setClusterStatus("healthy");
  auto c = b.initCss(3);
  const uint64_t totals[] = {200, 500, 1000}, frees[] = {180, 480, 980};
  for (unsigned i = 0; i < 3; ++i) {
    c[i].setId(1025 + i);
    c[i].setStatus(proto::CsStatus::ACTIVE);
    c[i].setTotalBytes(totals[i] * GiB);
    c[i].setFreeBytes(frees[i] * GiB);
    c[i].setHostId("host" + std::to_string(i));
  }
  b.setReplicationNorm(2);
  auto reader = b.asReader();
  metrics_registry r;
  add_mds_metrics(r, 1, "pcs1", &reader, 1800000000);
  auto s = samples(r);
  // 2 replicas over three hosts, 5 % reserved on each (actors/mds/allocatable_space.hpp).
  CHECK(s["pstorage_cluster_allocatable_bytes"] == static_cast<double>(625 * GiB));
  CHECK(s["pstorage_cluster_allocatable_total_bytes"] == static_cast<double>(665 * GiB));
  CHECK(s["pstorage_cluster_space_bytes"] == static_cast<double>(1700 * GiB));
}
