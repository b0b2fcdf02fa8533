#include "poller/epoll.hpp"

#include "poller/io_errors.hpp"
#include "poller/timeout_ms.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

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

void EpollPoller::poll(std::int64_t timeout_ns) {
  epoll_event events[128];
  const int count = ::epoll_wait(epoll_fd_, events, 128, timeout_ms(timeout_ns));
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
