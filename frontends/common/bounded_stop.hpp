// bounded_stop.hpp — a daemon's stop on SIGTERM, bounded in time (issue 15:
// "pstorage-mdsd exits within 2 s of SIGTERM"; the same for pstorage-csd).
//
// caf::actor_system's destructor waits for every actor, detached helpers
// included. A connect helper blocked in middleman::remote_actor on a peer
// that accepts the TCP connection but never answers the handshake (a frozen
// MDS: SIGSTOP, a paused VM) made the daemon wait forever (measured: an MDS
// master, and a CS whose MDS froze, still running 10 s after SIGTERM;
// tests/integration/mdsd_sigterm.sh, csd_sigterm.sh). So main stops and
// awaits the actor that owns the daemon's stores (the MDS actor, the CS
// actor) with a deadline, and does not wait for other actors; a watchdog
// ends the process if stopping still outlasts the limit. Ending there is no
// worse than kill -9, which the stores survive (tests/integration/
// mds_crash_loop.sh, data_path_acceptance.sh).
#pragma once

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace pstorage::frontend {

// The whole stop, signal to exit (docs/operations.md "Stopping an MDS").
inline constexpr std::chrono::milliseconds stop_limit{1800};
// How long main waits for the store-owning actor to finish its current message and exit.
inline constexpr std::chrono::milliseconds actor_stop_wait{1000};

// Sends the actor an exit and waits (at most `wait`) until it is down.
// True when it is.
inline bool stop_and_await(caf::actor_system& sys, const caf::actor& actor, std::chrono::milliseconds wait) {
  caf::scoped_actor self{sys};
  self->monitor(actor);
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive([&](const caf::down_msg&) { down = true; },
                caf::after(std::chrono::duration_cast<std::chrono::microseconds>(wait)) >> [] {});
  return down;
}
template <class Handle>
bool stop_and_await(caf::actor_system& sys, const Handle& h, std::chrono::milliseconds wait) {
  return stop_and_await(sys, caf::actor_cast<caf::actor>(h), wait);
}

// After the store-owning actor is down: waits (at most `wait`) until no
// actor runs any more, so that the actor system is never destroyed under a
// live actor. CAF 0.17's actor_system destructor with
// await_actors_before_shutdown(false) stops the scheduler and the
// middleman while such an actor may still run; the CI run of b1b3477 saw
// pstorage-mdsd end with SIGSEGV after SIGTERM in the middle of a rebalance
// move (a copy job actor waits for its CS after the MDS actor is gone:
// measured, one actor still running when the MDS actor was down, none 12 ms
// later). If some still run after `wait` (a helper blocked on the network,
// see above), the process ends here with `status`, logs flushed: no worse
// than kill -9, which the stores survive.
inline void end_once_no_actor_runs(caf::actor_system& sys, std::chrono::milliseconds wait, int status) {
  const auto end = std::chrono::steady_clock::now() + wait;
  while (sys.registry().running() > 0) {
    if (std::chrono::steady_clock::now() >= end) {
      spdlog::info("{} helper actor(s) still running {} ms after the stop (waiting on the network); exiting now",
                   sys.registry().running(), wait.count());
      spdlog::default_logger()->flush();
      std::_Exit(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}
// How long main waits for the other actors once the store owner is down.
inline constexpr std::chrono::milliseconds helpers_stop_wait{500};

// A start-up error once the store-owning actor exists (a port taken, no
// election actor): unwinding to main's catch ran caf::actor_system's
// destructor first, which waits for that actor forever, with SIGTERM
// blocked for the signal thread, so the daemon hung and never printed why
// (measured: pstorage-mdsd with its HTTP status port in use;
// tests/integration/daemon_start_errors.sh). Prints the error as main's
// catch does, stops `owner` and the helpers with the SIGTERM bounds, and
// returns main's status 1 (or ends the process with 1 if a helper hangs).
inline int stop_after_error(caf::actor_system& sys, const caf::actor& owner, const char* daemon,
                            const std::string& what) {
  std::cerr << daemon << ": " << what << "\n";
  spdlog::error("{}", what);
  if (!stop_and_await(sys, owner, actor_stop_wait))
    spdlog::warn("the {} actor did not stop within {} ms", daemon, actor_stop_wait.count());
  end_once_no_actor_runs(sys, helpers_stop_wait, 1);
  sys.await_actors_before_shutdown(false);
  return 1;
}

// While alive, ends the process with status 0 once `limit` has passed
// (logging why and flushing the log first); its destructor disarms it.
// Armed at the start of the stop and destroyed after the actor system (main
// declares it before the system), so it bounds the system's destructor too.
class stop_watchdog {
 public:
  explicit stop_watchdog(std::chrono::milliseconds limit)
      : thread_([this, limit] {
          std::unique_lock<std::mutex> l(m_);
          if (cv_.wait_for(l, limit, [this] { return disarmed_; })) return;
          spdlog::warn("stopping took longer than {} ms (a helper still waits on the network); exiting now",
                       limit.count());
          spdlog::default_logger()->flush();
          std::_Exit(0);
        }) {}
  ~stop_watchdog() {
    {
      std::lock_guard<std::mutex> l(m_);
      disarmed_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  stop_watchdog(const stop_watchdog&) = delete;
  stop_watchdog& operator=(const stop_watchdog&) = delete;

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

}  // namespace pstorage::frontend
