#pragma once
// Waiting in the caller of a Node call, which may be a task of any scheduler or a plain thread.

#include <picos/this_task.hpp>
#include <picos/timeout.hpp>

#include <chrono>
#include <thread>

namespace picos::detail {

// Sleeps: the task (its scheduler runs others meanwhile) or the thread.
inline void pause_caller(std::chrono::milliseconds duration) {
  if (this_task::in_task()) {
    this_task::sleep(duration);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

// When `timeout` from now ends (time_point::max() for no limit).
inline std::chrono::steady_clock::time_point deadline_of(Timeout timeout) {
  if (timeout.is_infinite()) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() + timeout.duration();
}

// The time left until `deadline` (from deadline_of()): no limit for time_point::max(), and "do not
// wait" once it has passed.
inline Timeout time_left(std::chrono::steady_clock::time_point deadline) {
  if (deadline == std::chrono::steady_clock::time_point::max()) return Timeout{};
  return std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
}

}  // namespace picos::detail
