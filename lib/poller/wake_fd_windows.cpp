// WakeFd on Windows: a loopback UDP socket connected to itself, so select() can wait on it.
#include "poller/wake_fd.hpp"

#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

#include <ws2tcpip.h>

namespace picos::detail {
namespace {

[[noreturn]] void fail(SOCKET s, const char* what) {
  const int error = ::WSAGetLastError();
  ::closesocket(s);
  throw_windows(static_cast<unsigned long>(error), what);
}

}  // namespace

WakeFd::WakeFd() {
  start_winsock();
  const SOCKET s = ::WSASocketW(AF_INET, SOCK_DGRAM, 0, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "wake socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int length = sizeof address;
  if (::bind(s, reinterpret_cast<sockaddr*>(&address), length) != 0) fail(s, "wake socket bind");
  if (::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) != 0) fail(s, "wake socket getsockname");
  if (::connect(s, reinterpret_cast<sockaddr*>(&address), length) != 0) fail(s, "wake socket connect");
  u_long on = 1;
  if (::ioctlsocket(s, FIONBIO, &on) != 0) fail(s, "wake socket FIONBIO");
  fd_ = as_fd(s);
}

WakeFd::~WakeFd() { ::closesocket(as_socket(fd_)); }

void WakeFd::signal() noexcept {
  const char one = 1;
  ::send(as_socket(fd_), &one, 1, 0);  // a full buffer already means "wake up"
}

void WakeFd::drain() noexcept {
  char buffer[64];
  while (::recv(as_socket(fd_), buffer, sizeof buffer, 0) > 0) {
  }
}

}  // namespace picos::detail
