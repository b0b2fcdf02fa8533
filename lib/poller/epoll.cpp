#include "poller/epoll.hpp"

#include "poller/io_errors.hpp"
#include "poller/timeout_ms.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>

namespace picos::detail {

EpollPoller::EpollPoller(SchedulerCore& core) : ReadinessPoller(core) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno(errno, "epoll_create1");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_.fd(), &event) != 0) {
    const int error = errno;
    ::close(epoll_fd_);
    throw_errno(error, "epoll_ctl");
  }
}

EpollPoller::~EpollPoller() { ::close(epoll_fd_); }

bool EpollPoller::arm(IoHandle& handle) {
  if (handle.registered) return true;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = &handle;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, handle.fd, &event) != 0) {
    if (errno == EPERM) {  // a regular file: always ready
      handle.regular_file = true;
      return false;
    }
    throw_errno(errno, "epoll_ctl");
  }
  handle.registered = true;
  // Edge-triggered epoll queues an event for every arrival on a stream socket (sk_data_ready), so
  // a short read there means "empty until the next event" and the next read can wait instead of
  // paying for a recv() that fails with EAGAIN (see ready_read). Datagram sockets, pipes and
  // other descriptors keep the plain try-then-wait path.
  int type = 0;
  socklen_t length = sizeof type;
  handle.edge_stream = handle.socket && ::getsockopt(handle.fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 &&
                       type == SOCK_STREAM;
  return true;
}

void EpollPoller::disarm(IoHandle&) noexcept {}  // stays registered until released

void EpollPoller::release(IoHandle& handle) noexcept {
  if (handle.registered) {
    epoll_event unused{};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, handle.fd, &unused);
    handle.registered = false;
  }
  ReadinessPoller::release(handle);
}

namespace {
// epoll_wait() takes whole milliseconds, which turns every shorter timer (a task sleeping 50 us) into
// a millisecond; epoll_pwait2() (Linux 5.11, glibc 2.35) takes nanoseconds. It is used only for
// waits that are not whole milliseconds, and never again once the kernel lacks it.
int wait_for_events(int epoll_fd, epoll_event* events, int capacity, std::int64_t timeout_ns) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
  static std::atomic<bool> precise_unavailable{false};
  if (timeout_ns > 0 && timeout_ns % 1'000'000 != 0 && !precise_unavailable.load(std::memory_order_relaxed)) {
    const timespec limit{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
    const int count = ::epoll_pwait2(epoll_fd, events, capacity, &limit, nullptr);
    if (count >= 0 || errno != ENOSYS) return count;
    precise_unavailable.store(true, std::memory_order_relaxed);
  }
#endif
  return ::epoll_wait(epoll_fd, events, capacity, timeout_ms(timeout_ns));
}
}  // namespace

void EpollPoller::poll(std::int64_t timeout_ns) {
  epoll_event events[128];
  const int count = wait_for_events(epoll_fd_, events, 128, timeout_ns);
  if (count < 0 && errno != EINTR) throw_errno(errno, "epoll_wait");
  for (int i = 0; i < count; ++i) {
    auto* handle = static_cast<IoHandle*>(events[i].data.ptr);
    if (handle == nullptr) {
      wake_fd_.drain();
      continue;
    }
    const std::uint32_t bits = events[i].events;
    // End of stream and errors are reported once but stay readable: stop waiting before reads.
    if ((bits & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) handle->edge_stream = false;
    dispatch(*handle, (bits & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0,
             (bits & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0);
  }
}

}  // namespace picos::detail
