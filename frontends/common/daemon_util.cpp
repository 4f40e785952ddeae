#include "frontends/common/daemon_util.hpp"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>

#include "persistence/auth_digest.hpp"

namespace pstorage::frontend {

static sigset_t stop_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGHUP);
  return s;
}

void block_stop_signals() {
  auto s = stop_set();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

int wait_for_stop() {
  auto s = stop_set();
  int sig = 0;
  sigwait(&s, &sig);
  return sig;
}

void request_stop() { ::kill(::getpid(), SIGTERM); }

std::string load_auth_digest(const persistence::host_config& cfg, const std::string& cluster) {
  auto text = cfg.auth_key(cluster);
  auto fix = "run 'pstorage -c " + cluster + " auth-node' on this host first";
  if (!text) throw std::runtime_error("this host is not authenticated in cluster '" + cluster + "': " +
                                      cfg.auth_key_path(cluster).string() + " is missing; " + fix);
  auto d = persistence::auth_digest::parse(*text);
  if (!d) throw std::runtime_error(cfg.auth_key_path(cluster).string() + " is corrupt; " + fix);
  return d->digest;
}

std::string local_host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace pstorage::frontend
