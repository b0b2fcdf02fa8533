#include "poller/backends.hpp"
#include "poller/epoll.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace picos::detail {

EpollPoller::EpollPoller(SchedulerCore& core) : core_(core) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "picos: epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    ::close(epoll_fd_);
    throw std::system_error(errno, std::generic_category(), "picos: eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
}

EpollPoller::~EpollPoller() {
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EpollPoller::poll(std::int64_t timeout_ns) {
  int timeout_ms = -1;
  if (timeout_ns >= 0) timeout_ms = static_cast<int>((timeout_ns + 999'999) / 1'000'000);
  epoll_event events[64];
  const int count = ::epoll_wait(epoll_fd_, events, 64, timeout_ms);
  for (int i = 0; i < count; ++i) {
    if (events[i].data.ptr == nullptr) {
      std::uint64_t drained = 0;
      [[maybe_unused]] auto n = ::read(wake_fd_, &drained, sizeof drained);
    }
  }
}

void EpollPoller::wake() noexcept {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace picos::detail
