// digest_command.hpp — `pstorage md-digest -r DIR [--json]`: an offline
// check that MDSs agree. Opens DIR/md.db (persistence::md_store; opening
// applies committed, unapplied entries, as the MDS does when it starts) and
// prints its applied journal index and the SHA-256 of canonical_dump(): two
// MDSs with equal applied indexes must print equal digests. Refused while the
// repository's pstorage-mdsd runs (as configure-mds).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "frontends/cli/commands.hpp"

namespace pstorage::cli {

struct digest_command {
  CLI::App* cmd = nullptr;
  std::string repo;
  bool json = false;
  std::optional<int> dispatch(const global_options& g) const;
};

// Adds md-digest; the returned object must outlive parsing.
std::unique_ptr<digest_command> add_digest_command(CLI::App& app);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);

}  // namespace pstorage::cli
