#include "actors/client/mount_options.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pstorage::client {
namespace {
bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Options FUSE's own parser and the kernel accept.
constexpr std::array<std::string_view, 17> fuse_flags = {
    "rw", "ro", "nosuid", "suid", "nodev", "dev", "exec", "noexec", "sync",
    "async", "atime", "noatime", "relatime", "dirsync", "allow_other", "allow_root", "default_permissions"};
// Meaningful only to mount(8), fstab or other tools.
constexpr std::array<std::string_view, 10> mount_only = {"defaults", "auto",   "noauto", "user",  "nouser",
                                                          "users",    "_netdev", "nofail", "owner", "group"};
// Guide options of the real product we do not implement (local SSD cache).
constexpr std::array<std::string_view, 2> unimplemented = {"cache", "cachesize"};
}  // namespace

std::string mount_usage() {
  return "usage: pstorage-mount -c NAME MOUNTPOINT [-f] [--fail-on-nospace] [--config-dir DIR] [-o OPTS] [-l FILE]\n"
         "                      [--http-port N]   (GET /status, /metrics on 127.0.0.1:N; default 0: any free port)\n"
         "       pstorage-mount pstorage://NAME MOUNTPOINT [-o OPTS]   (as mount(8) calls it from /etc/fstab)\n";
}

std::optional<std::string> apply_mount_options(const std::string& list, mount_request& r) {
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    std::string opt = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? list.size() + 1 : comma + 1;
    if (opt.empty()) continue;
    std::string key = opt.substr(0, opt.find('='));
    if (std::find(fuse_flags.begin(), fuse_flags.end(), opt) != fuse_flags.end() ||
        starts_with(opt, "max_read=")) {
      r.fuse_options.push_back(opt);
    } else if (opt == "fail-on-nospace" || opt == "fail_on_nospace") {
      r.fail_on_nospace = true;
    } else if (std::find(mount_only.begin(), mount_only.end(), key) != mount_only.end() || starts_with(opt, "x-") ||
               starts_with(opt, "comment=") ||
               std::find(unimplemented.begin(), unimplemented.end(), key) != unimplemented.end()) {
      r.ignored.push_back(opt);
    } else {
      return "unknown mount option '" + opt +
             "': pstorage-mount accepts rw, ro, nosuid, nodev, noexec, noatime, allow_other, "
             "default_permissions, fail-on-nospace and the fstab options defaults, noauto, _netdev, nofail";
    }
  }
  return std::nullopt;
}

mount_parse_result parse_mount_args(const std::vector<std::string>& args) {
  mount_parse_result out;
  mount_request r;
  std::vector<std::string> positional;
  auto fail = [&](std::string e) {
    out.error = std::move(e);
    return out;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)name;
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      r.help = true;
    } else if (a == "-c" || a == "--cluster") {
      auto v = value("-c");
      if (!v) return fail("option " + a + " needs a cluster name");
      r.cluster = *v;
    } else if (starts_with(a, "--cluster=")) {
      r.cluster = a.substr(10);
    } else if (a == "-f" || a == "--foreground") {
      r.foreground = true;
    } else if (a == "-d" || a == "--debug") {
      r.debug = r.foreground = true;
    } else if (a == "--fail-on-nospace") {
      r.fail_on_nospace = true;
    } else if (a == "--config-dir") {
      auto v = value("--config-dir");
      if (!v) return fail("option --config-dir needs a directory");
      r.config_dir = *v;
    } else if (starts_with(a, "--config-dir=")) {
      r.config_dir = a.substr(13);
    } else if (a == "-l" || a == "--log-file") {
      auto v = value("-l");
      if (!v) return fail("option " + a + " needs a file name");
      r.log_file = *v;
    } else if (a == "--http-port") {
      auto v = value("--http-port");
      unsigned long n = 0;
      try {
        size_t used = 0;
        if (v) n = std::stoul(*v, &used);
        if (!v || used != v->size() || n > 65535) throw std::invalid_argument("port");
      } catch (const std::exception&) {
        return fail("option --http-port needs a port number 0..65535 (0: any free port)");
      }
      r.http_port = static_cast<uint16_t>(n);
    } else if (a == "-o") {
      auto v = value("-o");
      if (!v) return fail("option -o needs a list of mount options");
      if (auto e = apply_mount_options(*v, r)) return fail(*e);
    } else if (starts_with(a, "-o") && a.size() > 2) {
      if (auto e = apply_mount_options(a.substr(2), r)) return fail(*e);
    } else if (a == "-n" || a == "-s" || a == "-v") {
      // mount(8) helper flags: no mtab, sloppy, verbose; nothing to do.
    } else if (a.size() > 1 && a[0] == '-') {
      return fail("unknown option '" + a + "'\n" + mount_usage());
    } else {
      positional.push_back(a);
    }
  }
  if (r.help) {
    out.request = r;
    return out;
  }
  std::string source;
  if (positional.size() == 2) {
    source = positional[0];
    r.mount_point = positional[1];
  } else if (positional.size() == 1) {
    r.mount_point = positional[0];
  } else if (positional.empty()) {
    return fail("no mount point given\n" + mount_usage());
  } else {
    return fail("too many arguments\n" + mount_usage());
  }
  if (!source.empty()) {
    std::string name = starts_with(source, "pstorage://") ? source.substr(11) : source;
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (!r.cluster.empty() && r.cluster != name)
      return fail("cluster given twice: -c " + r.cluster + " and source '" + source + "'");
    r.cluster = name;
  }
  if (r.cluster.empty()) return fail("no cluster given: use -c NAME or the source pstorage://NAME\n" + mount_usage());
  if (r.mount_point.empty()) return fail("empty mount point");
  out.request = r;
  return out;
}

}  // namespace pstorage::client
