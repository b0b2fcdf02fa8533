#pragma once
/// @file errors.hpp
/// Exceptions that picos reports besides std::system_error.

#include <stdexcept>
#include <string>

namespace picos {

/// A call was made from the wrong kind of context: a thread-only wait (Task::value(),
/// Scheduler::join()) from inside a task, or a task-only call (this_task::suspend(), receive(),
/// Task::finish()...) from a plain thread. Thrown instead of deadlocking.
class WrongContext : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Reported by Task::value() and Task::finish() for a task that was terminated (it neither
/// returned nor failed).
class TaskTerminatedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The unwinding signal thrown inside a task by Task::terminate(). It deliberately does not derive
/// from std::exception so `catch (const std::exception&)` does not swallow it; a `catch (...)` in a
/// task must rethrow it. If swallowed anyway, it is raised again at the task's next blocking call.
struct TaskTerminateUnwind {};

/// Thrown by picos calls when the scheduler they need has been finished or terminated.
class SchedulerStopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace picos
