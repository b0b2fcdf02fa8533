#pragma once
// epoll readiness backend (Linux).

#include "poller/poller.hpp"

namespace picos::detail {

class EpollPoller final : public Poller {
 public:
  explicit EpollPoller(SchedulerCore& core);
  ~EpollPoller() override;
  [[nodiscard]] const char* name() const noexcept override { return "epoll"; }
  void poll(std::int64_t timeout_ns) override;
  void wake() noexcept override;
  [[nodiscard]] bool idle() const noexcept override { return true; }

 private:
  SchedulerCore& core_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
};

}  // namespace picos::detail
