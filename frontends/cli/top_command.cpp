#include "frontends/cli/top_command.hpp"

#include <ncurses.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>

#include "frontends/cli/mds_figures.hpp"
#include "frontends/cli/top_screen.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/mds_client.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "persistence/host_config.hpp"

namespace pstorage::cli {

namespace {

constexpr size_t kept_events = 200;

// One refresh: the stat answer and the events after the last one seen.
struct top_source {
  frontend::mds_client& client;
  std::string digest;
  int64_t last_event = 0;
  top_input in;

  nlohmann::json before;  // the previous stat answer, for COMMITS
  std::chrono::steady_clock::time_point before_at;
  top_progress progress;  // replication / rebalancing rates and ETA
  // The CSs' disks (key d; the SMART warning line): asked every refresh
  // while the disks screen shows, else every 10 s; kept in between.
  std::map<uint32_t, nlohmann::json> disks;
  std::map<uint32_t, nlohmann::json> jrmw;  // each CS's unaligned writes (/status io.unaligned_writes)
  std::chrono::steady_clock::time_point disks_at;

  void refresh(bool disks_now = false) {
    try {
      in.stat = client.stat(digest);
      const auto at = std::chrono::steady_clock::now();
      add_mds_process_figures(in.stat);  // %CPU, MEM, UPTIME, %CTIME of each MDS
      if (disks_now || disks_at == std::chrono::steady_clock::time_point{} || at - disks_at >= std::chrono::seconds(10)) {
        add_cs_disks(in.stat);
        disks.clear();
        jrmw.clear();
        for (auto& c : in.stat["cs"]) {
          if (c.contains("disk")) disks[c.value("id", 0u)] = c["disk"];
          if (c.contains("jrmw")) jrmw[c.value("id", 0u)] = c["jrmw"];
        }
        disks_at = at;
      } else {
        for (auto& c : in.stat["cs"]) {
          if (auto d = disks.find(c.value("id", 0u)); d != disks.end()) c["disk"] = d->second;
          if (auto r = jrmw.find(c.value("id", 0u)); r != jrmw.end()) c["jrmw"] = r->second;
        }
      }
      if (!before.is_null()) add_commit_rates(in.stat, before, std::chrono::duration<double>(at - before_at).count());
      add_progress_rates(in.stat, progress, std::chrono::duration<double>(at.time_since_epoch()).count());
      before = in.stat;
      before_at = at;
      in.error.clear();
      auto evs = client.events(digest, last_event, 1000);
      for (auto& e : evs) {
        last_event = std::max(last_event, e.value("id", int64_t{0}));
        in.events.push_back(e);
      }
      if (in.events.size() > kept_events) in.events.erase(in.events.begin(), in.events.end() - kept_events);
    } catch (const std::exception& e) {
      in.error = e.what();
    }
  }
};

void draw(const std::vector<std::string>& lines) {
  erase();
  for (size_t i = 0; i < lines.size(); ++i) mvaddnstr(static_cast<int>(i), 0, lines[i].c_str(), COLS);
  refresh();
}

}  // namespace

int top(const global_options& g) {
  bool curses_on = false;
  try {
    if (g.cluster.empty()) throw std::runtime_error("the cluster name is required: pstorage -c NAME top");
    if (auto e = persistence::validate_cluster_name(g.cluster)) throw std::runtime_error(*e);
    auto host = g.host();
    frontend::mds_client client(g.cluster, frontend::require_mds_addresses(host, g.cluster));
    top_source src{client, frontend::load_auth_digest(host, g.cluster), 0, {}, {}, {}, {}, {}};
    src.refresh();
    if (!isatty(STDOUT_FILENO)) {
      // Like top -b -n 1: every line, nothing cut, no key hint.
      if (!src.in.error.empty()) throw std::runtime_error(src.in.error);
      auto lines = render_top(src.in, top_view{}, std::string::npos, static_cast<size_t>(-1));
      lines.pop_back();
      for (auto& l : lines) std::cout << l << "\n";
      return 0;
    }
    initscr();
    curses_on = true;
    cbreak();
    noecho();
    curs_set(0);
    keypad(stdscr, TRUE);
    timeout(200);  // getch waits at most 200 ms: keys answer at once, data once a second
    top_view view;
    auto next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (;;) {
      draw(render_top(src.in, view, static_cast<size_t>(COLS), static_cast<size_t>(LINES)));
      const int key = getch();
      if (key != ERR && key != KEY_RESIZE && !apply_top_key(view, key)) break;
      if (key == 'd' && view.shown == top_view::screen::disks) next = std::chrono::steady_clock::now();  // at once
      if (std::chrono::steady_clock::now() >= next) {
        // The disks screen and the rates columns (JRMW) read every CS's /status every second.
        src.refresh(view.shown == top_view::screen::disks || view.columns == frontend::cs_columns::rates);
        next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      }
    }
    endwin();
    curses_on = false;
    return 0;
  } catch (const std::exception& e) {
    if (curses_on) endwin();
    std::cerr << "pstorage: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace pstorage::cli
