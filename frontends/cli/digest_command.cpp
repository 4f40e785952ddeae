#include "frontends/cli/digest_command.hpp"

#include <openssl/evp.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "frontends/cli/mds_commands.hpp"
#include "persistence/md_store.hpp"
#include "persistence/mds_store.hpp"

namespace pstorage::cli {
namespace fs = std::filesystem;

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

namespace {

int md_digest(const std::string& repo_arg, bool json) {
  try {
    auto repo = fs::absolute(repo_arg).lexically_normal();
    if (!repo.has_filename() && repo.has_parent_path() && repo != repo.root_path()) repo = repo.parent_path();
    const fs::path md = repo / "md.db";
    // md_store creates a missing store: check first, never make one here.
    if (!persistence::mds_store::exists(repo) || !fs::exists(md))
      throw std::runtime_error("'" + repo.string() + "' is not an MDS repository (no mds.db and md.db); "
                               "'pstorage list-services -M' lists this host's MDS repositories");
    if (int pid = running_mdsd_pid(repo.string()))
      throw std::runtime_error("pstorage-mdsd (pid " + std::to_string(pid) + ") is running on " + repo.string() +
                               "; stop it first (kill " + std::to_string(pid) +
                               "): the digest is of a store no process changes");
    persistence::md_store store(md.string());
    const auto dump = store.canonical_dump();
    const auto digest = sha256_hex(dump);
    if (json) {
      nlohmann::json j{{"repository", repo.string()},
                       {"applied_index", store.applied_index()},
                       {"committed_index", store.committed_index()},
                       {"last_index", store.last_index()},
                       {"sha256", digest}};
      std::cout << j.dump() << "\n";
    } else {
      std::cout << "applied " << store.applied_index() << " sha256 " << digest << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pstorage: md-digest: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

std::optional<int> digest_command::dispatch(const global_options&) const {
  if (*cmd) return md_digest(repo, json);
  return std::nullopt;
}

std::unique_ptr<digest_command> add_digest_command(CLI::App& app) {
  auto c = std::make_unique<digest_command>();
  c->cmd = app.add_subcommand(
      "md-digest",
      "print a stopped MDS's applied journal index and the SHA-256 of its metadata (md.db, canonical form): MDSs "
      "with equal applied indexes must print equal digests. Refused while the MDS runs.\n"
      "  pstorage md-digest -r /pstorage/pcs1-mds [--json]");
  c->cmd->add_option("-r,--repository", c->repo, "the MDS repository (list-services -M)")->required();
  c->cmd->add_flag("--json", c->json, "print {repository, applied_index, committed_index, last_index, sha256}");
  return c;
}

}  // namespace pstorage::cli
