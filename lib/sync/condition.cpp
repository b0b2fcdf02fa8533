// Condition: wait/notify with an owned re-entrant lock.
#include "sync/wait_list.hpp"

#include <picos/condition.hpp>

namespace picos {

Condition::Condition() : waiters_(std::make_unique<detail::WaitList>()) {}
Condition::~Condition() { waiters_->check_empty_at_destruction("picos::Condition"); }

bool Condition::wait(Timeout timeout) {
  detail::OwnedLock& lock = *lock_.state_;
  detail::TaskControl& self = waiters_->caller("Condition::wait()");
  if (lock.owner != &self) {
    throw LockError("picos: Condition::wait(): task " + detail::task_label(&self) +
                    " does not hold the condition's lock");
  }
  const std::size_t depth = lock.release_all(self);
  bool notified = false;
  try {
    if (!detail::is_poll(timeout)) {
      const std::int64_t deadline = detail::deadline_after(timeout);
      notified = waiters_->park(deadline) == detail::WakeReason::signalled;
    }
  } catch (...) {
    lock.restore(self, depth);
    throw;
  }
  lock.restore(self, depth);
  return notified;
}

void Condition::notify(std::size_t n) {
  detail::TaskControl& self = detail::SchedulerCore::require_task("Condition::notify()");
  if (lock_.state_->owner != &self) {
    throw LockError("picos: Condition::notify(): task " + detail::task_label(&self) +
                    " does not hold the condition's lock");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (waiters_->wake_oldest("Condition::notify()") == nullptr) break;
  }
}

void Condition::notify_all() { notify(static_cast<std::size_t>(-1)); }

bool Condition::expired(std::int64_t deadline) const noexcept { return detail::monotonic_expired(deadline); }

std::int64_t Condition::deadline_of(Timeout timeout) noexcept { return detail::deadline_after(timeout); }

Timeout Condition::until(std::int64_t deadline) noexcept {
  if (deadline == detail::no_deadline) return Timeout{};
  const std::int64_t left = deadline - detail::monotonic_now();
  return Timeout(std::chrono::nanoseconds(left > 0 ? left : 0));
}

}  // namespace picos
