// The readiness operation API on Windows (see readiness_ops.hpp): Winsock sockets only. Pipes and
// files need overlapped I/O, which only the IOCP backend does.
#include "poller/readiness_ops.hpp"

#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"
#include "poller/timeout_ms.hpp"
#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

#include <cerrno>
#include <algorithm>
#include <climits>
#include <string>

namespace picos::detail {
namespace {

int socket_error() noexcept { return errno_from_windows(static_cast<unsigned long>(::WSAGetLastError())); }

void require_socket(const IoHandle& handle, const char* what) {
  if (!handle.socket) {
    throw_errno(EOPNOTSUPP, (std::string(what) + ": the select poller on Windows handles sockets only; use "
                                                 "PICOS_POLLER=iocp for pipes and files").c_str());
  }
}

int clamp_size(std::size_t size) noexcept { return size > INT_MAX ? INT_MAX : static_cast<int>(size); }

// Blocks the calling thread until the socket is ready or the deadline passes.
void thread_wait(IoHandle& handle, Interest interest, std::int64_t deadline) {
  WSAPOLLFD entry{as_socket(handle.fd), static_cast<SHORT>(interest == Interest::readable ? POLLRDNORM : POLLWRNORM), 0};
  while (true) {
    const int limit = deadline == no_deadline ? -1 : timeout_ms(std::max<std::int64_t>(deadline - monotonic_now(), 0));
    const int count = ::WSAPoll(&entry, 1, limit);
    if (count > 0) return;
    if (count < 0) throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "WSAPoll");
    if (limit == 0) throw_timed_out("I/O wait");
  }
}

}  // namespace

bool ready_now(int fd, Interest interest) noexcept {
  WSAPOLLFD entry{as_socket(fd), static_cast<SHORT>(interest == Interest::readable ? POLLRDNORM : POLLWRNORM), 0};
  return ::WSAPoll(&entry, 1, 0) > 0;
}

void ready_wait(Poller* waiter, IoHandle& handle, Interest interest, std::int64_t deadline) {
  if (handle.closed) throw_closed("I/O wait");
  require_socket(handle, "I/O wait");
  if (waiter != nullptr) waiter->wait(handle, interest, deadline);
  else thread_wait(handle, interest, deadline);
}

std::size_t ready_read(Poller* waiter, IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) {
  if (size == 0) return 0;
  require_socket(handle, "recv");
  while (true) {
    if (handle.closed) throw_closed("recv");
    const int n = ::recv(as_socket(handle.fd), static_cast<char*>(data), clamp_size(size), 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    const int error = socket_error();
    if (error == ECONNABORTED && handle.closed) throw_closed("recv");
    if (error != EWOULDBLOCK) throw_errno(error, "recv");
    ready_wait(waiter, handle, Interest::readable, deadline);
  }
}

std::size_t ready_write(Poller* waiter, IoHandle& handle, const void* data, std::size_t size,
                        std::int64_t deadline) {
  if (size == 0) return 0;
  require_socket(handle, "send");
  while (true) {
    if (handle.closed) throw_closed("send");
    const int n = ::send(as_socket(handle.fd), static_cast<const char*>(data), clamp_size(size), 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    const int error = socket_error();
    if (error != EWOULDBLOCK) throw_errno(error, "send");
    ready_wait(waiter, handle, Interest::writable, deadline);
  }
}

int ready_accept(Poller* waiter, IoHandle& handle, sockaddr_storage* peer, socklen_t* length,
                 std::int64_t deadline) {
  while (true) {
    if (handle.closed) throw_closed("accept");
    *length = sizeof(sockaddr_storage);
    const SOCKET s = ::accept(as_socket(handle.fd), reinterpret_cast<sockaddr*>(peer), length);
    if (s != INVALID_SOCKET) {
      ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
      return as_fd(s);  // inherits the listener's non-blocking mode
    }
    const int error = socket_error();
    if (error == ECONNRESET || error == ECONNABORTED) continue;
    if (error != EWOULDBLOCK) throw_errno(error, "accept");
    ready_wait(waiter, handle, Interest::readable, deadline);
  }
}

void ready_connect(Poller* waiter, IoHandle& handle, const sockaddr* address, socklen_t length,
                   std::int64_t deadline) {
  if (handle.closed) throw_closed("connect");
  if (::connect(as_socket(handle.fd), address, length) == 0) return;
  const int error = socket_error();
  if (error != EWOULDBLOCK && error != EINPROGRESS) throw_errno(error, "connect");
  ready_wait(waiter, handle, Interest::writable, deadline);
  // Winsock reports a failed connect as "exceptional", not writable (the select backend watches
  // both for writers); SO_ERROR tells which.
  int result = 0;
  int size = sizeof result;
  if (::getsockopt(as_socket(handle.fd), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&result), &size) != 0) {
    throw_errno(socket_error(), "connect");
  }
  if (result != 0) throw_windows(static_cast<unsigned long>(result), "connect");
}

std::size_t ready_send_to(Poller* waiter, IoHandle& handle, const void* data, std::size_t size,
                          const sockaddr* address, socklen_t length, std::int64_t deadline) {
  while (true) {
    if (handle.closed) throw_closed("sendto");
    const int n = ::sendto(as_socket(handle.fd), static_cast<const char*>(data), clamp_size(size), 0, address,
                           address != nullptr ? length : 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    const int error = socket_error();
    if (error != EWOULDBLOCK) throw_errno(error, "sendto");
    ready_wait(waiter, handle, Interest::writable, deadline);
  }
}

std::size_t ready_recv_from(Poller* waiter, IoHandle& handle, void* data, std::size_t size,
                            sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) {
  while (true) {
    if (handle.closed) throw_closed("recvfrom");
    *length = sizeof(sockaddr_storage);
    const int n = ::recvfrom(as_socket(handle.fd), static_cast<char*>(data), clamp_size(size), 0,
                             reinterpret_cast<sockaddr*>(peer), length);
    if (n >= 0) return static_cast<std::size_t>(n);
    const int error = socket_error();
    // A UDP socket reports an ICMP "port unreachable" from an earlier sendto as a reset: skip it.
    if (error == ECONNRESET) continue;
    if (error == EMSGSIZE) return size;  // truncated to the buffer, as recvfrom() does on POSIX
    if (error != EWOULDBLOCK) throw_errno(error, "recvfrom");
    ready_wait(waiter, handle, Interest::readable, deadline);
  }
}

}  // namespace picos::detail
