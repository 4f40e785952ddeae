// resource_runner.cpp — see resource_runner.hpp.
#include "frontends/shamand/resource_runner.hpp"

#include "frontends/shamand/gratuitous_arp.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

namespace pstorage::shamand {

int start_guard() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // The guard: single-threaded (forked before any thread). Stop signals
    // stay blocked (inherited): only the pipe's end makes it act.
    close(fds[1]);
    setpgid(0, 0);  // not in the agent's terminal group
    std::set<pid_t> groups;
    std::string line;
    char buf[256];
    for (;;) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] != '\n') {
          line += buf[i];
          continue;
        }
        if (line.size() > 1) {
          pid_t g = static_cast<pid_t>(std::atol(line.c_str() + 1));
          if (line[0] == '+') groups.insert(g);
          if (line[0] == '-') groups.erase(g);
        }
        line.clear();
      }
    }
    for (pid_t g : groups) kill(-g, SIGKILL);
    _exit(0);
  }
  close(fds[0]);
  return fds[1];
}

resource_runner::~resource_runner() {
  for (auto& [n, e] : entries_) {
    if (e.start_pid > 0) kill(-e.start_pid, SIGKILL);
    if (e.stop_pid > 0) kill(-e.stop_pid, SIGKILL);
  }
}

void resource_runner::guard(char op, pid_t pgid) {
  if (o_.guard_fd < 0 || pgid <= 0) return;
  std::string line = std::string(1, op) + std::to_string(pgid) + "\n";
  if (write(o_.guard_fd, line.data(), line.size()) < 0) spdlog::warn("guard: {}", std::strerror(errno));
}

pid_t resource_runner::spawn(const resource_spec& r, const std::string& cmd) {
  // Everything the child needs is built before fork (only async-signal-safe
  // calls after it).
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  env_s.push_back("PSTORAGE_HA_RESOURCE=" + r.name);
  env_s.push_back("PSTORAGE_HA_NODE=" + o_.node);
  env_s.push_back("PSTORAGE_HA_IP=" + r.ip);
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string log = o_.log_dir + "/" + r.name + ".log";
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int in = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    execle("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);  // both sides: no race with a kill(-pid)
  return pid;
}

bool resource_runner::ip(const resource_spec& r, bool add, std::string* why) {
  if (r.ip.empty()) return true;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, 1);
    execlp("ip", "ip", "addr", add ? "add" : "del", r.ip.c_str(), "dev", o_.ip_dev.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok && why)
    *why = "'ip addr " + std::string(add ? "add " : "del ") + r.ip + " dev " + o_.ip_dev + "' failed (exit status " +
           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
  // The address moved here: neighbours learn it now, not when their ARP
  // entry for the old node times out (gratuitous_arp.hpp). A failure is
  // logged, not fatal: the address works once their entries expire.
  std::string arp_why;
  if (ok && add && !send_gratuitous_arp(o_.ip_dev, r.ip, &arp_why)) spdlog::warn("HA: {}: {}", r.name, arp_why);
  return ok;
}

void resource_runner::end_check(entry& e) {
  if (e.check_pid <= 0) return;
  kill(-e.check_pid, SIGKILL);
  waitpid(e.check_pid, nullptr, 0);
  guard('-', e.check_pid);
  e.check_pid = 0;
}

bool resource_runner::poll_check(entry& e, int64_t now) {
  if (e.spec.check.empty()) return true;
  if (e.check_pid <= 0) {
    if (now < e.check_at) return true;
    e.check_pid = spawn(e.spec, e.spec.check);
    if (e.check_pid <= 0) {
      e.check_pid = 0;
      e.check_at = now + o_.check_every_ns;
      return true;  // fork failed: not the resource's fault, check again later
    }
    guard('+', e.check_pid);
    e.check_at = now + o_.check_every_ns;  // its deadline
    return true;
  }
  int status = 0;
  const pid_t r = waitpid(e.check_pid, &status, WNOHANG);
  std::string why;
  if (r == e.check_pid) {
    kill(-e.check_pid, SIGKILL);  // whatever it left in its group
    guard('-', e.check_pid);
    e.check_pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      e.check_at = now + o_.check_every_ns;
      return true;
    }
    why = WIFEXITED(status) ? "check command exited with status " + std::to_string(WEXITSTATUS(status))
                            : "check command killed by signal " + std::to_string(WTERMSIG(status));
  } else if (now >= e.check_at) {
    end_check(e);
    why = "check command did not finish within " + std::to_string(o_.check_every_ns / 1'000'000) + " ms";
  } else {
    return true;
  }
  why = "it ran but " + why + " (" + o_.log_dir + "/" + e.spec.name + ".log)";
  spdlog::warn("HA: {} failed its check: {}; stopping it", e.spec.name, why);
  failed_.push_back({e.spec.name, why});
  retry_at_[e.spec.name] = now + o_.retry_after_ns;
  begin_stop(e, now);
  return false;
}

void resource_runner::begin_stop(entry& e, int64_t now) {
  if (e.st == state::stopping) return;
  end_check(e);
  if (e.st == state::starting) {
    spdlog::info("HA: stopping {} while it starts: its start command is killed", e.spec.name);
    kill(-e.start_pid, SIGKILL);
  }
  spdlog::info("HA: stopping {}", e.spec.name);
  e.st = state::stopping;
  e.deadline = now + o_.stop_budget_ns - 300'000'000;
  e.stop_pid = spawn(e.spec, e.spec.stop);
  guard('+', e.stop_pid);
}

void resource_runner::finish(entry& e) {
  // Whatever the stop left in the service's and the stop's groups: SIGKILL.
  if (e.start_pid > 0) kill(-e.start_pid, SIGKILL);
  if (e.stop_pid > 0) kill(-e.stop_pid, SIGKILL);
  if (e.start_pid > 0 && !e.start_reaped) waitpid(e.start_pid, nullptr, 0);
  guard('-', e.start_pid);
  guard('-', e.stop_pid);
  if (e.ip_added) {
    std::string why;
    if (!ip(e.spec, false, &why)) spdlog::warn("HA: {}: {}", e.spec.name, why);
  }
}

void resource_runner::step(const std::map<std::string, resource_spec>& wanted, int64_t now) {
  // Stops first: what is no longer wanted (or changed) goes.
  for (auto& [name, e] : entries_) {
    auto w = wanted.find(name);
    if (w == wanted.end() || !(w->second == e.spec)) begin_stop(e, now);
  }
  // Poll the children.
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto& e = it->second;
    if (e.st == state::starting) {
      int status = 0;
      pid_t r = waitpid(e.start_pid, &status, WNOHANG);
      if (r == e.start_pid) {
        e.start_reaped = true;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
          e.st = state::running;
          e.check_at = now + o_.check_every_ns;
          spdlog::info("HA: {} started", e.spec.name);
          started_.push_back(e.spec.name);
        } else {
          std::string why = WIFEXITED(status) ? "start command exited with status " + std::to_string(WEXITSTATUS(status))
                                              : "start command killed by signal " + std::to_string(WTERMSIG(status));
          why += " (" + o_.log_dir + "/" + e.spec.name + ".log)";
          spdlog::warn("HA: {} failed to start: {}", e.spec.name, why);
          failed_.push_back({e.spec.name, why});
          retry_at_[e.spec.name] = now + o_.retry_after_ns;
          finish(e);
          it = entries_.erase(it);
          continue;
        }
      } else if (now >= e.deadline) {
        const std::string why = "start command did not finish within " +
                                std::to_string(o_.start_timeout_ns / 1'000'000'000) + " s";
        spdlog::warn("HA: {} failed to start: {}", e.spec.name, why);
        failed_.push_back({e.spec.name, why});
        retry_at_[e.spec.name] = now + o_.retry_after_ns;
        finish(e);
        it = entries_.erase(it);
        continue;
      }
    } else if (e.st == state::running) {
      if (!e.start_reaped && waitpid(e.start_pid, nullptr, WNOHANG) == e.start_pid) e.start_reaped = true;
      poll_check(e, now);
    } else if (e.st == state::stopping) {
      bool done = e.stop_pid <= 0;
      if (!done) {
        int status = 0;
        pid_t r = waitpid(e.stop_pid, &status, WNOHANG);
        if (r == e.stop_pid) {
          done = true;
          if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
            spdlog::warn("HA: {}: stop command failed; its processes are killed", e.spec.name);
          e.stop_pid = -e.stop_pid;  // reaped: only its group may remain
        }
      }
      if (!done && now >= e.deadline) {
        spdlog::warn("HA: {}: stop command still running at the stop budget: SIGKILL", e.spec.name);
        kill(-e.stop_pid, SIGKILL);
        waitpid(e.stop_pid, nullptr, 0);
        done = true;
      }
      if (done) {
        if (e.stop_pid < 0) {
          pid_t g = -e.stop_pid;
          kill(-g, SIGKILL);
          guard('-', g);
          e.stop_pid = 0;
        }
        finish(e);
        spdlog::info("HA: {} stopped", e.spec.name);
        it = entries_.erase(it);
        continue;
      }
    }
    ++it;
  }
  // Starts.
  for (auto& [name, spec] : wanted) {
    if (entries_.count(name)) continue;
    if (auto r = retry_at_.find(name); r != retry_at_.end() && now < r->second) continue;
    retry_at_.erase(name);
    entry e;
    e.spec = spec;
    std::string why;
    if (!ip(spec, true, &why)) {
      failed_.push_back({name, why});
      retry_at_[name] = now + o_.retry_after_ns;
      continue;
    }
    e.ip_added = !spec.ip.empty();
    spdlog::info("HA: starting {}", name);
    e.start_pid = spawn(spec, spec.start);
    if (e.start_pid <= 0) {
      failed_.push_back({name, std::string("fork: ") + std::strerror(errno)});
      retry_at_[name] = now + o_.retry_after_ns;
      continue;
    }
    guard('+', e.start_pid);
    e.deadline = now + o_.start_timeout_ns;
    entries_.emplace(name, std::move(e));
  }
}

std::vector<std::string> resource_runner::active() const {
  std::vector<std::string> out;
  for (auto& [n, e] : entries_) out.push_back(n);
  return out;
}

std::vector<std::string> resource_runner::take_started() { return std::exchange(started_, {}); }
std::vector<std::pair<std::string, std::string>> resource_runner::take_failed() { return std::exchange(failed_, {}); }

}  // namespace pstorage::shamand
