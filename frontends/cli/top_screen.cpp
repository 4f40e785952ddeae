#include "frontends/cli/top_screen.hpp"

#include <algorithm>

namespace pstorage::cli {

namespace fe = pstorage::frontend;

bool apply_top_key(top_view& v, int key) {
  switch (key) {
    case 'q': return false;
    case 'h':
    case '?': v.shown = v.shown == top_view::screen::help ? top_view::screen::main : top_view::screen::help; break;
    case 'e': v.shown = v.shown == top_view::screen::events ? top_view::screen::main : top_view::screen::events; break;
    case 'v': v.verbose = !v.verbose; v.shown = top_view::screen::main; break;
    case 'i': v.columns = fe::next_cs_columns(v.columns); v.shown = top_view::screen::main; break;
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
  return std::string("h:help q:quit v:verbose") + (v.verbose ? "(on)" : "") + " i:columns(" +
         fe::to_string(v.columns) + ") e:events";
}

std::vector<std::string> help_lines() {
  return {
      "pstorage top: the cluster console (guide: Monitoring Parallels Cloud Storage",
      "Clusters). Refreshed every second from the master MDS.",
      "",
      "  q      quit",
      "  h, ?   this help (again: back)",
      "  v      verbose: FS line (chunks, chunk replicas) and replication queue",
      "  i      cycle the CS columns: I/O (IOWAIT, IOLAT avg/max ms over 20 s,",
      "         QDEPTH) -> rates (READ, WRITE, RD_OPS, WR_OPS, FSYNCS) ->",
      "         placement (TIER, FLAGS, LOCATION, ADDRESS)",
      "  e      the event log (TIME, SYS, SEV, MESSAGE); again: back",
      "",
      "Not a terminal (a pipe, a file): one snapshot is printed, like top -b -n 1.",
  };
}

// Verbose lines (guide "Viewing space occupied by data chunks": the FS line).
// The stat answer carries chunk and replica counts, not files or inodes.
std::vector<std::string> verbose_lines(const nlohmann::json& s) {
  uint64_t replicas = 0;
  for (auto& c : s.value("cs", nlohmann::json::array())) replicas += c.value("replicas", uint64_t{0});
  uint64_t chunks = s.contains("chunks") ? s["chunks"].value("total", uint64_t{0}) : 0;
  std::vector<std::string> out = {"FS:  " + std::to_string(chunks) + " chunks, " + std::to_string(replicas) +
                                  " chunk replicas"};
  if (s.contains("replication"))
    out.push_back("Replication queue: " + std::to_string(s["replication"].value("queued", uint64_t{0})) +
                  " queued, " + std::to_string(s["replication"].value("running", uint64_t{0})) + " running, " +
                  fe::human_bytes(s["replication"].value("bytes_copied", uint64_t{0})) + " copied");
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
  if (v.verbose)
    for (auto& l : verbose_lines(s)) out.push_back(l);
  const bool have_master = s.value("master_id", 0u) != 0;
  std::vector<std::string> mds, cs;
  for (auto& m : s["mds"]) mds.push_back(fe::mds_table_row(m, have_master));
  for (auto& c : s["cs"]) cs.push_back(fe::cs_table_row(c, v.columns));
  out.push_back("");
  out.push_back(fe::mds_table_header());
  add_rows(out, mds, limit, 3, "MDSs");  // keep room for the CS header and one row
  out.push_back("");
  out.push_back(fe::cs_table_header(v.columns));
  add_rows(out, cs, limit, 0, "CSs");
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
  }
  if (out.size() > limit) out.resize(limit);
  out.push_back(key_hint(v));
  for (auto& l : out) l = fit(std::move(l), width);
  return out;
}

}  // namespace pstorage::cli
