// The screen of `pstorage top` (frontends/cli/top_screen.hpp) and the stat
// view pieces it shares with `pstorage stat` (frontends/common/stat_view.hpp),
// from a stat answer built as the MDS sends it.
#include <capnp/message.h>
#include <doctest/doctest.h>

#include "frontends/cli/top_screen.hpp"

using namespace pstorage;
using namespace pstorage::cli;
namespace p = pstorage::proto;

namespace {

// A master (MDS#1) and `n_cs` active CSs 1025.., CS 1025 with I/O figures.
nlohmann::json stat_json(unsigned n_cs = 3) {
  capnp::MallocMessageBuilder msg;
  auto b = msg.initRoot<p::MdsToClientStat>();
  b.setCluster("pcs1");
  b.setClusterStatus("healthy");
  b.setEpoch(3);
  auto mdses = b.initMdses(3);
  for (unsigned i = 0; i < 3; ++i) {
    mdses[i].setId(i + 1);
    mdses[i].setAddress("127.0.0.1:" + std::to_string(2510 + 10 * i));
    mdses[i].setIsMaster(i == 0);
    mdses[i].setHttpPort(static_cast<uint16_t>(2512 + 10 * i));
  }
  auto css = b.initCss(n_cs);
  for (unsigned i = 0; i < n_cs; ++i) {
    auto c = css[i];
    c.setId(1025 + i);
    c.setStatus(p::CsStatus::ACTIVE);
    c.setTotalBytes(100ull << 30);
    c.setFreeBytes(60ull << 30);
    c.setHost("node" + std::to_string(i) + ".example.com");
    c.setAddress("127.0.0.1:" + std::to_string(40000 + i));
    c.setFlags("C");
    c.setReplicas(38);
  }
  auto io = css[0].initIo();
  io.setIowaitPercent(12.4);
  io.setLatencyAvgUs(700);
  io.setLatencyMaxUs(15000);
  io.setQueueDepth(0.5);
  io.setReadBytesPerSec(3 << 20);
  io.setReadOpsPerSec(12);
  auto cio = b.initIo();
  cio.setReadBytesPerSec(3 << 20);
  cio.setReadOpsPerSec(12);
  cio.setWriteBytesPerSec(1024);
  cio.setWriteOpsPerSec(2);
  b.setReplicationNorm(3);
  b.setReplicationLimit(2);
  auto fs = b.initFs();
  fs.setDataBytes(1ull << 30);
  fs.setFiles(51);
  fs.setInodes(53);
  return frontend::stat_to_json(b.asReader());
}

bool has_line(const std::vector<std::string>& lines, const std::string& needle) {
  for (auto& l : lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("stat shows the guide's IO line and the IOWAIT, IOLAT and QDEPTH of each CS") {
  auto j = stat_json();
  CHECK(j["io"]["read_bytes_per_s"] == 3 << 20);
  CHECK(j["cs"][0]["io"]["latency_max_ms"] == 15.0);
  auto text = frontend::stat_to_text(j);
  INFO(text);
  CHECK(text.find("IO:        read   3.0MB/s (  12ops/s), write   1.0KB/s (   2ops/s)") != std::string::npos);
  CHECK(text.find("IOWAIT IOLAT       QDEPTH") != std::string::npos);
  auto row = frontend::cs_table_row(j["cs"][0], frontend::cs_columns::stat);
  CHECK(row.find("12%    0.7/15      0.5") != std::string::npos);
}

TEST_CASE("top fits 80x24 in every view, with the header, the MDS and the CS ids") {
  top_input in;
  in.stat = stat_json(40);
  for (int i = 0; i < 3; ++i) in.events.push_back({{"id", i + 1}, {"time_ns", 0}, {"severity", "info"},
                                                    {"source", "MDS#1"}, {"text", std::string(200, 'x')}});
  top_view v;
  for (int key : {'x', 'v', 'i', 'i', 'i', 'e', 'h', '?'}) {
    CHECK(apply_top_key(v, key));
    auto lines = render_top(in, v, 80, 24);
    CHECK(lines.size() <= 24);
    for (auto& l : lines) CHECK(l.size() <= 80);
    CHECK(lines.back().find("q:quit") != std::string::npos);
  }
  top_view main;
  auto lines = render_top(in, main, 80, 24);
  CHECK(lines.size() == 24);
  CHECK(lines[0] == "Cluster 'pcs1': healthy");
  CHECK(has_line(lines, "IO:        read"));
  CHECK(has_line(lines, "M    1 avail"));
  CHECK(has_line(lines, "1025   active"));
  CHECK(has_line(lines, "more CSs"));  // 40 CSs do not fit in 24 lines
}

TEST_CASE("each key switches the view: v verbose, i CS columns, e events, h help, q quits") {
  top_input in;
  in.stat = stat_json();
  in.events.push_back({{"id", 1}, {"time_ns", 0}, {"severity", "info"}, {"source", "MDS#1"},
                       {"text", "MDS#1 at 127.0.0.1:2510 became master"}});
  top_view v;
  auto main = render_top(in, v, 100, 40);
  CHECK(has_line(main, "IOWAIT IOLAT"));
  CHECK(!has_line(main, "FS:"));
  CHECK(has_line(main, "became master"));  // the latest events under the tables
  apply_top_key(v, 'v');
  CHECK(has_line(render_top(in, v, 100, 40), "FS:  1.0GB in 51 files, 53 inodes, 0 chunks, 114 chunk replicas"));
  apply_top_key(v, 'i');
  auto rates = render_top(in, v, 100, 40);
  CHECK(has_line(rates, "READ      WRITE     RD_OPS WR_OPS FSYNCS"));
  CHECK(has_line(rates, "3.0MB/s"));
  apply_top_key(v, 'i');
  CHECK(has_line(render_top(in, v, 100, 40), "LOCATION"));
  apply_top_key(v, 'i');
  CHECK(has_line(render_top(in, v, 100, 40), "IOWAIT"));
  apply_top_key(v, 'e');
  auto events = render_top(in, v, 100, 40);
  CHECK(events[0].rfind("TIME", 0) == 0);
  CHECK(!has_line(events, "CSID"));
  apply_top_key(v, 'h');
  CHECK(has_line(render_top(in, v, 100, 40), "cycle the CS columns"));
  apply_top_key(v, 'h');
  CHECK(has_line(render_top(in, v, 100, 40), "CSID"));
  CHECK_FALSE(apply_top_key(v, 'q'));
}

TEST_CASE("without an answer top shows why") {
  top_input in;
  in.error = "no MDS of cluster 'pcs1' answers";
  auto lines = render_top(in, top_view{}, 80, 24);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "*** no MDS of cluster 'pcs1' answers");
}

TEST_CASE("the clients table: each mount's figures in stat --json, stat and top (guide 'Monitoring Clients')") {
  capnp::MallocMessageBuilder msg;
  auto b = msg.initRoot<p::MdsToClientStat>();
  b.setCluster("pcs1");
  b.initMdses(1)[0].setId(1);
  b.getMdses()[0].setIsMaster(true);
  b.getMdses()[0].setAddress("127.0.0.1:2510");
  auto cl = b.initClients(1);
  cl[0].setId(7);
  cl[0].setClientId("client1:4242:00aa00aa00aa00aa");
  cl[0].setAgeMs(1200);
  auto io = cl[0].initIo();
  io.setHost("client1");
  io.setWindowS(20);
  io.setOpenFiles(1.5);
  io.setReadBytesPerSec(2 << 20);
  io.setWriteBytesPerSec(1 << 20);
  io.setReadOpsPerSec(16);
  io.setWriteOpsPerSec(8);
  io.setFsyncsPerSec(2);
  io.setLatencyAvgMs(3.2);
  io.setLatencyMaxMs(41);
  auto j = frontend::stat_to_json(b.asReader());
  REQUIRE(j["clients"].size() == 1);
  CHECK(j["clients"][0]["id"] == 7);
  CHECK(j["clients"][0]["host"] == "client1");
  CHECK(j["clients"][0]["io"]["fsyncs_per_s"] == 2.0);
  CHECK(j["clients"][0]["io"]["open_files"] == 1.5);
  const auto row = frontend::client_table_row(j["clients"][0]);
  CHECK(row.find("3.2/41") != std::string::npos);
  CHECK(row.find("client1") != std::string::npos);
  CHECK(row.rfind("7 ", 0) == 0);
  CHECK(frontend::client_table_header().find("CLID LEASES") == 0);
  const auto text = frontend::stat_to_text(j);
  CHECK(text.find(frontend::client_table_header()) != std::string::npos);
  CHECK(text.find(row) != std::string::npos);
  auto lines = render_top({j, nlohmann::json::array(), {}}, top_view{}, 80, 24);
  CHECK(has_line(lines, "CLID LEASES"));
  CHECK(has_line(lines, "client1"));
  for (auto& l : lines) CHECK(l.size() <= 80);
  // A cluster without mounts: stat --json has an empty list.
  CHECK(stat_json()["clients"].empty());
}

TEST_CASE("the MDS table: %CPU, MEM, UPTIME from each MDS's own figures, COMMITS from two answers") {
  auto before = stat_json();
  auto now = stat_json();
  before["mds"][0]["match_index"] = 100;
  now["mds"][0]["match_index"] = 150;
  before["mds"][1]["match_index"] = 90;
  now["mds"][1]["match_index"] = 140;
  now["mds"][2]["match_index"] = 7;  // no earlier answer for MDS#3 (0): no rate
  add_commit_rates(now, before, 2.0);
  CHECK(now["mds"][0]["commits_per_s"] == 25.0);
  CHECK(now["mds"][1]["commits_per_s"] == 25.0);
  CHECK_FALSE(now["mds"][2].contains("commits_per_s"));
  now["mds"][0]["process"] = {{"cpu_percent", 3.5}, {"resident_bytes", 64ull << 20}, {"uptime_s", 2 * 86400.0 + 3600},
                              {"ctime_percent", 0.4}};
  const auto row = frontend::mds_table_row(now["mds"][0], true);
  CHECK(row.rfind("M    1 avail       0.4%", 0) == 0);  // %CTIME
  CHECK(row.rfind("M    1 avail", 0) == 0);
  CHECK(row.find("25/s") != std::string::npos);
  CHECK(row.find("3.5%") != std::string::npos);
  CHECK(row.find("2d  1h") != std::string::npos);
  CHECK(row.find("127.0.0.1:2510") != std::string::npos);
  const auto bare = frontend::mds_table_row(now["mds"][2], true);  // nothing measured: dashes
  CHECK(bare.find("   -  ") != std::string::npos);
  CHECK(frontend::mds_table_header().find("MDSID  STATUS    %CTIME COMMITS   %CPU     MEM   UPTIME HOST") == 0);
  CHECK(frontend::mds_table_header(true).find("LAG") != std::string::npos);
  for (auto& l : render_top({now, nlohmann::json::array(), {}}, top_view{}, 80, 24)) CHECK(l.size() <= 80);
}

TEST_CASE("w: CSs and space per location and host (guide 'Failure Domain Topology')") {
  auto s = stat_json(3);
  s["cs"][0]["location"] = "1.1.1";
  s["cs"][1]["location"] = "1.1.1";
  s["cs"][1]["host"] = s["cs"][0]["host"];
  s["cs"][2]["location"] = "2.1.1";
  s["cs"][2]["status"] = "offline";
  top_view v;
  REQUIRE(apply_top_key(v, 'w'));
  CHECK(v.shown == top_view::screen::topology);
  auto lines = render_top({s, nlohmann::json::array(), {}}, v, 80, 24);
  CHECK(has_line(lines, "Topology"));
  auto line_of = [&](const std::string& start) {
    for (auto& l : lines)
      if (l.rfind(start, 0) == 0) return l;
    return std::string();
  };
  CHECK(line_of("1.1.1 ").find("  200.0GB   120.0GB  2 CS") != std::string::npos);
  CHECK(has_line(lines, "  1.1.1.node0.example.com"));
  CHECK(has_line(lines, "1025 1026"));
  CHECK(line_of("2.1.1 ").find("       0B        0B  1 CS") != std::string::npos);  // offline: no space counted
  for (auto& l : lines) CHECK(l.size() <= 80);
  REQUIRE(apply_top_key(v, 'w'));
  CHECK(v.shown == top_view::screen::main);
}

TEST_CASE("the Replication line and V: space occupied by data chunks (guide 'Viewing space occupied by data chunks')") {
  auto s = stat_json();
  CHECK(s["replicas_default"]["norm"] == 3);
  CHECK(s["fs"]["files"] == 51);
  top_input in{s, nlohmann::json::array(), {}};
  auto main = render_top(in, top_view{}, 80, 24);
  CHECK(has_line(main, "Replication:  3 norm,  2 limit"));
  CHECK_FALSE(has_line(main, "FS:"));
  CHECK(has_line(frontend::stat_header_lines(s), "Replication:  3 norm,  2 limit"));
  s["replication"] = {{"queued", 4}, {"running", 1}, {"bytes_copied", 64ull << 20}};
  CHECK(frontend::replication_line(s) == "Replication:  3 norm,  2 limit");
  CHECK(frontend::replication_work_line(s) == "Replicating: 1 running, 4 queued, 64.0MB copied");
  top_view v;
  REQUIRE(apply_top_key(v, 'V'));
  CHECK(v.data_space);
  in.stat["license"] = {{"status", "ACTIVE"}, {"key_number", "PCSS.00000001.0001"},
                        {"capacity_bytes", 4ull << 30}, {"allocatable_bytes", 4ull << 30}};
  auto lines = render_top(in, v, 80, 24);
  CHECK(has_line(lines, "FS:  1.0GB in 51 files, 53 inodes, 0 chunks, 114 chunk replicas"));
  CHECK(has_line(lines, "Data chunks use 1.0GB of the 4.0GB the license allows (25%)"));
  for (auto& l : lines) CHECK(l.size() <= 80);
  REQUIRE(apply_top_key(v, 'v'));  // both: the FS line once
  size_t fs = 0;
  for (auto& l : render_top(in, v, 80, 40)) fs += l.rfind("FS:", 0) == 0;
  CHECK(fs == 1);
  REQUIRE(apply_top_key(v, 'V'));
  CHECK_FALSE(has_line(render_top(in, v, 80, 40), "Data chunks use"));
}

TEST_CASE("d: the disks table with SMART from smartctl, unknown without it; a warning on the main screen") {
  auto s = stat_json(3);
  s["cs"][0]["disk"] = {{"disk", "/dev/sdb"}, {"smart", "ok"}, {"temperature_c", 34}, {"capacity_bytes", 4000787030016ull},
                        {"serial", "WD-123"}, {"model", "WDC WD40EFRX"}, {"detail", ""}};
  s["cs"][1]["disk"] = {{"disk", "/dev/vda"}, {"smart", "unknown"}, {"temperature_c", -1}, {"capacity_bytes", 0},
                        {"serial", ""}, {"model", ""}, {"detail", "smartctl is not installed"}};
  top_view v;
  REQUIRE(apply_top_key(v, 'd'));
  CHECK(v.shown == top_view::screen::disks);
  auto lines = render_top({s, nlohmann::json::array(), {}}, v, 80, 24);
  CHECK(has_line(lines, "CSID   DISK       SMART   TEMP  CAPACITY SERIAL         MODEL            HOST"));
  CHECK(has_line(lines, "1025   /dev/sdb   OK       34C     3.6TB WD-123         WDC WD40EFRX     node0"));
  CHECK(has_line(lines, "1026   /dev/vda   unknown    -         - -              -                node1"));
  CHECK(has_line(lines, "1027   -          -          -         - -              no answer from t"));
  for (auto& l : lines) CHECK(l.size() <= 80);
  CHECK(smart_warning_line(s).empty());
  s["cs"][0]["disk"]["smart"] = "warn";
  CHECK(smart_warning_line(s) == "SMART warning: CS#1025 /dev/sdb pre-failure (press d)");
  CHECK(has_line(render_top({s, nlohmann::json::array(), {}}, top_view{}, 80, 24), "SMART warning: CS#1025"));
  CHECK(has_line(render_top({s, nlohmann::json::array(), {}}, v, 80, 24), "1025   /dev/sdb   Warn"));
  REQUIRE(apply_top_key(v, 'd'));
  CHECK(v.shown == top_view::screen::main);
}

// The guide's three CSs of "Understanding allocatable disk space" (200 GB,
// 500 GB, 1 TB on three hosts), with the default 5 % reserve.
static nlohmann::json guide_space_json(uint32_t norm, uint64_t license_allocatable = 0) {
  capnp::MallocMessageBuilder msg;
  auto b = msg.initRoot<p::MdsToClientStat>();
  b.setCluster("pcs1");
  b.setClusterStatus("healthy");
  const uint64_t GiB = 1ull << 30;
  const uint64_t totals[] = {200, 500, 1000}, frees[] = {180, 480, 980};
  auto css = b.initCss(3);
  for (unsigned i = 0; i < 3; ++i) {
    css[i].setId(1025 + i);
    css[i].setStatus(p::CsStatus::ACTIVE);
    css[i].setTotalBytes(totals[i] * GiB);
    css[i].setFreeBytes(frees[i] * GiB);
    css[i].setHostId("host" + std::to_string(i));
  }
  b.setReplicationNorm(norm);
  b.setReplicationLimit(1);
  if (license_allocatable) {
    auto l = b.initLicense();
    l.setStatus("ACTIVE");
    l.setCapacityBytes(100 * GiB);
    l.setAllocatableBytes(license_allocatable);
  }
  return frontend::stat_to_json(b.asReader());
}

TEST_CASE("the Space line: allocatable from the replicas, the failure domains and the license (guide 'Understanding allocatable disk space')") {
  const uint64_t GiB = 1ull << 30;
  // 3 replicas: the smallest CS bounds it, above its 5 % reserve (170 of 190 GiB).
  auto three = guide_space_json(3);
  CHECK(three["space"]["allocatable_bytes"] == 170 * GiB);
  CHECK(three["space"]["allocatable_total_bytes"] == 190 * GiB);
  auto lines = frontend::stat_header_lines(three);
  INFO(lines[1]);
  CHECK(lines[1] == "Space: [OK] allocatable 170.0GB of 190.0GB, free 1.6TB of 1.7TB");
  // 2 replicas: the two smaller CSs bound it (guide: 700 GB instead of 200 GB).
  auto two = frontend::stat_header_lines(guide_space_json(2));
  CHECK(two[1] == "Space: [OK] allocatable 625.0GB of 665.0GB, free 1.6TB of 1.7TB");
  // A license leaving 30 GiB, of 100 GiB capacity.
  auto lic = frontend::stat_header_lines(guide_space_json(2, 30 * GiB));
  CHECK(lic[1] == "Space: [OK] allocatable 30.0GB of 100.0GB, free 1.6TB of 1.7TB");
  // Top shows the same line.
  top_input in;
  in.stat = three;
  CHECK(has_line(render_top(in, top_view{}, 80, 24), "Space: [OK] allocatable 170.0GB of 190.0GB"));
}

TEST_CASE("top measures replication and rebalancing across its answers: rate and ETA") {
  auto s = stat_json();
  s["replication"] = {{"queued", 40}, {"running", 2}, {"bytes_copied", 0}};
  s["rebalance"] = {{"running", 1}, {"moved", 10}};
  top_progress p;
  auto first = s;
  add_progress_rates(first, p, 100);
  CHECK(frontend::replication_work_line(first) == "Replicating: 2 running, 40 queued, 0B copied");  // no rate yet
  // 2 s later: 10 chunks done, 128 MiB copied, 4 more moved.
  s["replication"] = {{"queued", 30}, {"running", 2}, {"bytes_copied", 128ull << 20}};
  s["rebalance"] = {{"running", 1}, {"moved", 14}};
  add_progress_rates(s, p, 102);
  CHECK(frontend::replication_work_line(s) == "Replicating: 2 running, 30 queued, 64.0MB/s, 5.0 chunks/s, ETA 7s");
  CHECK(frontend::rebalancing_line(s) == "Rebalancing: 1 running, 14 chunks moved, 2.0 chunks/s");
  top_input in;
  in.stat = s;
  auto lines = render_top(in, top_view{}, 80, 24);
  CHECK(has_line(lines, "Replicating: 2 running, 30 queued, 64.0MB/s, 5.0 chunks/s, ETA 7s"));
  for (auto& l : lines) CHECK(l.size() <= 80);
  // Stalled: no chunk finished in the window, so no ETA is guessed.
  auto later = s;
  for (double t = 103; t <= 130; t += 1) {
    later = stat_json();
    later["replication"] = {{"queued", 30}, {"running", 2}, {"bytes_copied", 128ull << 20}};
    add_progress_rates(later, p, t);
  }
  CHECK(frontend::replication_work_line(later) == "Replicating: 2 running, 30 queued, 0B/s, ETA -");
  // `stat` (one answer, no rates) prints the counts only.
  CHECK(frontend::stat_to_text(first).find("Replicating: 2 running, 40 queued, 0B copied\n") != std::string::npos);
}

TEST_CASE("v: space per storage tier of the CSs (guide 'Monitoring Storage Tiers')") {
  auto s = stat_json(3);  // 100 GiB each, 60 GiB free, tier 0
  s["cs"][1]["tier"] = 2;
  s["cs"][2]["tier"] = 2;
  s["cs"][2]["status"] = "inactive";
  top_input in;
  in.stat = s;
  top_view v;
  CHECK_FALSE(has_line(render_top(in, v, 80, 24), "Tier 0:"));
  apply_top_key(v, 'v');
  auto lines = render_top(in, v, 80, 24);
  CHECK(has_line(lines, "Tier 0: 1 CS (1 active), space 100.0GB, free 60.0GB"));
  CHECK(has_line(lines, "Tier 2: 2 CS (1 active), space 100.0GB, free 60.0GB"));
}

TEST_CASE("i: the rates columns end with RMW and JRMW (guide 'Improving High-Capacity HDD Performance')") {
  auto s = stat_json(2);
  s["cs"][0]["jrmw"] = 17;  // from the CS's /status (mds_figures add_cs_disks)
  CHECK(frontend::cs_table_header(frontend::cs_columns::rates).find("IOLAT       RMW  JRMW  HOST") != std::string::npos);
  auto row = frontend::cs_table_row(s["cs"][0], frontend::cs_columns::rates);
  CHECK(row.find(" -    17    node0") != std::string::npos);
  CHECK(frontend::cs_table_row(s["cs"][1], frontend::cs_columns::rates).find(" -    -     node1") != std::string::npos);
}
