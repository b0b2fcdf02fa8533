#pragma once
// poll(2) readiness backend (POSIX): level-triggered; the fds that tasks wait on are collected
// into one pollfd array per poll() call.

#include "poller/readiness_poller.hpp"

#include <poll.h>

#include <vector>

namespace picos::detail {

class PollPoller final : public ReadinessPoller {
 public:
  explicit PollPoller(SchedulerCore& core) : ReadinessPoller(core) {}
  [[nodiscard]] const char* name() const noexcept override { return "poll"; }
  void poll(std::int64_t timeout_ns) override;

 private:
  bool arm(IoHandle& handle) override;
  void disarm(IoHandle& handle) noexcept override { remove_armed(handle); }

  std::vector<pollfd> entries_;
};

}  // namespace picos::detail
