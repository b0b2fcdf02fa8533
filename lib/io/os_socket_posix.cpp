// os_socket.hpp on POSIX systems.
#include "io/os_socket.hpp"

#include "poller/io_errors.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace picos::detail {

int open_socket(int family, int type) {
  const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(errno, "socket");
  return fd;
}

void make_non_blocking(int fd, bool /*is_socket*/) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno(errno, "fcntl");
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void close_native(int fd, bool /*is_socket*/) noexcept { ::close(fd); }

void prepare_listener_address(int fd) {
  const int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) throw_errno(errno, "setsockopt(SO_REUSEADDR)");
}

std::size_t send_without_waiting(int fd, const void* data, std::size_t size) noexcept {
  for (;;) {
    const ssize_t sent = ::send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return static_cast<std::size_t>(sent);
    if (errno != EINTR) return 0;
  }
}

int last_socket_error() noexcept { return errno; }

void start_sockets() {}

}  // namespace picos::detail
