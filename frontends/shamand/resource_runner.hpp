// resource_runner.hpp — how pstorage-shamand runs HA resources on its node
// (issue 18; docs/ha.md "The agent"). Each resource's commands run as
// `/bin/sh -c CMD` in a process group of their own, with
// PSTORAGE_HA_RESOURCE, PSTORAGE_HA_NODE and PSTORAGE_HA_IP set and their
// output appended to STATE_DIR/logs/RESOURCE.log. Nothing blocks: step()
// polls the children, so the caller's fencing check runs every period.
//
// Per resource:  (absent) -> starting -> running -> stopping -> (absent)
//  * start: the IP (if any) is added (`ip addr add IP dev DEV`), then the
//    start command runs; exit 0 within start_timeout = started (reported
//    once), else failed (reported once with the reason; retried after
//    retry_after) and its process group is killed.
//  * stop (the resource is no longer wanted, the node fenced, or the agent
//    stops): a starting one is killed at once; a running one's stop command
//    runs, for at most stop_budget - 0.3 s; then the start's process group
//    (what the service left running in it) gets SIGKILL in any case, and
//    the IP is removed. So a stop always ends within the stop budget.
//  * check: a running resource with a check command has it run every
//    check_every (first one check_every after it started); a check that
//    exits non-zero, or does not finish within check_every, fails the
//    resource like a failed start (reported once with the reason: the
//    master counts it, docs/ha.md "Failed starts"; retried after
//    retry_after) and stops it (stop command, then SIGKILL).
//  * active(): starting, running and stopping resources — what the agent
//    reports as running (relocator_rules.hpp rule 2 relies on it listing a
//    resource from the moment it decides to start it).
// The guard (start_guard): a child process forked before any thread, told
// every process group the runner starts; when the agent dies (its end of
// the pipe closes, even on SIGKILL) it kills them all. A service that
// leaves its process group (setsid, double fork into a new session)
// escapes it: docs/ha.md "Limits".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pstorage::shamand {

struct resource_spec {
  std::string name, start, stop, check, ip;
  bool operator==(const resource_spec&) const = default;
};

struct runner_options {
  std::string node;
  std::string ip_dev = "eth0";
  std::string log_dir;                            // RESOURCE.log files
  int64_t start_timeout_ns = 30'000'000'000;
  int64_t stop_budget_ns = 2'000'000'000;
  int64_t retry_after_ns = 5'000'000'000;
  int64_t check_every_ns = 5'000'000'000;         // pstorage-shamand --check-interval
  int guard_fd = -1;                              // start_guard()'s pipe, -1: none
};

// Forks the guard; returns the write end of its pipe (close-on-exec).
int start_guard();

class resource_runner {
 public:
  explicit resource_runner(runner_options o) : o_(std::move(o)) {}
  ~resource_runner();
  // One period: stop what `wanted` no longer lists, poll children, start
  // what it lists and does not run (unless it failed within retry_after).
  void step(const std::map<std::string, resource_spec>& wanted, int64_t now_ns);
  std::vector<std::string> active() const;
  bool idle() const { return entries_.empty(); }
  std::vector<std::string> take_started();
  std::vector<std::pair<std::string, std::string>> take_failed();  // resource, reason

 private:
  enum class state { starting, running, stopping };
  struct entry {
    resource_spec spec;
    state st = state::starting;
    pid_t start_pid = 0;   // also the service's process group
    bool start_reaped = false;
    pid_t stop_pid = 0;
    int64_t deadline = 0;
    pid_t check_pid = 0;      // a check command running (its own process group)
    int64_t check_at = 0;     // next check (running), or the running check's deadline

    bool ip_added = false;
  };
  pid_t spawn(const resource_spec& r, const std::string& cmd);
  bool ip(const resource_spec& r, bool add, std::string* why);
  void begin_stop(entry& e, int64_t now);
  void finish(entry& e);
  void end_check(entry& e);
  // A running resource's check: runs it when due, judges it when done;
  // false when it failed (the resource is then stopping).
  bool poll_check(entry& e, int64_t now);
  void guard(char op, pid_t pgid);

  runner_options o_;
  std::map<std::string, entry> entries_;
  std::map<std::string, int64_t> retry_at_;
  std::vector<std::string> started_;
  std::vector<std::pair<std::string, std::string>> failed_;
};

}  // namespace pstorage::shamand
