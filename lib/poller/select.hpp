#pragma once
// select(2) readiness backend (portable fallback): level-triggered, limited to fds below
// FD_SETSIZE; waiting on a larger fd fails with a std::system_error (EINVAL) saying so.

#include "poller/readiness_poller.hpp"

namespace picos::detail {

class SelectPoller final : public ReadinessPoller {
 public:
  explicit SelectPoller(SchedulerCore& core);
  [[nodiscard]] const char* name() const noexcept override { return "select"; }
  void poll(std::int64_t timeout_ns) override;

 private:
  bool arm(IoHandle& handle) override;
  void disarm(IoHandle& handle) noexcept override { remove_armed(handle); }
};

}  // namespace picos::detail
