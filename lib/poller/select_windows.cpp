// select() readiness backend on Windows (Winsock sockets only). Winsock's fd_set is a list of
// sockets rather than a bitmap, so the limit is a count: FD_SETSIZE below, the number of sockets
// one poller can watch at once. A connect that fails is reported in the "exceptional" set, so
// writers are watched there too.
#define FD_SETSIZE 1024
#include "poller/select.hpp"

#include "poller/io_errors.hpp"
#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

#include <cerrno>
#include <string>
#include <system_error>

namespace picos::detail {

SelectPoller::SelectPoller(SchedulerCore& core) : ReadinessPoller(core) {}

bool SelectPoller::arm(IoHandle& handle) {
  if (!handle.socket) {
    throw_errno(EOPNOTSUPP, "I/O wait: the select poller on Windows handles sockets only; use PICOS_POLLER=iocp");
  }
  if (handle.armed_index == SIZE_MAX && armed_.size() + 1 >= FD_SETSIZE) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "picos: the select poller on Windows watches at most " + std::to_string(FD_SETSIZE - 1) +
                                " sockets at once; use PICOS_POLLER=iocp");
  }
  add_armed(handle);
  return true;
}

void SelectPoller::poll(std::int64_t timeout_ns) {
  fd_set readable;
  fd_set writable;
  fd_set failed;
  FD_ZERO(&readable);
  FD_ZERO(&writable);
  FD_ZERO(&failed);
  FD_SET(as_socket(wake_fd_.fd()), &readable);
  for (IoHandle* handle : armed_) {
    if (!handle->readers.empty()) FD_SET(as_socket(handle->fd), &readable);
    if (!handle->writers.empty()) {
      FD_SET(as_socket(handle->fd), &writable);
      FD_SET(as_socket(handle->fd), &failed);
    }
  }
  timeval limit{};
  timeval* limit_ptr = nullptr;
  if (timeout_ns >= 0) {
    const std::int64_t us = (timeout_ns + 999) / 1000;
    limit.tv_sec = static_cast<long>(us / 1'000'000);
    limit.tv_usec = static_cast<long>(us % 1'000'000);
    limit_ptr = &limit;
  }
  const int count = ::select(0, &readable, &writable, &failed, limit_ptr);
  if (count < 0) throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "select");
  if (count == 0) return;
  if (FD_ISSET(as_socket(wake_fd_.fd()), &readable)) wake_fd_.drain();
  for (std::size_t i = 0; i < armed_.size(); ++i) {
    IoHandle* handle = armed_[i];
    const SOCKET s = as_socket(handle->fd);
    const bool in = FD_ISSET(s, &readable) != 0;
    const bool out = FD_ISSET(s, &writable) != 0 || FD_ISSET(s, &failed) != 0;
    if (in || out) dispatch(*handle, in, out);
  }
}

}  // namespace picos::detail
