#pragma once
/// @file scheduler.hpp
/// picos::Scheduler: runs tasks, timers and I/O on one thread; spawn() creates tasks.

#include <picos/task.hpp>
#include <picos/timeout.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

namespace picos {

/// Settings of a scheduler.
struct SchedulerOptions {
  /// Size of each dedicated stack in bytes (rounded up to whole pages). Only the pages a task
  /// touches cost memory. Overridable per task with TaskOptions::stack_size.
  std::size_t stack_size = 64 * 1024;
  /// Stack mode of tasks that do not choose one in TaskOptions.
  StackMode stack_mode = StackMode::dedicated;
  /// Size of the shared stack on which compact tasks run (bytes).
  std::size_t compact_stack_size = 256 * 1024;
  /// Poller backend name ("epoll", "poll", "select", "io_uring" on Linux, "kqueue" on BSD/macOS,
  /// "iocp", "select" on Windows); empty = the PICOS_POLLER environment variable, else the best
  /// available (epoll on Linux, iocp on Windows). An unknown or unavailable name makes the
  /// Scheduler constructor throw std::invalid_argument listing the available ones.
  std::string poller;
};

namespace detail {
class SchedulerCore;

/// Type-erased body of a task.
class Runnable {
 public:
  Runnable() = default;
  Runnable(const Runnable&) = delete;
  Runnable& operator=(const Runnable&) = delete;
  virtual ~Runnable() = default;
  virtual Message run() = 0;
};

template <class F, class... Args>
class BoundRunnable final : public Runnable {
 public:
  template <class G, class... A>
  explicit BoundRunnable(G&& fn, A&&... args) : fn_(std::forward<G>(fn)), args_(std::forward<A>(args)...) {}
  Message run() override {
    using Result = std::invoke_result_t<F&, Args&...>;
    if constexpr (std::is_void_v<Result>) {
      std::apply(fn_, args_);
      return Message{};
    } else {
      return Message(std::apply(fn_, args_));
    }
  }

 private:
  F fn_;
  std::tuple<Args...> args_;
};

/// How the core builds a task body in memory it chooses (on the task's stack or the heap).
struct RunnableRecipe {
  std::size_t size;
  std::size_t align;
  Runnable* (*construct)(void* where, void* context);
  void* context;
};

template <class F, class... Args>
RunnableRecipe make_recipe(std::tuple<F&&, Args&&...>& refs) {
  using R = BoundRunnable<std::decay_t<F>, std::decay_t<Args>...>;
  return RunnableRecipe{sizeof(R), alignof(R),
                        [](void* where, void* context) -> Runnable* {
                          auto& bound = *static_cast<std::tuple<F&&, Args&&...>*>(context);
                          return std::apply(
                              [where](auto&&... parts) {
                                return ::new (where) R(std::forward<decltype(parts)>(parts)...);
                              },
                              std::move(bound));
                        },
                        &refs};
}

/// Creates a task on `scheduler` (nullptr: the current scheduler, see picos::spawn()).
Task spawn_task(Scheduler* scheduler, TaskOptions options, const RunnableRecipe& recipe);
}  // namespace detail

/// Runs tasks. Only one task of a scheduler runs at a time and switches happen only at blocking
/// calls, so tasks of one scheduler never need locks against each other.
///
/// Two ways to use one:
/// - The default scheduler, Scheduler::instance(): created on first use, it runs its loop on its
///   own thread (pycos semantics); the main thread spawns tasks and waits with Task::value(),
///   join() or finish().
/// - An explicit `Scheduler s(options)`: its loop runs on the thread that calls run() (embedding,
///   benchmarks). Destroying it terminates (unwinds) the tasks still alive.
/// Cross-thread entry points (spawn, Task::send/resume/raise/terminate) are safe from any thread.
class Scheduler {
 public:
  /// A scheduler whose loop runs on the thread calling run(). Throws std::system_error when the
  /// poller cannot be created, std::invalid_argument for an unknown poller name.
  explicit Scheduler(SchedulerOptions options = {});
  /// Terminates (unwinds) the tasks still alive, then frees everything. Must not be called from
  /// one of its own tasks.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// The default scheduler, created (with its own loop thread) on first use, also after an earlier
  /// one was finished or terminated. Thread-safe.
  static Scheduler& instance();

  /// The scheduler of the calling task, else the one whose loop runs on this thread, else
  /// instance().
  static Scheduler& current();

  /// Creates a task running `fn(args...)` (arguments are decayed and moved/copied into the task)
  /// and makes it ready at once. Returns its handle. Never blocks. Thread-safe.
  /// Throws std::bad_alloc when no stack or memory is left, SchedulerStopped after finish().
  template <class F, class... Args>
    requires std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>
  Task spawn(F&& fn, Args&&... args) {
    return spawn(TaskOptions{}, std::forward<F>(fn), std::forward<Args>(args)...);
  }
  /// Same, with per-task options (name, stack mode and size, daemon).
  template <class F, class... Args>
    requires std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>
  Task spawn(TaskOptions options, F&& fn, Args&&... args) {
    std::tuple<F&&, Args&&...> refs(std::forward<F>(fn), std::forward<Args>(args)...);
    return detail::spawn_task(this, std::move(options), detail::make_recipe<F, Args...>(refs));
  }

  /// [T] Runs the loop on the calling thread until no non-daemon task is left. Only for schedulers
  /// made with the constructor (instance() runs its own thread). May be called again later.
  /// Throws WrongContext from inside a task or on instance().
  void run();

  /// [T] Waits up to `timeout` until only daemon tasks remain; true if so, false on timeout.
  /// Throws WrongContext when called from inside a task.
  bool join(Timeout timeout = {});

  /// [T] Waits for the non-daemon tasks, runs the atexit() callbacks (highest priority first,
  /// equal priorities in registration order) on the calling thread, terminates the remaining
  /// (daemon) tasks, and stops. On instance() the next use creates a new default scheduler.
  /// Throws WrongContext from inside a task.
  void finish();

  /// [T] Like finish() without waiting: runs the atexit() callbacks and unwinds every task.
  void terminate();

  /// Registers `callback` to run during finish()/terminate(). Returns an id for drop_atexit().
  /// Thread-safe.
  std::size_t atexit(int priority, std::function<void()> callback);
  /// Removes a callback registered with atexit(); false if unknown.
  bool drop_atexit(std::size_t id);

  /// Number of tasks alive (all kinds). Thread-safe snapshot.
  [[nodiscard]] std::size_t task_count() const noexcept;
  /// Name of the poller backend in use.
  [[nodiscard]] const char* poller_name() const noexcept;

  /// For the library's own modules.
  [[nodiscard]] detail::SchedulerCore& core() noexcept { return *core_; }

 private:
  struct Control;
  Scheduler(SchedulerOptions options, bool own_thread);
  void check_thread_call(const char* call) const;
  void run_atexit_callbacks();
  void stop();
  std::unique_ptr<detail::SchedulerCore> core_;
  std::unique_ptr<Control> control_;
};

/// Spawns on Scheduler::current(): the calling task's scheduler, else the scheduler running on
/// this thread, else the default one (created and started on first use).
template <class F, class... Args>
  requires std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>
Task spawn(F&& fn, Args&&... args) {
  return Scheduler::current().spawn(std::forward<F>(fn), std::forward<Args>(args)...);
}
/// Same, with per-task options.
template <class F, class... Args>
  requires std::invocable<std::decay_t<F>&, std::decay_t<Args>&...>
Task spawn(TaskOptions options, F&& fn, Args&&... args) {
  return Scheduler::current().spawn(std::move(options), std::forward<F>(fn), std::forward<Args>(args)...);
}

}  // namespace picos
