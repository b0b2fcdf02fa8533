// Semaphore and BoundedSemaphore: counters with FIFO hand-off.
#include "sync/wait_list.hpp"

#include <picos/semaphore.hpp>

namespace picos {

Semaphore::Semaphore(std::size_t value) : waiters_(std::make_unique<detail::WaitList>()), value_(value) {}
Semaphore::~Semaphore() { waiters_->check_empty_at_destruction("picos::Semaphore"); }

bool Semaphore::acquire(Timeout timeout) {
  detail::TaskControl& self = waiters_->caller("Semaphore::acquire()");
  if (value_ > 0) {
    --value_;
    return true;
  }
  if (detail::is_poll(timeout)) return false;
  const std::int64_t deadline = detail::deadline_after(timeout);
  self.wake_reason = detail::WakeReason::none;
  try {
    while (true) {
      const detail::WakeReason reason = waiters_->park(deadline);
      if (reason == detail::WakeReason::signalled) return true;  // release() handed a unit over
      if (reason == detail::WakeReason::timed_out || detail::monotonic_expired(deadline)) return false;
    }
  } catch (...) {
    if (self.wake_reason == detail::WakeReason::signalled) release();  // pass the unit on
    throw;
  }
}

void Semaphore::release() {
  if (waiters_->wake_oldest("Semaphore::release()") != nullptr) return;
  check_release();
  ++value_;
}

void BoundedSemaphore::check_release() const {
  if (value() >= limit_) {
    const detail::TaskControl* self = detail::SchedulerCore::current_task();
    detail::misuse("picos: BoundedSemaphore::release() by " + detail::task_label(self) +
                   ": released more often than acquired (limit " + std::to_string(limit_) + ")");
  }
}

}  // namespace picos
