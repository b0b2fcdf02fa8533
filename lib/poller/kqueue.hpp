#pragma once
// kqueue readiness backend (FreeBSD, macOS and the other BSDs). Each fd gets an EVFILT_READ and an
// EVFILT_WRITE filter (EV_CLEAR) when a task first waits on it; both are deleted when its handle is
// released. wake() triggers an EVFILT_USER event, so the eventfd of the base class stays unused.

#include "poller/readiness_poller.hpp"

namespace picos::detail {

class KqueuePoller final : public ReadinessPoller {
 public:
  explicit KqueuePoller(SchedulerCore& core);  // throws std::system_error
  ~KqueuePoller() override;
  [[nodiscard]] const char* name() const noexcept override { return "kqueue"; }
  void poll(std::int64_t timeout_ns) override;
  void wake() noexcept override;

 private:
  bool arm(IoHandle& handle) override;
  void disarm(IoHandle&) noexcept override {}  // stays registered until released
  void release(IoHandle& handle) noexcept override;

  int kqueue_fd_ = -1;
};

}  // namespace picos::detail
