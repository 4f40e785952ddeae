#include "actors/client/mountinfo.hpp"

#include <sstream>

namespace pstorage::client {

std::string unescape_mountinfo(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 && s[i + 1] >= '0' && s[i + 1] <= '7' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<pstorage_mount> parse_mountinfo(std::string_view text) {
  std::vector<pstorage_mount> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superopts
    std::istringstream ls(line);
    std::vector<std::string> f;
    std::string w;
    while (ls >> w) f.push_back(w);
    if (f.size() < 7) continue;
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash + 2 >= f.size()) continue;
    const std::string& fstype = f[dash + 1];
    std::string source = unescape_mountinfo(f[dash + 2]);
    if (fstype != "fuse.pstorage") continue;
    const std::string prefix = "pstorage://";
    if (source.rfind(prefix, 0) != 0) continue;
    pstorage_mount m;
    m.cluster = source.substr(prefix.size());
    m.mount_point = unescape_mountinfo(f[4]);
    out.push_back(m);
  }
  return out;
}

std::optional<located_path> locate_path(const std::vector<pstorage_mount>& mounts, const std::string& abs_path) {
  std::optional<located_path> best;
  size_t best_len = 0;
  for (const auto& m : mounts) {
    const std::string& mp = m.mount_point;
    bool inside = false;
    std::string rest;
    if (abs_path == mp) {
      inside = true;
      rest = "/";
    } else if (mp == "/") {
      inside = !abs_path.empty() && abs_path[0] == '/';
      rest = abs_path;
    } else if (abs_path.size() > mp.size() && abs_path.compare(0, mp.size(), mp) == 0 && abs_path[mp.size()] == '/') {
      inside = true;
      rest = abs_path.substr(mp.size());
    }
    if (!inside) continue;
    if (!best || mp.size() >= best_len) {  // >=: a later over-mount wins
      best = located_path{m, rest};
      best_len = mp.size();
    }
  }
  return best;
}

}  // namespace pstorage::client
