#pragma once
/// @file task.hpp
/// picos::Task: a cheap, copyable handle to a lightweight task (a stackful fiber).

#include <picos/message.hpp>
#include <picos/timeout.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>

namespace picos {

class Scheduler;

/// How a task's stack is provided.
enum class StackMode : std::uint8_t {
  /// The task owns a stack carved from the scheduler's stack pool (see SchedulerOptions). Fastest
  /// switches; a parked task costs the stack pages it touched (usually one page).
  dedicated,
  /// The task runs on the scheduler's shared stack; when another compact task needs that stack the
  /// used part is copied out, so a parked task costs only the bytes it actually used.
  /// RULE: never let another task (or a thread, or the kernel through asynchronous I/O) use a
  /// pointer or reference to an object on a compact task's stack while that task is switched out:
  /// the bytes at that address then belong to whichever compact task runs. Pass values through
  /// messages or heap objects instead. Pointers into a task's own stack used by the task itself
  /// are fine.
  /// Windows: not available (tasks run on Windows fibers, which own their stacks); compact tasks
  /// get a dedicated stack there, so the rule above still holds but saves no memory.
  compact,
};

/// Per-task settings for Scheduler::spawn(); defaults come from the scheduler.
struct TaskOptions {
  std::string name = "task";                ///< Printed as `name/id`.
  std::optional<StackMode> stack_mode;      ///< Scheduler default when unset.
  std::size_t stack_size = 0;               ///< Dedicated stack size in bytes; 0 = scheduler default.
  bool daemon = false;                      ///< Daemon tasks do not keep join()/run() waiting.
};

/// Outcome of Task::deliver() (pycos's 1 / 0 / -1).
enum class Delivery : int { invalid = -1, timed_out = 0, delivered = 1 };

namespace detail {
struct TaskControl;
void retain(TaskControl* control) noexcept;
void release(TaskControl* control) noexcept;
}  // namespace detail

/// A handle to a task. Copying a handle is cheap (a reference count); the task itself lives until
/// it ends and its result lives until the last handle goes. A default-constructed Task refers to no
/// task. Every member may be called from any thread unless it says otherwise; calls made from a
/// thread other than the task's scheduler thread are queued to that scheduler and take effect
/// there in order.
class Task {
 public:
  /// A handle to no task.
  Task() noexcept = default;
  Task(const Task& other) noexcept : control_(other.control_) {
    if (control_) detail::retain(control_);
  }
  Task(Task&& other) noexcept : control_(std::exchange(other.control_, nullptr)) {}
  Task& operator=(Task other) noexcept {
    std::swap(control_, other.control_);
    return *this;
  }
  ~Task() {
    if (control_) detail::release(control_);
  }

  /// True when the handle refers to a task.
  [[nodiscard]] bool valid() const noexcept { return control_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  /// Process-unique id (never reused). 0 for an empty handle.
  [[nodiscard]] std::uint64_t id() const noexcept;
  /// The task's name (a copy; hot swap may rename the task). Empty for an empty handle.
  [[nodiscard]] std::string name() const;
  /// `name/id`, as pycos prints tasks.
  [[nodiscard]] std::string to_string() const;

  /// True while the task has not ended. Never blocks.
  [[nodiscard]] bool is_alive() const noexcept;

  /// Wakes the task if it is in this_task::suspend()/sleep(); that call returns `value`.
  /// A task that is alive but not suspended is left alone (a warning is logged). Never blocks.
  /// Returns false when the handle is empty or the task has ended (from another thread: false only
  /// when the task had already ended when the request was queued).
  bool resume(Message value = {}) const;

  /// Queues `message` in the task's mailbox (FIFO per sender), waking it if it is in
  /// this_task::receive(). Messages never wake a suspended task. Never blocks.
  /// Returns false when the task has ended (the message is dropped).
  bool send(Message message) const;

  /// Like send() but reports the outcome; for a local task it never waits (Delivery::delivered or
  /// Delivery::invalid). Remote tasks (distributed module) wait up to `timeout` for the
  /// acknowledgement. [B] for remote tasks.
  Delivery deliver(Message message, Timeout timeout = {}) const;

  /// Makes the task throw `error` at the point where it is (or next gets) suspended; a waiting task
  /// is woken for it. Returns false when the task has ended or is the caller itself. Never blocks.
  bool raise(std::exception_ptr error) const;
  /// Convenience: raise(std::make_exception_ptr(error)).
  template <class E>
  bool raise(E error) const {
    return raise(std::make_exception_ptr(std::move(error)));
  }

  /// Ends the task by unwinding its stack with TaskTerminateUnwind from its suspension point, so
  /// destructors run. A running task is unwound at its next switch; a task that never ran just
  /// ends. Monitors learn it was terminated. Returns false if the task had already ended. Never
  /// blocks. Calling it on the current task ends the current task at its next blocking call.
  bool terminate() const;

  /// [T] From a plain thread: waits up to `timeout` for the task to end and returns its return
  /// value (an empty Message for void). Rethrows the task's exception if it failed; throws
  /// TaskTerminatedError if it was terminated; throws std::system_error(std::errc::timed_out) on
  /// timeout. Throws WrongContext when called from inside a task (use finish() there).
  Message value(Timeout timeout = {}) const;

  /// [B] From inside a task: like value(), but suspends only the calling task. Throws WrongContext
  /// from a plain thread. Works for tasks of other schedulers too.
  Message finish(Timeout timeout = {}) const;

  /// Makes *this a monitor of `other`: when `other` ends, *this receives a MonitorStatus message.
  /// Many-to-many. Returns false if either task has ended. Never blocks. For a task of another
  /// scheduler the request reaches it later: if it ends first, *this still receives its
  /// MonitorStatus (without a value that cannot be copied when earlier monitors took that one).
  bool monitor(const Task& other) const;
  /// The reverse of monitor(): `monitor` is told when *this ends.
  bool notify(const Task& monitor) const { return monitor.monitor(*this); }

  friend bool operator==(const Task& a, const Task& b) noexcept { return a.control_ == b.control_; }

  /// For the library's own modules: the control block (nullptr for an empty handle).
  [[nodiscard]] detail::TaskControl* control() const noexcept { return control_; }
  /// For the library's own modules: adopts one reference to `control`.
  [[nodiscard]] static Task adopt(detail::TaskControl* control) noexcept {
    Task t;
    t.control_ = control;
    return t;
  }

 private:
  detail::TaskControl* control_ = nullptr;
};

/// Writes `name/id` (or `<no task>`).
std::ostream& operator<<(std::ostream& out, const Task& task);

/// The message a monitor receives when a task it monitors ends.
struct MonitorStatus {
  enum class Kind : std::uint8_t {
    finished,    ///< returned normally; `value` holds the return value
    failed,      ///< an exception escaped; error_type / error_message describe it
    terminated,  ///< Task::terminate() or scheduler shutdown ended it
  };
  Task task;                  ///< the task that ended
  Kind kind = Kind::finished;
  Message value;              ///< return value (finished) — empty otherwise
  std::string error_type;     ///< exception type name (failed)
  std::string error_message;  ///< what() of the exception (failed)
  std::exception_ptr error;   ///< the exception itself (failed; local monitors only)
};

/// "finished", "failed" or "terminated".
[[nodiscard]] const char* to_string(MonitorStatus::Kind kind) noexcept;

}  // namespace picos

template <>
struct std::hash<picos::Task> {
  std::size_t operator()(const picos::Task& task) const noexcept {
    return std::hash<const void*>{}(task.control());
  }
};
