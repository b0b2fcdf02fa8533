#pragma once
// What every synchronization primitive shares: its parked tasks and the scheduler they belong to.

#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/lock.hpp>

#include <string>

namespace picos::detail {

// `name/id` of a task, for error messages.
[[nodiscard]] std::string task_label(const TaskControl* task);

// True for a zero (or negative) timeout: check once, never park.
[[nodiscard]] inline bool is_poll(const Timeout& timeout) noexcept {
  return !timeout.is_infinite() && timeout.duration().count() == 0;
}

struct WaitList {
  WaitQueue queue;
  SchedulerCore* core = nullptr;  // set by the first task that uses the primitive

  // The calling task. Throws WrongContext outside a task, or when the primitive is in use (tasks
  // wait, or `busy`) by the tasks of another scheduler; an idle primitive may change schedulers.
  TaskControl& caller(const char* call, bool busy = false);
  // Parks the calling task in the queue (sync wait). Returns the wake reason.
  WakeReason park(std::int64_t deadline) {
    return core->park_on(queue, WaitKind::sync, deadline);
  }
  // Wakes the oldest waiter with `reason`; returns it or nullptr. Throws WrongContext when called
  // from another thread than the waiters' scheduler.
  TaskControl* wake_oldest(const char* call, WakeReason reason = WakeReason::signalled);
  // Logs an error when tasks still wait on a destroyed primitive.
  void check_empty_at_destruction(const char* what) const noexcept;
};

// Reports releasing something the caller does not hold: throws LockError, or logs it while the
// caller is unwinding (a destructor must not throw then).
void misuse(const std::string& message);

// Lock, RLock and the lock inside Condition.
struct OwnedLock {
  explicit OwnedLock(bool reentrant_) : reentrant(reentrant_) {}
  bool acquire(const char* call, Timeout timeout);
  void release(const char* call);
  // Condition::wait(): gives the lock up entirely / takes it back at `depth`.
  std::size_t release_all(TaskControl& self);
  void restore(TaskControl& self, std::size_t depth);
  // Hands the lock to the oldest waiter, or leaves it free.
  void pass_on() noexcept;

  WaitList waiters;
  TaskControl* owner = nullptr;
  Task owner_handle;  // keeps `owner` alive for error messages
  std::size_t depth = 0;
  bool reentrant;
};

}  // namespace picos::detail
