#include "frontends/cli/report_rules.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "protocol/endpoint.hpp"

namespace pstorage::cli {

std::string default_report_name(std::time_t now) {
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "pstorage-report-%Y%m%d-%H%M%S.tgz", &tm);
  return buf;
}

namespace {
std::string host_of(const std::string& address) {
  if (auto ep = parse_endpoint(address)) return ep->host;
  return address.substr(0, address.rfind(':'));
}
}  // namespace

std::vector<report_node> report_nodes(const nlohmann::json& stat) {
  std::vector<report_node> out;
  for (auto& m : stat.value("mds", nlohmann::json::array())) {
    const unsigned port = m.value("http_port", 0u);
    if (!port) continue;
    out.push_back({"mds-" + std::to_string(m.value("id", 0u)), host_of(m.value("address", std::string())),
                   static_cast<uint16_t>(port)});
  }
  for (auto& c : stat.value("cs", nlohmann::json::array())) {
    const unsigned port = c.value("http_port", 0u);
    if (!port || c.value("status", std::string()) == "dropped") continue;
    out.push_back({"cs-" + std::to_string(c.value("id", 0u)), host_of(c.value("address", std::string())),
                   static_cast<uint16_t>(port)});
  }
  return out;
}

std::vector<std::string> secret_forms(const std::string& auth_key_file) {
  std::vector<std::string> out;
  std::istringstream in(auth_key_file);
  std::string magic, cluster, salt_hex, iterations, digest_hex;
  if (!(in >> magic >> cluster >> salt_hex >> iterations >> digest_hex)) {
    if (!auth_key_file.empty()) out.push_back(auth_key_file);
    return out;
  }
  auto upper = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    return s;
  };
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
  };
  std::string line = auth_key_file;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  out.push_back(line);
  for (auto& h : {digest_hex, salt_hex}) {
    if (h.size() < 16) continue;  // too short to be worth hiding, would hit ordinary numbers
    out.push_back(lower(h));
    out.push_back(upper(h));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.size() > b.size(); });  // longest first
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {
void replace_all(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
}

bool has_ci(const std::string& s, const std::string& needle) {
  auto it = std::search(s.begin(), s.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower((unsigned char)a) == std::tolower((unsigned char)b); });
  return it != s.end();
}
}  // namespace

std::string redact(const std::string& text, const std::vector<std::string>& secrets) {
  std::string s = text;
  for (auto& k : secrets) replace_all(s, k, "[REDACTED]");
  // PEM private keys, whatever their kind (RSA, EC, OPENSSH, ENCRYPTED ...).
  for (size_t begin = s.find("-----BEGIN "); begin != std::string::npos; begin = s.find("-----BEGIN ", begin + 1)) {
    const size_t head_end = s.find("-----", begin + 11);
    if (head_end == std::string::npos) break;
    const std::string head = s.substr(begin, head_end + 5 - begin);
    if (head.find("PRIVATE KEY") == std::string::npos) continue;
    size_t end = s.find("-----END ", head_end);
    size_t stop = end == std::string::npos ? s.size() : s.find("-----", end + 9);
    stop = stop == std::string::npos ? s.size() : stop + 5;
    s.replace(begin, stop - begin, "[REDACTED KEY]");
  }
  // password=VALUE / password: VALUE / "password":"VALUE" (any case): the value goes.
  std::string out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (has_ci(line, "password") || has_ci(line, "passwd")) {
      std::string low = line;
      std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      size_t at = low.find("passw");
      size_t sep = low.find_first_of("=:", at);
      if (sep != std::string::npos) {
        size_t v = line.find_first_not_of(" \t\"'", sep + 1);
        if (v != std::string::npos) line = line.substr(0, v) + "[REDACTED]";
      }
    }
    out += line;
    out += '\n';
  }
  if (!s.empty() && s.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

}  // namespace pstorage::cli
