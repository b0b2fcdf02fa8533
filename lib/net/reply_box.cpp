// ReplyBox: a request's caller waits here for the frames the network thread reads for it.
// Before, a helper task on the network scheduler collected the replies and the caller joined it:
// each request then cost a cross-thread spawn and a cross-thread join, where this box costs one
// wake-up of the caller's scheduler, posted only while the caller is actually parked.
#include "net/reply_box.hpp"

#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>

namespace picos::detail {

std::shared_ptr<ReplyBox> ReplyBox::for_caller() {
  TaskControl* self = SchedulerCore::current_task();
  if (self == nullptr) return std::make_shared<ReplyBox>(nullptr, Task());
  return std::make_shared<ReplyBox>(self->core, handle_of(self));
}

void ReplyBox::put(net::Frame frame) {
  std::uint32_t wake_seq = 0;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    replies_.push_back(std::move(frame));
    if (core_ == nullptr) {
      arrived_.notify_one();
      return;
    }
    wake = std::exchange(parked_, false);
    wake_seq = wait_seq_;
  }
  if (!wake) return;
  try {
    core_->run_or_post([box = shared_from_this(), wake_seq] {
      box->core_->wake_if(box->waiter_.control(), wake_seq, WakeReason::signalled);
    });
  } catch (const SchedulerStopped&) {
    // the waiting task has been unwound with its scheduler
  }
}

std::optional<net::Frame> ReplyBox::take(std::chrono::steady_clock::time_point deadline) {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!replies_.empty()) {
      net::Frame reply = std::move(replies_.front());
      replies_.pop_front();
      return reply;
    }
    const auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    if (core_ == nullptr) {
      if (deadline == Clock::time_point::max()) {
        arrived_.wait(lock);
      } else {
        arrived_.wait_until(lock, deadline);
      }
      continue;
    }
    TaskControl* self = waiter_.control();
    parked_ = true;
    wait_seq_ = self->wait_seq + 1;
    lock.unlock();
    const std::int64_t park_deadline =
        deadline == Clock::time_point::max() ? no_deadline : monotonic_now() + std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now).count();
    // A wake-up posted by put() runs on this task's own thread, so it cannot arrive before the
    // task is parked; a stale one (an earlier wait's) is ignored by its sequence number.
    (void)core_->park(WaitKind::io, park_deadline);
    lock.lock();
    parked_ = false;
  }
}

}  // namespace picos::detail
