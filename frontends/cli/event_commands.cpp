#include "frontends/cli/event_commands.hpp"

#include <chrono>
#include <iostream>
#include <thread>

#include "frontends/cli/event_query.hpp"
#include "frontends/cli/mds_request.hpp"
#include "frontends/common/stat_view.hpp"

namespace pstorage::cli {

namespace {
constexpr auto follow_interval = std::chrono::seconds(1);
// 100 000 events are kept (md_event_capacity): at most this many answers
// bring the whole log; the bound only stops a runaway loop.
constexpr unsigned max_pages = 200;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

int get_event(const global_options& g, const get_event_options& o) {
  std::optional<int64_t> since;
  if (o.since) {
    std::string why;
    since = parse_since(*o.since, now_ns(), &why);
    if (!since) {
      std::cerr << "pstorage: " << why << "\n";
      return 2;
    }
  }
  return with_mds_client(g, [&](frontend::mds_client& c, const std::string& digest) {
    event_cursor cursor(since);
    nlohmann::json all = nlohmann::json::array();  // --json without --follow
    auto print = [&](const nlohmann::json& e) {
      if (o.json && !o.follow) all.push_back(e);
      else if (o.json) std::cout << e.dump() << std::endl;
      else std::cout << frontend::event_line(e) << std::endl;
    };
    // Everything after the cursor, answer by answer.
    auto drain = [&] {
      for (unsigned page = 0; page < max_pages; ++page) {
        auto answer = c.events(digest, cursor.after_id(), events_page);
        for (auto& e : cursor.take(answer)) print(e);
        if (answer.size() < events_page) return;
      }
    };
    drain();  // errors here end the command (exit 1, the reason on stderr)
    if (!o.follow) {
      if (o.json) std::cout << all.dump(2) << "\n";
      return 0;
    }
    bool lost = false;
    for (;;) {  // until interrupted (SIGINT, SIGTERM)
      std::this_thread::sleep_for(follow_interval);
      try {
        drain();
        if (lost) std::cerr << "pstorage: get-event --follow: the cluster answers again" << std::endl;
        lost = false;
      } catch (const std::exception& e) {
        if (!lost)
          std::cerr << "pstorage: get-event --follow: " << e.what() << "\npstorage: get-event --follow: retrying every "
                    << follow_interval.count() << " s" << std::endl;
        lost = true;
      }
    }
  });
}

}  // namespace pstorage::cli
