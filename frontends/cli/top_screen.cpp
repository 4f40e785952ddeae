#include "frontends/cli/top_screen.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace pstorage::cli {

namespace fe = pstorage::frontend;

bool apply_top_key(top_view& v, int key) {
  switch (key) {
    case 'q': return false;
    case 'h':
    case '?': v.shown = v.shown == top_view::screen::help ? top_view::screen::main : top_view::screen::help; break;
    case 'e': v.shown = v.shown == top_view::screen::events ? top_view::screen::main : top_view::screen::events; break;
    case 'v': v.verbose = !v.verbose; v.shown = top_view::screen::main; break;
    case 'V': v.data_space = !v.data_space; v.shown = top_view::screen::main; break;
    case 'i': v.columns = fe::next_cs_columns(v.columns); v.shown = top_view::screen::main; break;
    case 'w':
      v.shown = v.shown == top_view::screen::topology ? top_view::screen::main : top_view::screen::topology;
      break;
    case 'd': v.shown = v.shown == top_view::screen::disks ? top_view::screen::main : top_view::screen::disks; break;
    default: v.shown = top_view::screen::main; break;
  }
  return true;
}

namespace {

// Cut to `width` bytes without splitting a UTF-8 sequence.
std::string fit(std::string s, size_t width) {
  if (s.size() <= width) return s;
  size_t n = width;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

std::string key_hint(const top_view& v) {
  return std::string("h:help q:quit v:verbose") + (v.verbose ? "(on)" : "") + " V:data i:cols(" +
         fe::to_string(v.columns) + ") e:events w:topo d:disks";
}

std::vector<std::string> help_lines() {
  return {
      "pstorage top: the cluster console (guide: Monitoring Parallels Cloud Storage",
      "Clusters). Refreshed every second from the master MDS.",
      "",
      "  q      quit",
      "  h, ?   this help (again: back)",
      "  v      verbose: FS line (data, files, inodes, chunks, chunk replicas) and",
      "         the replication queue",
      "  V      space occupied by data chunks: the FS line and the license's share",
      "  i      cycle the CS columns: I/O (IOWAIT, IOLAT avg/max ms over 20 s,",
      "         QDEPTH) -> rates (READ, WRITE, RD_OPS, WR_OPS, FSYNCS) ->",
      "         placement (TIER, FLAGS, LOCATION, ADDRESS)",
      "  e      the event log (TIME, SYS, SEV, MESSAGE); again: back",
      "  w      topology: CSs and space per location (room.row.rack) and host",
      "  d      disks: the disk of each CS and its S.M.A.R.T. status (smartctl)",
      "",
      "Not a terminal (a pipe, a file): one snapshot is printed, like top -b -n 1.",
  };
}

// Verbose lines: the FS line and the replication queue.
std::vector<std::string> verbose_lines(const nlohmann::json& s) {
  std::vector<std::string> out = {fe::fs_line(s)};
  if (s.contains("replication"))
    out.push_back("Replication queue: " + std::to_string(s["replication"].value("queued", uint64_t{0})) +
                  " queued, " + std::to_string(s["replication"].value("running", uint64_t{0})) + " running, " +
                  fe::human_bytes(s["replication"].value("bytes_copied", uint64_t{0})) + " copied");
  // Per-tier space (guide "Monitoring Storage Tiers"): "Tier 0: 3 CS (2
  // active), space 200.0GB, free 120.0GB" — space and free of the active ones.
  struct tier_space {
    unsigned cs = 0, active = 0;
    uint64_t space = 0, free = 0;
  };
  std::map<unsigned, tier_space> tiers;
  for (auto& c : s.value("cs", nlohmann::json::array())) {
    if (c.value("status", std::string()) == "dropped") continue;
    auto& t = tiers[c.value("tier", 0u)];
    ++t.cs;
    if (c.value("status", std::string()) != "active") continue;
    ++t.active;
    t.space += c.value("space_bytes", uint64_t{0});
    t.free += c.value("free_bytes", uint64_t{0});
  }
  for (auto& [tier, t] : tiers)
    out.push_back("Tier " + std::to_string(tier) + ": " + std::to_string(t.cs) + " CS (" + std::to_string(t.active) +
                  " active), space " + fe::human_bytes(t.space) + ", free " + fe::human_bytes(t.free));
  return out;
}

// The V key (guide "Viewing space occupied by data chunks"): all user data
// without replicas, and how much of it the license allows (docs/licensing.md).
std::vector<std::string> data_space_lines(const nlohmann::json& s, bool fs_shown) {
  std::vector<std::string> out;
  if (!fs_shown) out.push_back(fe::fs_line(s));
  if (s.contains("license") && s.contains("fs")) {
    const uint64_t used = s["fs"].value("data_bytes", uint64_t{0});
    const uint64_t allowed = s["license"].value("allocatable_bytes", uint64_t{0});
    char pct[32] = "";
    if (allowed) std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * static_cast<double>(used) / static_cast<double>(allowed));
    out.push_back("Data chunks use " + fe::human_bytes(used) + " of the " + fe::human_bytes(allowed) +
                  " the license allows" + pct);
  }
  return out;
}

// Appends a table's rows while room is left (keeping `reserve` lines free),
// with "... N more" in place of the rows that do not fit.
void add_rows(std::vector<std::string>& out, const std::vector<std::string>& rows, size_t limit, size_t reserve,
              const char* what) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t left = limit > out.size() + reserve ? limit - out.size() - reserve : 0;
    if (left == 0) return;
    if (left == 1 && i + 1 < rows.size()) {
      out.push_back("... " + std::to_string(rows.size() - i) + " more " + what);
      return;
    }
    out.push_back(rows[i]);
  }
}

std::vector<std::string> event_rows(const nlohmann::json& events) {
  std::vector<std::string> rows;
  for (auto& e : events) rows.push_back(fe::event_line(e));
  return rows;
}

std::vector<std::string> main_lines(const top_input& in, const top_view& v, size_t limit) {
  std::vector<std::string> out;
  if (!in.error.empty()) out.push_back("*** " + in.error);
  if (in.stat.is_null() || !in.stat.contains("cs")) return out;
  auto& s = in.stat;
  for (auto& l : fe::stat_header_lines(s)) out.push_back(l);
  if (auto w = smart_warning_line(s); !w.empty()) out.push_back(w);
  if (v.verbose)
    for (auto& l : verbose_lines(s)) out.push_back(l);
  if (v.data_space)
    for (auto& l : data_space_lines(s, v.verbose)) out.push_back(l);
  const bool have_master = s.value("master_id", 0u) != 0;
  std::vector<std::string> mds, cs;
  for (auto& m : s["mds"]) mds.push_back(fe::mds_table_row(m, have_master));
  for (auto& c : s["cs"]) cs.push_back(fe::cs_table_row(c, v.columns));
  out.push_back("");
  out.push_back(fe::mds_table_header());
  add_rows(out, mds, limit, 3, "MDSs");  // keep room for the CS header and one row
  std::vector<std::string> clients;
  for (auto& c : s.value("clients", nlohmann::json::array())) clients.push_back(fe::client_table_row(c));
  out.push_back("");
  out.push_back(fe::cs_table_header(v.columns));
  add_rows(out, cs, limit, clients.empty() ? 0 : 3, "CSs");  // room for the clients header and one row
  if (!clients.empty() && limit > out.size() + 2) {
    out.push_back("");
    out.push_back(fe::client_table_header());
    add_rows(out, clients, limit, 0, "clients");
  }
  // The latest events in the room left (guide "Monitoring Event Logs").
  if (limit > out.size() + 2 && !in.events.empty()) {
    out.push_back("");
    out.push_back("TIME              SYS  SEV  MESSAGE");
    auto rows = event_rows(in.events);
    const size_t room = limit - out.size();
    for (size_t i = rows.size() > room ? rows.size() - room : 0; i < rows.size(); ++i) out.push_back(rows[i]);
  }
  return out;
}

}  // namespace

std::vector<std::string> topology_lines(const nlohmann::json& stat) {
  struct place {
    std::vector<uint32_t> ids;
    uint64_t space = 0, free = 0;
  };
  std::map<std::string, std::map<std::string, place>> by_location;  // location -> host -> place
  for (auto& c : stat.value("cs", nlohmann::json::array())) {
    if (c.value("status", std::string()) == "dropped") continue;
    std::string loc = c.value("location", std::string());
    auto& p = by_location[loc.empty() ? "0.0.0" : loc][c.value("host", std::string())];
    p.ids.push_back(c.value("id", 0u));
    if (c.value("status", std::string()) == "active") {
      p.space += c.value("space_bytes", uint64_t{0});
      p.free += c.value("free_bytes", uint64_t{0});
    }
  }
  auto line = [](const std::string& where, const std::string& css, uint64_t space, uint64_t free) {
    char b[256];
    std::snprintf(b, sizeof b, "%-32s %9s %9s  %s", where.c_str(), fe::human_bytes(space).c_str(),
                  fe::human_bytes(free).c_str(), css.c_str());
    return std::string(b);
  };
  std::vector<std::string> out = {"Topology: space of the active CSs per location (room.row.rack.host)",
                                  line("LOCATION", "CSID", 0, 0)};
  out.back().replace(33, 19, "    SPACE      FREE");
  for (auto& [loc, hosts] : by_location) {
    uint64_t space = 0, free = 0;
    size_t n = 0;
    for (auto& [host, p] : hosts) space += p.space, free += p.free, n += p.ids.size();
    out.push_back(line(loc, std::to_string(n) + " CS", space, free));
    for (auto& [host, p] : hosts) {
      std::string ids;
      for (auto id : p.ids) ids += (ids.empty() ? "" : " ") + std::to_string(id);
      out.push_back(line("  " + loc + "." + host, ids, p.space, p.free));
    }
  }
  return out;
}

std::vector<std::string> disk_lines(const nlohmann::json& stat) {
  auto line = [](const std::string& id, const std::string& disk, const std::string& smart, const std::string& temp,
                 const std::string& cap, const std::string& serial, const std::string& model, const std::string& host) {
    char b[512];
    std::snprintf(b, sizeof b, "%-6s %-10s %-7s %4s %9s %-14s %-16s %s", id.c_str(), disk.c_str(), smart.c_str(),
                  temp.c_str(), cap.c_str(), serial.substr(0, 14).c_str(), model.substr(0, 16).c_str(), host.c_str());
    return std::string(b);
  };
  std::vector<std::string> out = {"Disks: the disk under each CS repository (S.M.A.R.T. by smartctl)",
                                  line("CSID", "DISK", "SMART", "TEMP", "CAPACITY", "SERIAL", "MODEL", "HOST")};
  for (auto& c : stat.value("cs", nlohmann::json::array())) {
    if (c.value("status", std::string()) == "dropped") continue;
    const std::string id = std::to_string(c.value("id", 0u)), host = c.value("host", std::string());
    if (!c.contains("disk")) {
      out.push_back(line(id, "-", "-", "-", "-", "-", "no answer from the CS", host));
      continue;
    }
    auto& d = c["disk"];
    const int t = d.value("temperature_c", -1);
    const uint64_t cap = d.value("capacity_bytes", uint64_t{0});
    std::string smart = d.value("smart", std::string("unknown"));
    if (smart == "ok") smart = "OK";
    if (smart == "warn") smart = "Warn";
    const std::string disk = d.value("disk", std::string());
    out.push_back(line(id, disk.empty() ? "-" : disk, smart, t >= 0 ? std::to_string(t) + "C" : "-",
                       cap ? fe::human_bytes(cap) : "-", d.value("serial", std::string()).empty() ? "-" : d.value("serial", std::string()),
                       d.value("model", std::string()).empty() ? "-" : d.value("model", std::string()), host));
  }
  return out;
}

std::string smart_warning_line(const nlohmann::json& stat) {
  std::string bad;
  for (auto& c : stat.value("cs", nlohmann::json::array())) {
    if (!c.contains("disk")) continue;
    const std::string smart = c["disk"].value("smart", std::string());
    if (smart != "warn" && smart != "failed") continue;
    bad += (bad.empty() ? "" : ", ") + std::string("CS#") + std::to_string(c.value("id", 0u)) + " " +
           c["disk"].value("disk", std::string()) + (smart == "failed" ? " failed" : " pre-failure");
  }
  return bad.empty() ? std::string() : "SMART warning: " + bad + " (press d)";
}

void add_commit_rates(nlohmann::json& now, const nlohmann::json& before, double seconds) {
  if (seconds <= 0 || !now.contains("mds") || !before.is_object() || !before.contains("mds")) return;
  for (auto& m : now["mds"])
    for (auto& b : before["mds"])
      if (b.value("id", 0u) == m.value("id", 0u)) {
        const auto a = m.value("match_index", uint64_t{0}), z = b.value("match_index", uint64_t{0});
        if (a >= z && z > 0) m["commits_per_s"] = static_cast<double>(a - z) / seconds;
      }
}

void add_progress_rates(nlohmann::json& s, top_progress& p, double t_s) {
  if (!s.is_object() || !s.contains("replication")) return;
  auto& r = s["replication"];
  p.repair_left.observe(t_s, r.value("running", uint64_t{0}) + r.value("queued", uint64_t{0}));
  p.copied_bytes.observe(t_s, r.value("bytes_copied", uint64_t{0}));
  if (auto b = p.copied_bytes.per_second()) {
    r["bytes_per_s"] = static_cast<uint64_t>(*b);
    r["rate_known"] = true;
  }
  if (auto c = p.repair_left.per_second()) r["chunks_per_s"] = *c;
  if (auto e = p.repair_left.eta_s()) r["eta_s"] = *e;
  if (s.contains("rebalance")) {
    p.moved_chunks.observe(t_s, s["rebalance"].value("moved", uint64_t{0}));
    if (auto m = p.moved_chunks.per_second()) s["rebalance"]["chunks_per_s"] = *m;
  }
}

std::vector<std::string> render_top(const top_input& in, const top_view& v, size_t width, size_t height) {
  if (height == 0) return {};
  const size_t limit = height - 1;  // the last line: the key hint
  std::vector<std::string> out;
  switch (v.shown) {
    case top_view::screen::help: out = help_lines(); break;
    case top_view::screen::events: {
      out.push_back("TIME              SYS  SEV  MESSAGE");
      auto rows = event_rows(in.events);
      const size_t room = limit > 1 ? limit - 1 : 0;
      for (size_t i = rows.size() > room ? rows.size() - room : 0; i < rows.size(); ++i) out.push_back(rows[i]);
      break;
    }
    case top_view::screen::main: out = main_lines(in, v, limit); break;
    case top_view::screen::topology: out = topology_lines(in.stat.is_null() ? nlohmann::json::object() : in.stat); break;
    case top_view::screen::disks: out = disk_lines(in.stat.is_null() ? nlohmann::json::object() : in.stat); break;
  }
  if (out.size() > limit) out.resize(limit);
  out.push_back(key_hint(v));
  for (auto& l : out) l = fit(std::move(l), width);
  return out;
}

}  // namespace pstorage::cli
