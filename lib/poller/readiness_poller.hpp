#pragma once
// Base of the readiness backends (epoll, kqueue, poll, select): parks tasks in the handle's
// reader/writer queues and runs the shared operation implementation (readiness_ops). A backend
// only says how to watch a handle (arm/disarm) and calls dispatch() for ready fds from its poll().

#include "poller/io_handle.hpp"
#include "poller/poller.hpp"
#include "poller/wake_fd.hpp"

#include <vector>

namespace picos::detail {

class ReadinessPoller : public Poller {
 public:
  explicit ReadinessPoller(SchedulerCore& core) : core_(core) {}

  void wake() noexcept override { wake_fd_.signal(); }
  [[nodiscard]] bool idle() const noexcept override { return parked_ == 0; }

  void wait(IoHandle& handle, Interest interest, std::int64_t deadline) override;
  std::size_t read(IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) override;
  std::size_t write(IoHandle& handle, const void* data, std::size_t size, std::int64_t deadline) override;
  int accept(IoHandle& handle, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) override;
  void connect(IoHandle& handle, const sockaddr* address, socklen_t length, std::int64_t deadline) override;
  std::size_t send_to(IoHandle& handle, const void* data, std::size_t size, const sockaddr* address,
                      socklen_t length, std::int64_t deadline) override;
  std::size_t recv_from(IoHandle& handle, void* data, std::size_t size, sockaddr_storage* peer,
                        socklen_t* length, std::int64_t deadline) override;
  void release(IoHandle& handle) noexcept override;

 protected:
  // Starts watching `handle` before a task parks on it; false when the fd cannot be watched
  // (a regular file: it is always ready). May throw std::system_error.
  virtual bool arm(IoHandle& handle) = 0;
  // No task waits on `handle` any more (or it is being released).
  virtual void disarm(IoHandle& handle) noexcept = 0;
  // Wakes the tasks waiting for what is ready.
  void dispatch(IoHandle& handle, bool readable, bool writable) noexcept;

  // The armed list kept for level-triggered backends (poll, select).
  void add_armed(IoHandle& handle);
  void remove_armed(IoHandle& handle) noexcept;

  SchedulerCore& core_;
  WakeFd wake_fd_;
  std::vector<IoHandle*> armed_;
  std::size_t parked_ = 0;
};

}  // namespace picos::detail
