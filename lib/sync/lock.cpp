// Lock and RLock: FIFO hand-off locks for the tasks of one scheduler.
#include "sync/wait_list.hpp"

namespace picos {
namespace detail {

bool OwnedLock::acquire(const char* call, Timeout timeout) {
  TaskControl& self = waiters.caller(call, owner != nullptr);
  if (owner == nullptr) {
    owner = &self;
    owner_handle = handle_of(&self);
    depth = 1;
    return true;
  }
  if (owner == &self) {
    if (reentrant) {
      ++depth;
      return true;
    }
    throw LockError(std::string("picos: ") + call + ": task " + task_label(&self) +
                    " already holds this Lock, which is not re-entrant (use RLock)");
  }
  if (is_poll(timeout)) return false;
  const std::int64_t deadline = deadline_after(timeout);
  try {
    while (true) {
      const WakeReason reason = waiters.park(deadline);
      if (owner == &self) return true;  // release() handed it over
      if (reason == WakeReason::timed_out || monotonic_expired(deadline)) return false;
    }
  } catch (...) {
    if (owner == &self) pass_on();  // handed over, then interrupted before it could run
    throw;
  }
}

void OwnedLock::pass_on() noexcept {
  TaskControl* next = waiters.queue.front();
  owner = next;
  depth = next != nullptr ? 1 : 0;
  owner_handle = next != nullptr ? handle_of(next) : Task{};
  if (next != nullptr) waiters.core->wake(next, WakeReason::signalled);
}

void OwnedLock::release(const char* call) {
  TaskControl& self = SchedulerCore::require_task(call);
  if (owner != &self) {
    misuse(std::string("picos: ") + call + ": task " + task_label(&self) + " does not hold the lock" +
           (owner != nullptr ? " (held by " + task_label(owner) + ")" : " (it is not locked)"));
    return;
  }
  if (--depth == 0) pass_on();
}

std::size_t OwnedLock::release_all(TaskControl& self) {
  (void)self;
  const std::size_t held = depth;
  depth = 0;
  pass_on();
  return held;
}

void OwnedLock::restore(TaskControl& self, std::size_t held) {
  // Blocks without a limit, like std::condition_variable; only a terminate can make it fail.
  if (!acquire("Condition::wait()", Timeout{})) return;
  if (owner == &self) depth = held;
}

}  // namespace detail

Lock::Lock() : state_(std::make_unique<detail::OwnedLock>(false)) {}
Lock::~Lock() { state_->waiters.check_empty_at_destruction("picos::Lock"); }
bool Lock::acquire(Timeout timeout) { return state_->acquire("Lock::acquire()", timeout); }
void Lock::release() { state_->release("Lock::release()"); }
bool Lock::locked() const noexcept { return state_->owner != nullptr; }

RLock::RLock() : state_(std::make_unique<detail::OwnedLock>(true)) {}
RLock::~RLock() { state_->waiters.check_empty_at_destruction("picos::RLock"); }
bool RLock::acquire(Timeout timeout) { return state_->acquire("RLock::acquire()", timeout); }
void RLock::release() { state_->release("RLock::release()"); }
bool RLock::locked() const noexcept { return state_->owner != nullptr; }
std::size_t RLock::depth() const noexcept { return state_->depth; }

}  // namespace picos
