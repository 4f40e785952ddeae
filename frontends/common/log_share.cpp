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

}  // namespace pstorage::frontend::log_share
