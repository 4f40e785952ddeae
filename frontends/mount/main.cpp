// pstorage-mount — mounts a pstorage cluster through FUSE 3 (guide "Setting
// Up Clients", "Mounting the Cluster"):
//   pstorage-mount -c pcs1 /pstorage/pcs1 [-f] [--fail-on-nospace] [--config-dir DIR] [-o OPTS] [-l FILE]
//                  [--http-port N]   (GET /status, /metrics on 127.0.0.1:N, 0 = any free port)
// and, from /etc/fstab through mount(8)'s helper mount.fuse.pstorage:
//   pstorage://pcs1 /pstorage/pcs1 fuse.pstorage rw,nosuid,nodev 0 0
// Leave with `umount MOUNTPOINT` or `fusermount3 -u MOUNTPOINT`.
//
// Start-up order: everything that can fail with an operator error (cluster
// name, MDS addresses from bs.list or DNS SRV, auth_digest.key, mount point) is checked before forking;
// the daemon child then builds the actor system (threads never cross a
// fork), checks the MDS accepts this host, mounts, and only then tells the
// waiting parent to exit 0. Errors of the child reach the terminal and the
// parent's exit code.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/client/mount_options.hpp"
#include "actors/client/session.hpp"
#include "frontends/common/daemon_util.hpp"
#include "frontends/common/discovery_rules.hpp"
#include "frontends/common/http_status.hpp"
#include "frontends/common/metrics_mount.hpp"
#include "frontends/common/mds_discovery.hpp"
#include "frontends/mount/fuse_ops.hpp"
#include "persistence/host_config.hpp"
#include "persistence/node_tls.hpp"

using namespace pstorage;
namespace fs = std::filesystem;

namespace {
int die(const std::string& msg) {
  std::cerr << "pstorage-mount: " << msg << "\n";
  return 1;
}

std::string make_client_id() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return frontend::local_host_name() + ":" + std::to_string(getpid()) + ":" + buf;
}

// SIGTERM/SIGINT/SIGHUP: libfuse's own handlers only mark the session as
// exiting, and its loop then waits for every busy worker, so an operation
// blocked in the session (no MDS majority: up to the 30 s patience) delayed
// the exit. Ours also wake the watcher (self-pipe; only async-signal-safe
// calls here), which aborts the session: blocked operations fail at once
// (ENOTCONN/EIO), the workers return, the loop ends and the mount point is
// released. The watcher also notices an exit begun by umount (the kernel
// ends the FUSE connection) and aborts the same way.
fuse_session* g_fuse = nullptr;
int g_stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  if (g_fuse) fuse_session_exit(g_fuse);
  const char c = 1;
  (void)!::write(g_stop_pipe[1], &c, 1);
}

// Runs until the session is aborted or told to end (a 0 byte on the pipe).
void watch_for_stop(client::session& sess, fuse_session* se) {
  for (;;) {
    pollfd p{g_stop_pipe[0], POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char c = 0;
      if (::read(g_stop_pipe[0], &c, 1) == 1 && c == 0) return;  // the loop ended by itself
      sess.abort();
      return;
    }
    if (fuse_session_exited(se)) {  // umount, or a fatal FUSE error
      sess.abort();
      return;
    }
  }
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

// Tells the parent how start-up ended (daemon mode); no-op in the foreground.
struct start_report {
  int fd = -1;
  void send(unsigned char code) {
    if (fd < 0) return;
    (void)!::write(fd, &code, 1);
    ::close(fd);
    fd = -1;
  }
};

int run(const client::mount_request& r, const std::string& digest, const std::vector<endpoint>& mds,
        const std::optional<persistence::node_tls_paths>& tls, start_report& report) {
  client::session_options so;
  so.cluster = r.cluster;
  so.mds = mds;
  so.digest = digest;
  so.tls = tls;
  so.client_id = make_client_id();
  so.fail_on_nospace = r.fail_on_nospace;
  client::session sess(so);
  if (int e = sess.check_connection()) {
    std::string m = client::session::last_error();
    if (e == EACCES)
      m += "\nIs this host authenticated? Run: pstorage -c " + r.cluster + " auth-node";
    return die("cannot mount cluster '" + r.cluster + "': " + m);
  }

  std::vector<std::string> fargs = {"pstorage-mount"};
  std::string opts = "fsname=pstorage://" + r.cluster + ",subtype=pstorage";
  for (auto& o : r.fuse_options) opts += "," + o;
  fargs.push_back("-o");
  fargs.push_back(opts);
  if (r.debug) fargs.push_back("-d");
  std::vector<char*> argv;
  for (auto& a : fargs) argv.push_back(a.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  mount::filesystem fs(sess);
  const auto& ops = mount::operations();
  fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, &fs);
  if (!se) return die("FUSE refused the options '" + opts + "'");
  if (fuse_session_mount(se, r.mount_point.c_str()) != 0) {
    fuse_session_destroy(se);
    return die("cannot mount on '" + r.mount_point + "' (is /dev/fuse available and are you root?)");
  }
  fuse_set_signal_handlers(se);  // SIGPIPE ignored etc.; the stop signals are ours:
  if (::pipe2(g_stop_pipe, O_CLOEXEC) != 0) {
    fuse_session_unmount(se);
    fuse_session_destroy(se);
    return die(std::string("pipe: ") + std::strerror(errno));
  }
  g_fuse = se;
  install_stop_handlers();
  std::thread watcher([&sess, se] { watch_for_stop(sess, se); });
  std::cerr << "pstorage-mount: cluster '" << r.cluster << "' mounted on " << r.mount_point << "\n";
  // GET /status and /metrics on loopback (docs/ports.md, docs/monitoring.md
  // "A mount's /status and /metrics"): the figures this mount reports to the
  // master for the clients table. A port it cannot take is logged, not fatal:
  // the file system is already mounted and serving.
  std::unique_ptr<frontend::http_status_server> http;
  auto figures = [&sess, &r, client_id = so.client_id] {
    frontend::mount_metrics_input in;
    in.cluster = r.cluster;
    in.client_id = client_id;
    in.mount_point = r.mount_point;
    uint32_t master = 0;
    if (sess.master_mds_id(master) == 0) in.master_id = master;
    in.io = sess.io_figures();
    return in;
  };
  try {
    http = std::make_unique<frontend::http_status_server>(
        "127.0.0.1", r.http_port, [figures] { return frontend::mount_status_json(figures()).dump(); },
        [figures] {
          frontend::metrics_registry reg;
          frontend::add_mount_metrics(reg, figures());
          return reg.text();
        });
    std::cerr << "pstorage-mount: HTTP status on 127.0.0.1:" << http->port() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "pstorage-mount: no HTTP status: " << e.what() << "\n";
  }
  if (!r.foreground) {
    report.send(0);
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      if (!r.log_file) dup2(null, 2);
      if (null > 2) ::close(null);
    }
  }
  // Another client's change to a file open here: the master tells this
  // mount, which drops the kernel's attributes and pages of it before the
  // change is acknowledged (docs/consistency.md). Called on the session's
  // own thread, never inside a FUSE request (no deadlock on the inode).
  sess.watch_invalidations([se](uint64_t ino) { fuse_lowlevel_notify_inval_inode(se, ino, 0, 0); });
  fuse_loop_config cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.clone_fd = 0;
  cfg.max_idle_threads = 16;
  int rc = fuse_session_loop_mt(se, &cfg);
  const char end = 0;
  (void)!::write(g_stop_pipe[1], &end, 1);
  watcher.join();
  sess.stop_watching();  // before the FUSE session it notifies goes away
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, SIG_DFL);
  g_fuse = nullptr;
  fuse_remove_signal_handlers(se);
  fuse_session_unmount(se);
  fuse_session_destroy(se);
  return rc == 0 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = client::parse_mount_args(args);
  if (!parsed.request) return die(parsed.error);
  auto r = *parsed.request;
  if (r.help) {
    std::cout << client::mount_usage();
    return 0;
  }
  for (auto& o : r.ignored) std::cerr << "pstorage-mount: option '" << o << "' ignored\n";
  if (auto e = persistence::validate_cluster_name(r.cluster)) return die(*e);

  persistence::host_config host(persistence::resolve_config_dir(r.config_dir));
  std::string mds_source, mds_error;  // bs.list, else DNS SRV _pstorage._tcp.CLUSTER (docs/discovery.md)
  auto mds = frontend::mds_addresses(host, r.cluster, &mds_source, &mds_error);
  if (mds.empty())
    return die("unknown cluster '" + r.cluster + "': " + mds_error +
               "; check the name or set up cluster discovery (guide: Configuring Cluster Discovery)");
  std::string digest;
  std::optional<persistence::node_tls_paths> tls;
  try {
    digest = frontend::load_auth_digest(host, r.cluster);
    tls = persistence::require_node_tls(host, r.cluster);  // mutual TLS unless encryption is off
  } catch (const std::exception& e) {
    return die(e.what());
  }
  std::error_code ec;
  if (!fs::exists(r.mount_point, ec))
    return die("mount point '" + r.mount_point + "' does not exist; create it first: mkdir -p " + r.mount_point);
  if (!fs::is_directory(r.mount_point, ec)) return die("mount point '" + r.mount_point + "' is not a directory");
  r.mount_point = fs::absolute(r.mount_point).lexically_normal().string();
  if (r.mount_point.size() > 1 && r.mount_point.back() == '/') r.mount_point.pop_back();

  if (r.log_file) {
    int fd = ::open(r.log_file->c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return die("cannot open log file '" + *r.log_file + "': " + std::strerror(errno));
    dup2(fd, 2);
    if (fd != 2) ::close(fd);
  }

  start_report report;
  if (!r.foreground) {
    int p[2];
    if (pipe(p) != 0) return die(std::string("pipe: ") + std::strerror(errno));
    pid_t pid = fork();
    if (pid < 0) return die(std::string("fork: ") + std::strerror(errno));
    if (pid > 0) {  // parent: wait for the child's verdict
      ::close(p[1]);
      unsigned char code = 1;
      ssize_t n;
      do n = ::read(p[0], &code, 1);
      while (n < 0 && errno == EINTR);
      return n == 1 ? code : 1;
    }
    ::close(p[0]);
    setsid();
    (void)!chdir("/");
    report.fd = p[1];
  }
  int rc = run(r, digest, mds, tls, report);
  report.send(static_cast<unsigned char>(rc ? rc : 1));
  return rc;
}
