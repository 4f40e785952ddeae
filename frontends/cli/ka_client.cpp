#include "frontends/cli/ka_client.hpp"

#include <httplib.h>

#include <stdexcept>

#include "actors/license/ka_registry.hpp"

namespace pstorage::cli {

std::string fetch_license(const std::string& server, const std::string& origin, const std::string& ca_file,
                          const std::string& key_number, const std::string& hwid) {
  std::string host = server;
  int port = 443;
  if (auto colon = server.rfind(':'); colon != std::string::npos && server.find(']') == std::string::npos) {
    host = server.substr(0, colon);
    port = std::atoi(server.c_str() + colon + 1);
    if (port <= 0 || port > 65535) throw std::runtime_error("--server '" + server + "' has no valid port");
  }
  httplib::SSLClient cli(host, port);
  cli.enable_server_certificate_verification(true);
  if (!ca_file.empty()) cli.set_ca_cert_path(ca_file.c_str());
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(15, 0);
  const std::string path = std::string(license::ka_license_path) + "?" +
                           httplib::detail::params_to_query_str({{"key_number", key_number}, {"hwid", hwid}});
  auto res = cli.Get(path.c_str());
  if (!res) {
    std::string why = httplib::to_string(res.error());
    if (res.error() == httplib::Error::SSLServerVerification)
      why += " (the server's certificate is not trusted: give its CA with --ca-file)";
    if (res.error() == httplib::Error::Connection || res.error() == httplib::Error::ConnectionTimeout)
      throw std::runtime_error("cannot reach the KA server https://" + server + " (from " + origin + "): " + why +
                               "; check that it runs and this host can reach it, or name another with --server");
    throw std::runtime_error("cannot get a license from the KA server https://" + server + " (from " + origin +
                             "): " + why);
  }
  if (res->status != 200) {
    std::string body = res->body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    throw std::runtime_error("the KA server https://" + server + " refused: " + body + " (HTTP " +
                             std::to_string(res->status) + ")");
  }
  return res->body;
}

}  // namespace pstorage::cli
