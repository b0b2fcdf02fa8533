#pragma once
/// @file thread_pool.hpp
/// picos::ThreadPool: runs blocking callables on pool threads while only the calling task waits
/// (pycos AsyncThreadPool).

#include <picos/task.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace picos {

namespace detail {
class SchedulerCore;
class PoolQueue;

/// A move-only job for a pool thread.
class PoolWork {
 public:
  virtual ~PoolWork() = default;
  virtual void run() noexcept = 0;                      ///< runs the callable, records its outcome
  virtual void cancel(std::exception_ptr why) noexcept = 0;  ///< records `why` instead of running
};

/// The outcome a waiter and a pool thread share.
template <class R>
struct PoolResult {
  std::exception_ptr error;
  std::optional<R> value;
};
template <>
struct PoolResult<void> {
  std::exception_ptr error;
};

template <class R, class F>
class TypedWork final : public PoolWork {
 public:
  TypedWork(std::shared_ptr<PoolResult<R>> result, F fn) : result_(std::move(result)), fn_(std::move(fn)) {}
  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<R>) {
        fn_();
      } else {
        result_->value.emplace(fn_());
      }
    } catch (...) {
      result_->error = std::current_exception();
    }
  }
  void cancel(std::exception_ptr why) noexcept override { result_->error = std::move(why); }

 private:
  std::shared_ptr<PoolResult<R>> result_;
  F fn_;
};
}  // namespace detail

/// A fixed set of threads that run blocking callables (file I/O, getaddrinfo, CPU work, reading a
/// terminal...) for tasks. Jobs run in FIFO order when every thread is busy. Thread-safe.
class ThreadPool {
 public:
  /// Starts `threads` threads (0: std::thread::hardware_concurrency(), at least 2).
  /// Throws std::system_error when a thread cannot be started.
  explicit ThreadPool(std::size_t threads = 0);
  /// join(): waits for the queued jobs, then stops the threads. Must not be called from a task
  /// that still has to wait for this pool.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// The process-wide pool used by picos itself (name resolution, regular files without
  /// io_uring). Created on first use; never destroyed.
  static ThreadPool& shared();

  /// [B] From a task: runs `fn(args...)` (arguments are decayed and moved into the job) on a pool
  /// thread; only the calling task waits. Returns the result or rethrows the callable's exception.
  /// From a plain thread it blocks that thread the same way. Throws std::system_error
  /// (operation_canceled) when the pool was joined or terminated before the job ran.
  /// RULE: a job of a compact-stack task must not use references into that task's stack.
  template <class F, class... Args>
  auto run(F&& fn, Args&&... args) {
    using R = std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>;
    auto result = std::make_shared<detail::PoolResult<R>>();
    auto call = [fn = std::forward<F>(fn), bound = std::make_tuple(std::forward<Args>(args)...)]() mutable {
      return std::apply(fn, bound);
    };
    submit_and_wait(std::make_unique<detail::TypedWork<R, decltype(call)>>(result, std::move(call)));
    if (result->error) std::rethrow_exception(result->error);
    if constexpr (!std::is_void_v<R>) return std::move(*result->value);
  }

  /// [T] Stops accepting jobs, waits until the queued and running ones finish, stops the threads.
  /// Idempotent. Throws WrongContext from inside a task.
  void join();
  /// [T] Stops accepting jobs, drops the queued ones (their callers get operation_canceled), waits
  /// for the running ones, stops the threads. Throws WrongContext from inside a task.
  void terminate();

  /// Number of threads.
  [[nodiscard]] std::size_t size() const noexcept;

 private:
  void submit_and_wait(std::unique_ptr<detail::PoolWork> work);
  std::shared_ptr<detail::PoolQueue> queue_;
};

}  // namespace picos
