#pragma once
// The poller contract between the scheduler and an I/O backend.
//
// A Poller belongs to one scheduler and, except for wake(), is used only on that scheduler's
// thread. The scheduler calls poll() once per loop pass with the time until its next timer (0 when
// tasks are ready, negative when it has nothing to do but wait). poll() returns when an I/O event
// or completion arrived (it has made the waiting tasks ready through SchedulerCore::wake()), when
// the timeout passed, or when wake() was called from any thread.

#include <cstdint>
#include <memory>
#include <string_view>

namespace picos::detail {

class SchedulerCore;

class Poller {
 public:
  Poller() = default;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  virtual ~Poller() = default;

  // The backend's name as used by PICOS_POLLER ("epoll", "poll", ...).
  [[nodiscard]] virtual const char* name() const noexcept = 0;
  // Waits up to timeout_ns (negative: no limit; 0: only collect what is ready).
  virtual void poll(std::int64_t timeout_ns) = 0;
  // Makes the current or next poll() return promptly. Thread-safe; never throws.
  virtual void wake() noexcept = 0;
  // True when no I/O operation is pending, so poll(0) can be skipped.
  [[nodiscard]] virtual bool idle() const noexcept = 0;
};

// Creates the backend called `name`, or when it is empty the one named by PICOS_POLLER, else the
// best available one. Throws std::invalid_argument naming the available backends for an unknown
// or unavailable name, std::system_error when the kernel refuses the backend's resources.
[[nodiscard]] std::unique_ptr<Poller> make_poller(SchedulerCore& core, std::string_view name);

}  // namespace picos::detail
