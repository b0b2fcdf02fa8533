// Event: a flag with waiting tasks.
#include "sync/wait_list.hpp"

#include <picos/event.hpp>

namespace picos {

Event::Event() : waiters_(std::make_unique<detail::WaitList>()) {}
Event::~Event() { waiters_->check_empty_at_destruction("picos::Event"); }

void Event::set() {
  flag_ = true;
  while (waiters_->wake_oldest("Event::set()") != nullptr) {
  }
}

void Event::clear() noexcept { flag_ = false; }

bool Event::is_set() const noexcept { return flag_; }

bool Event::wait(Timeout timeout) {
  (void)waiters_->caller("Event::wait()");
  if (flag_) return true;
  if (detail::is_poll(timeout)) return false;
  const std::int64_t deadline = detail::deadline_after(timeout);
  while (true) {
    const detail::WakeReason reason = waiters_->park(deadline);
    if (reason == detail::WakeReason::signalled) return true;
    if (flag_) return true;
    if (reason == detail::WakeReason::timed_out || detail::monotonic_expired(deadline)) return false;
  }
}

}  // namespace picos
