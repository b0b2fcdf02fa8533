#include "poller/readiness_ops.hpp"

#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace picos::detail {
namespace {

bool would_block(int error) noexcept { return error == EAGAIN || error == EWOULDBLOCK; }

// Blocks the calling thread until fd is ready or the deadline passes.
void thread_wait(IoHandle& handle, Interest interest, std::int64_t deadline) {
  pollfd entry{handle.fd, static_cast<short>(interest == Interest::readable ? POLLIN : POLLOUT), 0};
  while (true) {
    int timeout_ms = -1;
    if (deadline != no_deadline) {
      const std::int64_t left = deadline - monotonic_now();
      if (left <= 0) timeout_ms = 0;
      else timeout_ms = left / 1'000'000 >= INT_MAX ? INT_MAX : static_cast<int>((left + 999'999) / 1'000'000);
    }
    const int count = ::poll(&entry, 1, timeout_ms);
    if (count > 0) return;
    if (count < 0 && errno != EINTR) throw_errno(errno, "poll");
    if (count == 0 && timeout_ms == 0) throw_timed_out("I/O wait");
  }
}

}  // namespace

bool ready_now(int fd, Interest interest) noexcept {
  pollfd entry{fd, static_cast<short>(interest == Interest::readable ? POLLIN : POLLOUT), 0};
  return ::poll(&entry, 1, 0) > 0;
}

void ready_wait(Poller* waiter, IoHandle& handle, Interest interest, std::int64_t deadline) {
  if (handle.closed) throw_closed("I/O wait");
  if (waiter != nullptr) waiter->wait(handle, interest, deadline);
  else thread_wait(handle, interest, deadline);
}

std::size_t ready_read(Poller* waiter, IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) {
  if (size == 0) return 0;
  // drained: the previous read found the queue empty and no event came since (see epoll.cpp), so
  // wait before reading. Only a short read with data sets it: end of stream stays readable.
  const bool edge = waiter != nullptr && handle.edge_stream;
  if (edge && handle.drained) ready_wait(waiter, handle, Interest::readable, deadline);
  while (true) {
    if (handle.closed) throw_closed("read");
    const ssize_t n = handle.socket ? ::recv(handle.fd, data, size, 0) : ::read(handle.fd, data, size);
    if (n >= 0) {
      if (edge) handle.drained = n > 0 && static_cast<std::size_t>(n) < size;
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (!would_block(errno)) throw_errno(errno, handle.socket ? "recv" : "read");
    ready_wait(waiter, handle, Interest::readable, deadline);
  }
}

std::size_t ready_write(Poller* waiter, IoHandle& handle, const void* data, std::size_t size,
                        std::int64_t deadline) {
  if (size == 0) return 0;
  while (true) {
    if (handle.closed) throw_closed("write");
    const ssize_t n =
        handle.socket ? ::send(handle.fd, data, size, MSG_NOSIGNAL) : ::write(handle.fd, data, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (!would_block(errno)) throw_errno(errno, handle.socket ? "send" : "write");
    ready_wait(waiter, handle, Interest::writable, deadline);
  }
}

int ready_accept(Poller* waiter, IoHandle& handle, sockaddr_storage* peer, socklen_t* length,
                 std::int64_t deadline) {
  while (true) {
    if (handle.closed) throw_closed("accept");
    *length = sizeof(sockaddr_storage);
    const int fd = ::accept4(handle.fd, reinterpret_cast<sockaddr*>(peer), length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (!would_block(errno)) throw_errno(errno, "accept");
    ready_wait(waiter, handle, Interest::readable, deadline);
  }
}

void ready_connect(Poller* waiter, IoHandle& handle, const sockaddr* address, socklen_t length,
                   std::int64_t deadline) {
  if (handle.closed) throw_closed("connect");
  if (::connect(handle.fd, address, length) == 0) return;
  if (errno != EINPROGRESS && errno != EINTR && errno != EAGAIN) throw_errno(errno, "connect");
  ready_wait(waiter, handle, Interest::writable, deadline);
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(handle.fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) throw_errno(errno, "connect");
  if (error != 0) throw_errno(error, "connect");
}

std::size_t ready_send_to(Poller* waiter, IoHandle& handle, const void* data, std::size_t size,
                          const sockaddr* address, socklen_t length, std::int64_t deadline) {
  while (true) {
    if (handle.closed) throw_closed("sendto");
    const ssize_t n = ::sendto(handle.fd, data, size, MSG_NOSIGNAL, address, length);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (!would_block(errno)) throw_errno(errno, "sendto");
    ready_wait(waiter, handle, Interest::writable, deadline);
  }
}

std::size_t ready_recv_from(Poller* waiter, IoHandle& handle, void* data, std::size_t size,
                            sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) {
  while (true) {
    if (handle.closed) throw_closed("recvfrom");
    *length = sizeof(sockaddr_storage);
    const ssize_t n = ::recvfrom(handle.fd, data, size, 0, reinterpret_cast<sockaddr*>(peer), length);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (!would_block(errno)) throw_errno(errno, "recvfrom");
    ready_wait(waiter, handle, Interest::readable, deadline);
  }
}

}  // namespace picos::detail
