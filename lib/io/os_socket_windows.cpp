// os_socket.hpp on Windows (Winsock 2).
#include "io/os_socket.hpp"

#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

namespace picos::detail {

int open_socket(int family, int type) {
  start_winsock();
  // WSA_FLAG_OVERLAPPED: the IOCP backend needs it; WSA_FLAG_NO_HANDLE_INHERIT: close-on-exec.
  const SOCKET s = ::WSASocketW(family, type, 0, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "socket");
  u_long on = 1;
  if (::ioctlsocket(s, FIONBIO, &on) != 0) {
    const int error = ::WSAGetLastError();
    ::closesocket(s);
    throw_windows(static_cast<unsigned long>(error), "ioctlsocket(FIONBIO)");
  }
  return as_fd(s);
}

void make_non_blocking(int fd, bool is_socket) {
  if (is_socket) {
    u_long on = 1;
    if (::ioctlsocket(as_socket(fd), FIONBIO, &on) != 0) {
      throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "ioctlsocket(FIONBIO)");
    }
    return;
  }
  ::SetHandleInformation(as_handle(fd), HANDLE_FLAG_INHERIT, 0);
}

void close_native(int fd, bool is_socket) noexcept {
  if (is_socket) ::closesocket(as_socket(fd));
  else ::CloseHandle(as_handle(fd));
}

void prepare_listener_address(int fd) {
  const int on = 1;
  if (::setsockopt(as_socket(fd), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&on), sizeof on) != 0) {
    throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "setsockopt(SO_EXCLUSIVEADDRUSE)");
  }
}

std::size_t send_without_waiting(int fd, const void* data, std::size_t size) noexcept {
  // The socket is non-blocking (open_socket), so send() returns at once; one call takes at most
  // an int's worth.
  const int length = size > 0x7fffffff ? 0x7fffffff : static_cast<int>(size);
  const int sent = ::send(as_socket(fd), static_cast<const char*>(data), length, 0);
  return sent > 0 ? static_cast<std::size_t>(sent) : 0;
}

int last_socket_error() noexcept { return errno_from_windows(static_cast<unsigned long>(::WSAGetLastError())); }

void start_sockets() { start_winsock(); }

}  // namespace picos::detail
