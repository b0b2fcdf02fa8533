#pragma once
/// @file lock.hpp
/// picos::Lock and picos::RLock: mutual exclusion between the tasks of one scheduler.
///
/// Tasks of one scheduler only switch at blocking calls, so they need a lock only around code that
/// blocks while shared state is inconsistent. These locks are NOT for threads: every call must be
/// made from inside a task (WrongContext otherwise), and all tasks using one lock must belong to
/// one scheduler (WrongContext otherwise). Waiters are served first come, first served: release()
/// hands the lock to the oldest waiter. Both meet the standard Lockable requirements, so
/// std::lock_guard / std::unique_lock / std::scoped_lock work with them (and block only the task).
/// A lock must outlive the waits on it; do not keep one on a compact task's stack while other
/// tasks use it.

#include <picos/timeout.hpp>

#include <cstddef>
#include <memory>
#include <stdexcept>

namespace picos {

/// Misuse of a synchronization primitive: releasing a lock the task does not hold, re-acquiring a
/// non-re-entrant Lock, waiting on a Condition without its lock, over-releasing a
/// BoundedSemaphore. The message names the task involved.
class LockError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
struct OwnedLock;
}

/// A non-re-entrant lock owned by one task at a time.
class Lock {
 public:
  /// An unlocked lock. Throws std::bad_alloc.
  Lock();
  ~Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  /// [B] Takes the lock, waiting up to `timeout` (zero: do not wait, like pycos's
  /// blocking=False). Returns true when taken, false on timeout. Throws LockError when the
  /// calling task already holds it (a self-deadlock), WrongContext outside a task or from a task
  /// of another scheduler, and what an interrupted wait throws (Task::raise(), terminate).
  bool acquire(Timeout timeout = {});

  /// Releases the lock, handing it to the oldest waiting task. Never blocks. Throws LockError
  /// naming both tasks when the caller does not hold it (logged instead of thrown while the caller
  /// is unwinding from an exception, so destructors never throw).
  void release();

  /// True while some task holds the lock. Never blocks or throws.
  [[nodiscard]] bool locked() const noexcept;

  /// std::Lockable: acquire() without a limit / release() / acquire(zero timeout).
  void lock() { (void)acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return acquire(Timeout(std::chrono::nanoseconds(0))); }

 private:
  std::unique_ptr<detail::OwnedLock> state_;
};

/// A re-entrant lock: the owning task may acquire it again; it is released when release() was
/// called as often as acquire().
class RLock {
 public:
  /// An unlocked lock. Throws std::bad_alloc.
  RLock();
  ~RLock();
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  /// [B] Takes the lock (or deepens the calling owner's hold), waiting up to `timeout`. Returns
  /// false on timeout. Throws WrongContext outside a task or from another scheduler's task.
  bool acquire(Timeout timeout = {});

  /// Undoes one acquire(); the last one hands the lock to the oldest waiter. Never blocks.
  /// Throws LockError when the caller does not hold the lock (logged while unwinding).
  void release();

  /// True while some task holds the lock. Never blocks or throws.
  [[nodiscard]] bool locked() const noexcept;
  /// How many times the owner holds it (0 when unlocked). Never blocks or throws.
  [[nodiscard]] std::size_t depth() const noexcept;

  /// std::Lockable.
  void lock() { (void)acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return acquire(Timeout(std::chrono::nanoseconds(0))); }

 private:
  friend class Condition;
  std::unique_ptr<detail::OwnedLock> state_;
};

}  // namespace picos
