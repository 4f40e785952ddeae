#include "frontends/common/log_share.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <vector>

#include "frontends/common/auth_wire.hpp"
#include "persistence/auth_digest.hpp"
#include "persistence/cluster_ca.hpp"

namespace pstorage::frontend::log_share {

namespace {
std::string proof(const std::string& digest, const std::string& cluster, int64_t time_s) {
  return auth_wire::hex(persistence::hmac_sha256(digest, "pstorage-log\n" + cluster + "\n" + std::to_string(time_s)));
}
}  // namespace

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

nlohmann::json request(const std::string& digest, const std::string& cluster, int64_t now_s) {
  return {{"cluster", cluster}, {"time", now_s}, {"proof", proof(digest, cluster, now_s)}};
}

std::optional<std::string> check(const nlohmann::json& body, const std::string& digest,
                                 const std::string& cluster, int64_t now_s) {
  if (!body.is_object() || !body.contains("cluster") || !body["cluster"].is_string() || !body.contains("time") ||
      !body["time"].is_number_integer() || !body.contains("proof") || !body["proof"].is_string())
    return "the request needs cluster, time and proof";
  if (body["cluster"].get<std::string>() != cluster) return "this daemon serves another cluster";
  const int64_t t = body["time"].get<int64_t>();
  if (t < now_s - max_skew_s || t > now_s + max_skew_s)
    return "the request's time is more than " + std::to_string(max_skew_s) + " s from this host's clock";
  if (digest.empty() || !persistence::digest_equal(body["proof"].get<std::string>(), proof(digest, cluster, t)))
    return "wrong proof: the host asking is not authenticated to this cluster (auth-node)";
  return std::nullopt;
}

nlohmann::json tails(const std::filesystem::path& dir, uintmax_t per_file) {
  namespace fs = std::filesystem;
  std::vector<fs::path> logs;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && it->path().filename().string().find(".log") != std::string::npos)
      logs.push_back(it->path());
  std::sort(logs.begin(), logs.end());
  if (logs.size() > max_files) logs.resize(max_files);
  auto files = nlohmann::json::array();
  for (auto& p : logs) {
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    const uintmax_t size = fs::file_size(p, ec);
    if (!ec && size > per_file) in.seekg(static_cast<std::streamoff>(size - per_file));
    std::string text(std::istreambuf_iterator<char>(in), {});
    files.push_back({{"name", p.filename().string()}, {"bytes", ec ? 0 : size}, {"text", std::move(text)}});
  }
  return {{"files", files}};
}

std::pair<int, std::string> answer(const std::string& body, const std::string& digest, const std::string& cluster,
                                   const std::filesystem::path& log_dir, int64_t now_s) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (auto why = check(j, digest, cluster, now_s)) return {403, nlohmann::json{{"error", *why}}.dump()};
  return {200, tails(log_dir).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

std::vector<std::string> config_whitelist(const std::string& cluster) {
  return {"host_id", "location", "services", "clusters/" + cluster + "/bs.list"};
}

bool config_file_allowed(const std::string& relative_path, const std::string& cluster) {
  const auto w = config_whitelist(cluster);
  return std::find(w.begin(), w.end(), relative_path) != w.end();
}

nlohmann::json config_files(const std::filesystem::path& root, const std::string& cluster) {
  namespace fs = std::filesystem;
  auto files = nlohmann::json::array();
  for (auto& rel : config_whitelist(cluster)) {
    const fs::path p = root / rel;
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(p, ec))) continue;  // absent, a directory or a symlink
    const uintmax_t size = fs::file_size(p, ec);
    std::ifstream in(p, std::ios::binary);
    if (ec || !in) continue;
    std::string text(std::min(size, config_file_bytes), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    files.push_back({{"name", rel}, {"bytes", size}, {"text", std::move(text)}});
  }
  return {{"files", files}};
}

nlohmann::json repository(const std::filesystem::path& repo, nlohmann::json settings) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path abs = fs::absolute(repo, ec);
  std::vector<fs::directory_entry> all;
  for (auto it = fs::directory_iterator(abs, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    all.push_back(*it);
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.path().filename() < b.path().filename(); });
  auto entries = nlohmann::json::array();
  for (auto& e : all) {
    if (entries.size() == max_repo_entries) break;
    std::error_code e2;
    const auto st = e.symlink_status(e2);
    const char* kind = fs::is_symlink(st) ? "symlink" : fs::is_directory(st) ? "directory"
                       : fs::is_regular_file(st)      ? "file"
                                                      : "other";
    nlohmann::json x = {{"name", e.path().filename().string()}, {"kind", kind}};
    if (fs::is_regular_file(st)) x["bytes"] = e.file_size(e2);
    entries.push_back(std::move(x));
  }
  if (!settings.is_object()) settings = nlohmann::json::object();
  settings["path"] = abs.string();
  settings["entries"] = std::move(entries);
  if (all.size() > max_repo_entries) settings["entries_left_out"] = all.size() - max_repo_entries;
  return settings;
}

std::pair<int, std::string> config_answer(const std::string& body, const std::string& digest,
                                          const std::string& cluster, const std::filesystem::path& config_root,
                                          const std::filesystem::path& repo, const nlohmann::json& settings,
                                          int64_t now_s) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (auto why = check(j, digest, cluster, now_s)) return {403, nlohmann::json{{"error", *why}}.dump()};
  auto out = config_files(config_root, cluster);
  out["repository"] = repository(repo, settings);
  return {200, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace pstorage::frontend::log_share
