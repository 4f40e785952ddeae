#include "frontends/cli/report_command.hpp"

#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "frontends/cli/mds_figures.hpp"
#include "frontends/cli/mds_request.hpp"
#include "frontends/cli/report_rules.hpp"
#include "frontends/cli/top_screen.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/log_share.hpp"
#include "frontends/common/stat_view.hpp"

namespace pstorage::cli {
namespace fs = std::filesystem;

namespace {

constexpr uintmax_t log_tail_bytes = 4u << 20;  // the last 4 MiB of each log file
constexpr time_t http_timeout_s = 5;

// Writes the archive's files under one directory; every text is redacted.
struct report_writer {
  fs::path dir;
  std::vector<std::string> secrets;
  std::vector<std::string> manifest;  // "PATH  what it is"

  void put(const std::string& rel, const std::string& text, const std::string& what) {
    fs::path p = dir / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << redact(text, secrets);
    if (!out) throw std::runtime_error("cannot write " + p.string());
    manifest.push_back(rel + "  " + what);
  }
};

std::string read_tail(const fs::path& p, uintmax_t max) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::error_code ec;
  const uintmax_t size = fs::file_size(p, ec);
  if (!ec && size > max) in.seekg(static_cast<std::streamoff>(size - max));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// POST http://host:port/path with a JSON body; the JSON answer, or nullopt with `why`.
std::optional<nlohmann::json> http_post_json(const report_node& n, const std::string& path, const nlohmann::json& body,
                                             std::string& why) {
  httplib::Client cli(n.host, n.http_port);
  cli.set_connection_timeout(http_timeout_s, 0);
  cli.set_read_timeout(http_timeout_s, 0);
  const std::string where = "POST http://" + n.host + ":" + std::to_string(n.http_port) + path;
  auto res = cli.Post(path, body.dump(), "application/json");
  if (!res) {
    why = where + ": " + httplib::to_string(res.error());
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200) {
    why = where + ": HTTP " + std::to_string(res->status) +
          (j.is_object() && j.contains("error") ? " (" + j["error"].get<std::string>() + ")" : "");
    return std::nullopt;
  }
  if (j.is_discarded()) {
    why = where + ": not JSON";
    return std::nullopt;
  }
  return j;
}

// GET http://host:port/path; the body, or nullopt with `why`.
std::optional<std::string> http_get(const report_node& n, const std::string& path, std::string& why) {
  httplib::Client cli(n.host, n.http_port);
  cli.set_connection_timeout(http_timeout_s, 0);
  cli.set_read_timeout(http_timeout_s, 0);
  auto res = cli.Get(path);
  if (!res) {
    why = "GET http://" + n.host + ":" + std::to_string(n.http_port) + path + ": " + httplib::to_string(res.error());
    return std::nullopt;
  }
  if (res->status != 200) {
    why = "GET http://" + n.host + ":" + std::to_string(n.http_port) + path + ": HTTP " + std::to_string(res->status) +
          " " + res->body.substr(0, 200);
    return std::nullopt;
  }
  return res->body;
}

int run_tar(const fs::path& archive, const fs::path& parent, const std::string& name) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execlp("tar", "tar", "-czf", archive.c_str(), "-C", parent.c_str(), name.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int make_report(const global_options& g, const std::optional<std::string>& file) {
  return with_mds_client(g, [&](frontend::mds_client& c, const std::string& digest) {
    const std::time_t now = std::time(nullptr);
    const fs::path archive = fs::absolute(file ? *file : default_report_name(now));
    std::string stem = archive.filename().string();
    if (auto dot = stem.find('.'); dot != std::string::npos && dot > 0) stem.resize(dot);
    auto host = g.host();

    char tmpl[] = "/tmp/pstorage-report.XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error(std::string("cannot create a temporary directory: ") + strerror(errno));
    const fs::path tmp = tmpl;
    struct remove_tmp {
      fs::path p;
      ~remove_tmp() {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    } cleanup{tmp};

    report_writer w{tmp / stem, secret_forms(host.auth_key(g.cluster).value_or("")), {}};
    nlohmann::json problems = nlohmann::json::array();
    auto note = [&](const std::string& what, const std::string& why) {
      problems.push_back({{"what", what}, {"error", why}});
      std::cerr << "pstorage: make-report: " << what << ": " << why << "\n";
    };

    // 1. The cluster, from the master (the cluster's own protocol).
    nlohmann::json stat;
    try {
      stat = c.stat(digest);
      add_mds_process_figures(stat);
      w.put("cluster/stat.json", stat.dump(2) + "\n", "pstorage stat --json");
      w.put("cluster/stat.txt", frontend::stat_to_text(stat), "pstorage stat");
    } catch (const std::exception& e) {
      note("cluster/stat", e.what());
    }
    nlohmann::json events = nlohmann::json::array();
    try {
      for (int64_t after = 0, page = 0; page < 200; ++page) {
        auto a = c.events(digest, after, 1000);
        for (auto& e : a) events.push_back(e), after = std::max(after, e.value("id", int64_t{0}));
        if (a.size() < 1000) break;
      }
      std::string text;
      for (auto& e : events) text += frontend::event_line(e) + "\n";
      w.put("cluster/events.json", events.dump(2) + "\n", "pstorage get-event --json: the whole event log");
      w.put("cluster/events.txt", text, "pstorage get-event");
    } catch (const std::exception& e) {
      note("cluster/events", e.what());
    }
    if (!stat.is_null()) {
      top_input in{stat, events, {}};
      top_view view;
      view.verbose = true;
      auto lines = render_top(in, view, std::string::npos, static_cast<size_t>(-1));
      if (!lines.empty()) lines.pop_back();  // the key hint
      std::string text;
      for (auto& l : lines) text += l + "\n";
      w.put("cluster/top.txt", text, "pstorage top, one snapshot (verbose)");
    }
    try {
      w.put("cluster/config.json", c.config(digest, {}, {}).dump(2) + "\n", "pstorage get-config --json");
    } catch (const std::exception& e) {
      note("cluster/config", e.what());
    }
    try {
      auto lic = c.license(digest, "");
      lic.erase("text");  // the license document itself stays out
      w.put("cluster/license.json", lic.dump(2) + "\n", "the license state (view-license without the license text)");
    } catch (const std::exception& e) {
      note("cluster/license", e.what());
    }

    // 2. Every daemon: HTTP /status and /metrics, its logs and its configuration.
    nlohmann::json nodes = nlohmann::json::array();
    for (auto& n : report_nodes(stat.is_null() ? nlohmann::json::object() : stat)) {
      nlohmann::json rec = {{"name", n.name}, {"host", n.host}, {"http_port", n.http_port}};
      std::string why;
      bool ok = true;
      if (auto body = http_get(n, "/status", why)) {
        w.put("nodes/" + n.name + "/status.json", *body + "\n", "GET /status of " + n.name);
      } else {
        ok = false;
        note("nodes/" + n.name + "/status.json", why);
      }
      if (auto body = http_get(n, "/metrics", why)) {
        w.put("nodes/" + n.name + "/metrics.txt", *body, "GET /metrics of " + n.name);
      } else {
        ok = false;
        note("nodes/" + n.name + "/metrics.txt", why);
      }
      // Its logs (log_share.hpp): asked with this host's auth digest, redacted like the local ones.
      if (auto logs = http_post_json(n, frontend::log_share::path,
                                     frontend::log_share::request(digest, g.cluster, frontend::log_share::now_s()), why)) {
        for (auto& f : logs->value("files", nlohmann::json::array()))
          w.put("nodes/" + n.name + "/logs/" + fs::path(f.value("name", std::string("log"))).filename().string(),
                f.value("text", std::string()),
                "log of " + n.name + " through its HTTP port (the last " +
                    std::to_string(frontend::log_share::tail_bytes >> 20) + " MiB of " +
                    std::to_string(f.value("bytes", uint64_t{0})) + " bytes)");
      } else {
        ok = false;
        note("nodes/" + n.name + "/logs", why);
      }
      // Its configuration (log_share.hpp, POST /config): its host's files,
      // filtered again through the same whitelist, and its repository's settings.
      if (auto conf = http_post_json(n, frontend::log_share::config_path,
                                     frontend::log_share::request(digest, g.cluster, frontend::log_share::now_s()), why)) {
        for (auto& f : conf->value("files", nlohmann::json::array())) {
          const std::string rel = f.value("name", std::string());
          if (!frontend::log_share::config_file_allowed(rel, g.cluster)) {
            note("nodes/" + n.name + "/config", "left out a file not in the whitelist: " + rel);
            continue;
          }
          w.put("nodes/" + n.name + "/config/" + rel, f.value("text", std::string()),
                "configuration file " + rel + " of " + n.name + "'s host, through its HTTP port");
        }
        if (conf->contains("repository"))
          w.put("nodes/" + n.name + "/config/repository.json", (*conf)["repository"].dump(2) + "\n",
                "the settings of " + n.name + "'s repository (from its database) and its top-level entries");
      } else {
        ok = false;
        note("nodes/" + n.name + "/config", why);
      }
      rec["reached"] = ok;
      nodes.push_back(rec);
    }

    // 3. This host: its configuration (known-safe files only) and the logs
    // of this cluster's daemons here.
    const auto local_config = frontend::log_share::config_files(host.root(), g.cluster);
    for (auto& f : local_config["files"])
      w.put("local/config/" + f["name"].get<std::string>(), f["text"].get<std::string>(),
            "this host's configuration file " + f["name"].get<std::string>());
    std::error_code ec;
    nlohmann::json services = nlohmann::json::array();
    for (auto& s : host.services()) {
      if (s.cluster != g.cluster) continue;
      services.push_back({{"type", s.kind}, {"repository", s.repo}});
      const fs::path logs = fs::path(s.repo) / "logs";
      const std::string tag = s.kind + "-" + fs::path(s.repo).filename().string();
      for (auto it = fs::directory_iterator(logs, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->path().filename().string().find(".log") == std::string::npos) continue;
        w.put("local/logs/" + tag + "/" + it->path().filename().string(), read_tail(it->path(), log_tail_bytes),
              "log of the " + s.kind + " in " + s.repo + " (its last 4 MiB)");
      }
      ec.clear();
    }
    w.put("local/services.json", services.dump(2) + "\n", "pstorage list-services: this cluster's services on this host");

    // 4. What is what, and what could not be had.
    nlohmann::json summary = {{"cluster", g.cluster},
                              {"created", now},
                              {"host", frontend::local_host_name()},
                              {"nodes", nodes},
                              {"problems", problems}};
    w.put("report.json", summary.dump(2) + "\n", "when, from where, which nodes answered, what failed");
    std::string m = "pstorage make-report of cluster '" + g.cluster + "'\n"
                    "Files (docs/operations.md \"make-report\"). Not included: passwords, digests "
                    "(auth_digest.key), keys, the metadata and chunk databases.\n\n";
    for (auto& l : w.manifest) m += l + "\n";
    w.put("MANIFEST.txt", m, "this list");

    fs::create_directories(archive.parent_path());
    if (int rc = run_tar(archive, tmp, stem); rc != 0)
      throw std::runtime_error("tar could not write " + archive.string() + " (exit " + std::to_string(rc) + ")");
    std::cout << "The report is created and saved to " << archive.string() << "\n"
              << "Please send the report to the support.\n";
    return 0;
  });
}

}  // namespace pstorage::cli
