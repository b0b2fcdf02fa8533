#pragma once
// epoll readiness backend (Linux). Each fd is added once, edge-triggered for both directions, when
// a task first waits on it, and removed when its handle is released.

#include "poller/readiness_poller.hpp"

namespace picos::detail {

class EpollPoller final : public ReadinessPoller {
 public:
  explicit EpollPoller(SchedulerCore& core);
  ~EpollPoller() override;
  [[nodiscard]] const char* name() const noexcept override { return "epoll"; }
  void poll(std::int64_t timeout_ns) override;

 private:
  bool arm(IoHandle& handle) override;
  void disarm(IoHandle& handle) noexcept override;
  void release(IoHandle& handle) noexcept override;

  int epoll_fd_ = -1;
};

}  // namespace picos::detail
