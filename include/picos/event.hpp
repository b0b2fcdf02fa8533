#pragma once
/// @file event.hpp
/// picos::Event: a flag tasks can wait for (see lock.hpp for the rules every primitive shares).

#include <picos/timeout.hpp>

#include <memory>

namespace picos {

namespace detail {
struct WaitList;
}

/// Starts clear; set() wakes every waiting task and lets later wait() calls return at once until
/// clear(). set(), clear() and is_set() may be called from a task or from the scheduler's own
/// thread, but are not thread-safe.
class Event {
 public:
  /// A clear event. Throws std::bad_alloc.
  Event();
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// Sets the flag and wakes all waiting tasks. Never blocks. Throws WrongContext when tasks wait
  /// and the caller is not on their scheduler's thread.
  void set();
  /// Clears the flag. Never blocks or throws.
  void clear() noexcept;
  /// The flag. Never blocks or throws.
  [[nodiscard]] bool is_set() const noexcept;

  /// [B] Returns true at once when set; else waits up to `timeout` (zero: do not wait) for set().
  /// Returns true when set() woke it (even if clear() followed), false on timeout. Throws
  /// WrongContext outside a task or for a task of another scheduler.
  bool wait(Timeout timeout = {});

 private:
  std::unique_ptr<detail::WaitList> waiters_;
  bool flag_ = false;
};

}  // namespace picos
