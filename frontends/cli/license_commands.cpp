#include "frontends/cli/license_commands.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/license/license_doc.hpp"
#include "actors/license/vendor_key.hpp"
#include "frontends/cli/ka_client.hpp"
#include "frontends/cli/ka_server_setting.hpp"
#include "frontends/cli/mds_request.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/mds_client.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "frontends/common/stat_view.hpp"

namespace pstorage::cli {

namespace {


std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the license file '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string view_license_text(const nlohmann::json& st) {
  std::ostringstream o;
  o << "HWID: " << st.value("hwid", std::string()) << "\n";
  const std::string text = st.value("text", std::string());
  if (text.empty()) {
    char cap[48];
    std::snprintf(cap, sizeof cap, "%g", static_cast<double>(st.value("capacity_bytes", uint64_t{0})) / 1e9);
    o << "No license is installed: the cluster runs in the evaluation mode, " << cap << "GB capacity\n";
    return o.str();
  }
  std::string err;
  auto l = license::parse_license(text, &err);
  if (!l) return o.str() + "The installed license cannot be read: " + err + "\n";
  const auto& d = l->doc;
  // The guide's layout and order ("Viewing the License Contents"); start last.
  o << "PCSSTOR\n";
  auto line = [&](const char* name, const std::string& value) { o << "\t" << name << "=" << value << "\n"; };
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  line("status", q(st.value("status", std::string())));
  line("version", d.version);
  line("expiration", q(license::format_time(d.expiration)));
  line("graceperiod", std::to_string(d.graceperiod));
  line("key_number", q(d.key_number));
  line("platform", q(d.platform));
  line("product", q(d.product));
  line("gracecapacity", std::to_string(d.gracecapacity));
  line("autorecovery", d.autorecovery ? "1" : "0");
  line("autorebalance", d.autorebalance ? "1" : "0");
  line("snapshots", d.snapshots ? "1" : "0");
  line("capacity", license::format_capacity_gb(d.capacity_mb));
  line("replicas", std::to_string(d.replicas));
  line("start", q(license::format_time(d.start)));
  return o.str();
}

int print_license_hwid(const global_options& g) {
  return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
    std::cout << c.license(d, "")["hwid"].get<std::string>() << "\n";
    return 0;
  });
}

std::optional<int> license_commands::dispatch(const global_options& g) const {
  if (*load)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
      if (key.empty() == file.empty()) throw std::runtime_error("give the license with -p KEY or -f FILE (one of them)");
      auto st = c.license(d, key.empty() ? read_file(file) : key);
      if (json) {
        std::cout << st.dump(2) << "\n";
        return 0;
      }
      std::cout << "License " << st["key_number"].get<std::string>() << " loaded\n"
                << frontend::license_line(st) << "\n";
      return 0;
    });
  if (*view)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
      auto st = c.license(d, "");
      std::cout << (json ? st.dump(2) + "\n" : view_license_text(st));
      return 0;
    });
  if (*update)
    return with_mds_client(g, [&](frontend::mds_client& c, const std::string& d) {
      const auto host = g.host();
      const std::string setting = host.setting_path("ka_server").string();
      auto choice = choose_ka_server(server, std::getenv("PSTORAGE_KA_SERVER"), host.setting("ka_server"), setting,
                                     license::built_in_ka_server());
      if (!choice) throw std::runtime_error(no_ka_server_message(setting));
      const std::string srv = choice->server;
      auto st = c.license(d, "");
      const std::string key = st.value("key_number", std::string());
      if (key.empty())
        throw std::runtime_error("no license is installed: update-license renews the installed license's key; "
                                 "install one first with 'pstorage -c " + g.cluster + " load-license'");
      auto text = fetch_license(srv, choice->origin, ca_file, key, st["hwid"].get<std::string>());
      auto now = c.license(d, text);
      std::cout << "License " << key << " updated from https://" << srv << "\n" << frontend::license_line(now) << "\n";
      return 0;
    });
  return std::nullopt;
}

std::unique_ptr<license_commands> add_license_commands(CLI::App& app) {
  auto c = std::make_unique<license_commands>();
  c->load = app.add_subcommand("load-license",
                               "install the cluster's license (guide: Installing the License); run on any MDS, CS or "
                               "client host of the cluster:\n"
                               "  pstorage -c pcs1 load-license -p PCSSKEY-...\n"
                               "  pstorage -c pcs1 load-license -f /etc/pcsLicense");
  c->load->add_option("-p,--key", c->key, "the license key (one line, PCSSKEY-...)");
  c->load->add_option("-f,--file", c->file, "the license file (the PCSSTOR text)");
  c->load->add_flag("--json", c->json, "print the license state as JSON");
  c->view = app.add_subcommand("view-license", "show the installed license and its status (guide: Viewing the "
                                               "License Contents)");
  c->view->add_flag("--json", c->json, "print JSON");
  c->update = app.add_subcommand("update-license",
                                 "renew the installed license from a key-authentication server over HTTPS (guide: "
                                 "Updating the License):\n  pstorage -c pcs1 update-license --server ka.server.com");
  c->update->add_option("--server", c->server,
                        "KA server HOST[:PORT] (port 443 if none; default $PSTORAGE_KA_SERVER, else the first line of "
                        "CONFIG/ka_server, else the build's PSTORAGE_KA_SERVER)");
  c->update->add_option("--ca-file", c->ca_file, "CA certificates (PEM) to verify the server with (default: the system's)");
  return c;
}

}  // namespace pstorage::cli
