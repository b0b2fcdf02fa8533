#pragma once
/// @file condition.hpp
/// picos::Condition: a condition variable with its own re-entrant lock, for the tasks of one
/// scheduler (see lock.hpp for the rules every primitive shares).

#include <picos/lock.hpp>
#include <picos/timeout.hpp>

#include <concepts>
#include <cstddef>
#include <memory>

namespace picos {

namespace detail {
struct WaitList;
}

/// Tasks wait() for a state change that another task announces with notify(). Like pycos's
/// Condition it owns a re-entrant lock (RLock) that must be held around wait() and notify();
/// unlike pycos, wait() always re-acquires it before returning, also after a timeout or an
/// exception (as std::condition_variable does).
class Condition {
 public:
  /// Throws std::bad_alloc.
  Condition();
  ~Condition();
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  /// [B] Takes the condition's lock; see RLock::acquire().
  bool acquire(Timeout timeout = {}) { return lock_.acquire(timeout); }
  /// Undoes one acquire(); see RLock::release().
  void release() { lock_.release(); }
  /// std::Lockable, so std::unique_lock<Condition> works.
  void lock() { lock_.lock(); }
  void unlock() { lock_.unlock(); }
  [[nodiscard]] bool try_lock() { return lock_.try_lock(); }

  /// [B] Releases the lock completely (whatever its depth), waits up to `timeout` for notify(),
  /// then re-acquires the lock at the same depth (waiting as long as that takes). Returns true
  /// when notified, false on timeout. Throws LockError when the caller does not hold the lock,
  /// WrongContext outside a task; an interrupting exception propagates after the lock is back.
  bool wait(Timeout timeout = {});

  /// [B] Waits until `predicate()` is true (checked with the lock held, before each wait) or the
  /// timeout expires; returns the last value of `predicate()`. Throws like wait().
  template <class Predicate>
    requires std::predicate<Predicate&>
  bool wait(Predicate predicate, Timeout timeout = {});

  /// Wakes up to `n` waiting tasks, oldest first; they return from wait() once they get the lock.
  /// Never blocks. Throws LockError when the caller does not hold the lock.
  void notify(std::size_t n = 1);
  /// Wakes every waiting task. Never blocks. Throws LockError when the caller does not hold the lock.
  void notify_all();

 private:
  [[nodiscard]] bool expired(std::int64_t deadline) const noexcept;
  [[nodiscard]] static std::int64_t deadline_of(Timeout timeout) noexcept;
  [[nodiscard]] static Timeout until(std::int64_t deadline) noexcept;

  RLock lock_;
  std::unique_ptr<detail::WaitList> waiters_;
};

template <class Predicate>
  requires std::predicate<Predicate&>
bool Condition::wait(Predicate predicate, Timeout timeout) {
  const std::int64_t deadline = deadline_of(timeout);
  while (!predicate()) {
    if (expired(deadline)) return predicate();
    (void)wait(until(deadline));
  }
  return true;
}

}  // namespace picos
