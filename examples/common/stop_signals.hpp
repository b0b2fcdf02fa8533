#pragma once
// A clean stop on Ctrl-C or `kill` for the example programs that start child processes (POSIX
// only): their children must be killed and reaped, which the default action of SIGINT and
// SIGTERM (ending the process at once) would skip. Construct a StopSignals first thing in main,
// before a Node or a scheduler starts a thread: it blocks SIGINT and SIGTERM in this thread, and
// the threads started later inherit that, so the signals wait for wait() to take them.
// serve_until_stopped() is the end of such a server.

#include <picos/rti.hpp>

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <optional>
#include <thread>

namespace example {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }

  // [B] Blocks the calling thread until SIGINT or SIGTERM arrives (returns its number) or
  // `limit` has passed (returns 0); no limit: waits for a signal.
  int wait(std::optional<std::chrono::milliseconds> limit = std::nullopt) const {
    if (!limit) {
      int signal = 0;
      sigwait(&set_, &signal);
      return signal;
    }
    const auto until = std::chrono::steady_clock::now() + *limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return 0;
      timespec wait_for{static_cast<std::time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
      const int signal = sigtimedwait(&set_, nullptr, &wait_for);
      if (signal > 0) return signal;
      if (errno == EAGAIN) return 0;  // EINTR: waits again for what is left
    }
  }

 private:
  sigset_t set_{};
};

// [B] Blocks the calling thread (not a task) until `signals` takes a stop signal or `limit`
// passes, then closes `service` (its running invocations are terminated, so the guards on their
// stacks kill their children) and waits up to 5 s for them to unwind.
inline void serve_until_stopped(const StopSignals& signals, picos::rti::Service& service,
                                std::optional<std::chrono::milliseconds> limit = std::nullopt) {
  signals.wait(limit);
  service.close();
  for (int waited = 0; service.running() > 0 && waited < 100; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace example
