#include "poller/poll.hpp"

#include "poller/io_errors.hpp"
#include "poller/timeout_ms.hpp"

#include <cerrno>

namespace picos::detail {

bool PollPoller::arm(IoHandle& handle) {
  add_armed(handle);
  return true;
}

void PollPoller::poll(std::int64_t timeout_ns) {
  entries_.clear();
  entries_.push_back(pollfd{wake_fd_.fd(), POLLIN, 0});
  for (IoHandle* handle : armed_) {
    short events = 0;
    if (!handle->readers.empty()) events |= POLLIN;
    if (!handle->writers.empty()) events |= POLLOUT;
    entries_.push_back(pollfd{handle->fd, events, 0});
  }
  const int count = ::poll(entries_.data(), entries_.size(), timeout_ms(timeout_ns));
  if (count < 0 && errno != EINTR) throw_errno(errno, "poll");
  if (count <= 0) return;
  if (entries_[0].revents != 0) wake_fd_.drain();
  // dispatch() only marks tasks ready, so armed_ does not change during this loop.
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    const short bits = entries_[i].revents;
    if (bits == 0) continue;
    const bool failed = (bits & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    dispatch(*armed_[i - 1], failed || (bits & POLLIN) != 0, failed || (bits & POLLOUT) != 0);
  }
}

}  // namespace picos::detail
