#pragma once
/// @file semaphore.hpp
/// picos::Semaphore and picos::BoundedSemaphore: counters tasks take from and give back to (see
/// lock.hpp for the rules every primitive shares).

#include <picos/timeout.hpp>

#include <cstddef>
#include <memory>

namespace picos {

namespace detail {
struct WaitList;
}

/// A counter: acquire() takes one unit, waiting while there is none; release() gives one back,
/// handing it directly to the oldest waiting task (first come, first served). Unlike a lock,
/// any task may release. Also std::Lockable (lock/unlock/try_lock).
class Semaphore {
 public:
  /// Starts with `value` units (pycos requires at least 1; 0 is allowed here). Throws std::bad_alloc.
  explicit Semaphore(std::size_t value = 1);
  virtual ~Semaphore();
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  /// [B] Takes a unit, waiting up to `timeout` (zero: do not wait). Returns false on timeout.
  /// Throws WrongContext outside a task or for a task of another scheduler, and what an
  /// interrupted wait throws (a unit handed over meanwhile is passed on, not lost).
  bool acquire(Timeout timeout = {});
  /// Gives a unit back. Never blocks. Throws WrongContext when tasks wait and the caller is not on
  /// their scheduler's thread; BoundedSemaphore throws LockError when over-released.
  void release();
  /// Units available now. Never blocks or throws.
  [[nodiscard]] std::size_t value() const noexcept { return value_; }

  /// std::Lockable.
  void lock() { (void)acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return acquire(Timeout(std::chrono::nanoseconds(0))); }

 protected:
  // Called by release() before a unit goes back to the counter (no task waits).
  virtual void check_release() const {}

 private:
  std::unique_ptr<detail::WaitList> waiters_;
  std::size_t value_;
};

/// A Semaphore that refuses to be released more often than acquired: release() when the counter
/// is back at its initial value throws LockError.
class BoundedSemaphore final : public Semaphore {
 public:
  explicit BoundedSemaphore(std::size_t value = 1) : Semaphore(value), limit_(value) {}

 protected:
  void check_release() const override;

 private:
  std::size_t limit_;
};

}  // namespace picos
