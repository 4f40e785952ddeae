// pstorage-ka-server — a small reference key-authentication (KA) server for
// `pstorage update-license` (guide "Updating the License"; docs/licensing.md
// "update-license and the KA server"). Serves HTTPS only; the decision of
// what to issue is actors/license/ka_registry.hpp's; this signs and answers.
//
//   pstorage-ka-server --listen 127.0.0.1:8443 --cert server.pem --cert-key server.key \
//       --vendor-key vendor.key --registry registrations.json
//
// The registry file is read on every request (edit it to renew terms).
// Stops on SIGINT / SIGTERM.
#include <CLI/CLI.hpp>
#include <httplib.h>

#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "actors/license/ka_registry.hpp"
#include "actors/license/license_signature.hpp"

using namespace pstorage::license;

namespace {

httplib::SSLServer* server = nullptr;
void on_signal(int) {
  if (server) server->stop();
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pstorage-ka-server: reference key-authentication server for 'pstorage update-license' (HTTPS)"};
  std::string listen = "127.0.0.1:8443", cert, cert_key, vendor_key_path, registry_path;
  app.add_option("--listen", listen, "ADDR:PORT to serve HTTPS on (default 127.0.0.1:8443)");
  app.add_option("--cert", cert, "server certificate (PEM)")->required();
  app.add_option("--cert-key", cert_key, "the certificate's private key (PEM)")->required();
  app.add_option("--vendor-key", vendor_key_path, "the vendor's Ed25519 private key (pstorage-license-tool keygen)")
      ->required();
  app.add_option("--registry", registry_path, "JSON file of registered license keys (actors/license/ka_registry.hpp)")
      ->required();
  CLI11_PARSE(app, argc, argv);

  const std::string vendor_key = read_first_line(vendor_key_path);
  if (!public_key_of(vendor_key)) {
    std::cerr << "pstorage-ka-server: '" << vendor_key_path << "' does not hold an Ed25519 private key\n";
    return 1;
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "pstorage-ka-server: --listen is not ADDR:PORT\n";
    return 1;
  }
  const std::string host = listen.substr(0, colon);
  const int port = std::atoi(listen.c_str() + colon + 1);

  httplib::SSLServer srv(cert.c_str(), cert_key.c_str());
  if (!srv.is_valid()) {
    std::cerr << "pstorage-ka-server: cannot use the certificate '" << cert << "' and key '" << cert_key << "'\n";
    return 1;
  }
  srv.Get(ka_license_path, [&](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json registry;
    std::ifstream in(registry_path);
    try {
      in >> registry;
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(std::string("the registry cannot be read: ") + e.what() + "\n", "text/plain");
      return;
    }
    const std::string key = req.get_param_value("key_number"), hwid = req.get_param_value("hwid");
    auto out = ka_renewal(registry, key, hwid, static_cast<int64_t>(std::time(nullptr)));
    if (auto* refused = std::get_if<ka_refusal>(&out)) {
      std::cerr << "refused " << key << " for " << hwid << ": " << refused->reason << std::endl;
      res.status = refused->http_status;
      res.set_content(refused->reason + "\n", "text/plain");
      return;
    }
    auto l = sign(std::get<license_doc>(out), vendor_key);
    std::cerr << "issued " << key << " for " << hwid << " until " << format_time(l.doc.expiration) << " UTC"
              << std::endl;
    res.set_content(encode_file(l), "text/plain");
  });
  server = &srv;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  if (!srv.bind_to_port(host.c_str(), port)) {
    std::cerr << "pstorage-ka-server: cannot listen on " << listen << "\n";
    return 1;
  }
  std::cerr << "pstorage-ka-server: serving https://" << listen << ka_license_path << std::endl;
  srv.listen_after_bind();
  return 0;
}
