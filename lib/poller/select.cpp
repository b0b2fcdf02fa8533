#include "poller/select.hpp"

#include "poller/io_errors.hpp"

#include <sys/select.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

namespace picos::detail {
namespace {

[[noreturn]] void throw_too_large(int fd) {
  throw std::system_error(EINVAL, std::generic_category(),
                          "picos: the select poller cannot watch fd " + std::to_string(fd) +
                              ": select() only handles fds below FD_SETSIZE (" + std::to_string(FD_SETSIZE) +
                              "); use PICOS_POLLER=epoll or poll");
}

}  // namespace

SelectPoller::SelectPoller(SchedulerCore& core) : ReadinessPoller(core) {
  if (wake_fd_.fd() >= FD_SETSIZE) throw_too_large(wake_fd_.fd());
}

bool SelectPoller::arm(IoHandle& handle) {
  if (handle.fd >= FD_SETSIZE || handle.fd < 0) throw_too_large(handle.fd);
  add_armed(handle);
  return true;
}

void SelectPoller::poll(std::int64_t timeout_ns) {
  fd_set readable;
  fd_set writable;
  FD_ZERO(&readable);
  FD_ZERO(&writable);
  FD_SET(wake_fd_.fd(), &readable);
  int top = wake_fd_.fd();
  for (IoHandle* handle : armed_) {
    if (!handle->readers.empty()) FD_SET(handle->fd, &readable);
    if (!handle->writers.empty()) FD_SET(handle->fd, &writable);
    top = std::max(top, handle->fd);
  }
  timeval limit{};
  timeval* limit_ptr = nullptr;
  if (timeout_ns >= 0) {
    const std::int64_t us = (timeout_ns + 999) / 1000;
    limit.tv_sec = static_cast<time_t>(us / 1'000'000);
    limit.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
    limit_ptr = &limit;
  }
  const int count = ::select(top + 1, &readable, &writable, nullptr, limit_ptr);
  if (count < 0 && errno != EINTR) throw_errno(errno, "select");
  if (count <= 0) return;
  if (FD_ISSET(wake_fd_.fd(), &readable)) wake_fd_.drain();
  for (IoHandle* handle : armed_) {
    const bool in = FD_ISSET(handle->fd, &readable);
    const bool out = FD_ISSET(handle->fd, &writable);
    if (in || out) dispatch(*handle, in, out);
  }
}

}  // namespace picos::detail
