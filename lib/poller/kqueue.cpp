// kqueue backend. Choices, and why:
// - EV_CLEAR (edge style), registered once per fd for both directions: a filter then costs one
//   kevent() call for the fd's whole life instead of an enable/disable pair per wait, and a ready
//   fd nobody is reading does not make every poll() return at once. Edges cannot strand a task:
//   the shared readiness operations always try the syscall before parking, and a filter added
//   while the condition already holds reports it (the kernel evaluates it on EV_ADD).
// - EV_RECEIPT on registration: each change reports its own result as an EV_ERROR entry (data 0
//   on success) and kevent() returns without collecting pending events, so arm() learns which
//   filter failed and why, and no event is lost to a registration call.
// - EPIPE from EVFILT_WRITE means the pipe's reader is gone (FreeBSD refuses the filter then): the
//   fd cannot be watched, so wait() returns at once and the retried write reports EPIPE itself.
// - release() deletes both filters although close() would remove them: the handle may be freed
//   before the fd is closed, and an event must never carry a dangling udata.
// - Timeouts go to kevent() as a timespec, so they keep nanosecond precision (no EVFILT_TIMER).
#include "poller/kqueue.hpp"

#include "poller/io_errors.hpp"

#include <fcntl.h>
#include <sys/event.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>

namespace picos::detail {
namespace {

constexpr std::uintptr_t wake_ident = 1;  // EVFILT_USER idents are separate from fds
constexpr int batch = 128;

// Applies `count` (at most 2) changes, each with EV_RECEIPT so that it reports its own result
// and no pending event is collected; errors[i] receives the errno of changes[i] (0: applied).
void apply_with_receipts(int kq, struct kevent* changes, int count, int* errors) noexcept {
  struct kevent receipts[2];
  for (int i = 0; i < count; ++i) {
    changes[i].flags |= EV_RECEIPT;
    errors[i] = EINVAL;  // a change without a receipt did not happen
  }
  const timespec no_wait{0, 0};
  const int received = ::kevent(kq, changes, count, receipts, count, &no_wait);
  const int call_error = errno;
  for (int i = 0; i < count; ++i) {
    if (received < 0) errors[i] = call_error;
    for (int r = 0; r < received; ++r) {
      if (receipts[r].ident != changes[i].ident || receipts[r].filter != changes[i].filter) continue;
      errors[i] = (receipts[r].flags & EV_ERROR) != 0 ? static_cast<int>(receipts[r].data) : 0;
    }
  }
}

struct FilterResults {
  int read = 0;   // errno of the EVFILT_READ change, 0 when applied
  int write = 0;  // ... EVFILT_WRITE
};

// Applies the same action to both filters of `fd`.
FilterResults change_both(int kq, int fd, unsigned short action, void* udata) noexcept {
  struct kevent changes[2];
  EV_SET(&changes[0], fd, EVFILT_READ, action, 0, 0, udata);
  EV_SET(&changes[1], fd, EVFILT_WRITE, action, 0, 0, udata);
  int errors[2];
  apply_with_receipts(kq, changes, 2, errors);
  return {errors[0], errors[1]};
}

}  // namespace

KqueuePoller::KqueuePoller(SchedulerCore& core) : ReadinessPoller(core) {
  kqueue_fd_ = ::kqueue();
  if (kqueue_fd_ < 0) throw_errno(errno, "kqueue");
  struct kevent waker;
  EV_SET(&waker, wake_ident, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, nullptr);
  int error = 0;
  apply_with_receipts(kqueue_fd_, &waker, 1, &error);
  if (error == 0 && ::fcntl(kqueue_fd_, F_SETFD, FD_CLOEXEC) != 0) error = errno;
  if (error == 0) return;
  ::close(kqueue_fd_);
  throw_errno(error, "kqueue setup");
}

KqueuePoller::~KqueuePoller() { ::close(kqueue_fd_); }

void KqueuePoller::wake() noexcept {
  struct kevent trigger;
  EV_SET(&trigger, wake_ident, EVFILT_USER, 0, NOTE_TRIGGER, 0, nullptr);
  ::kevent(kqueue_fd_, &trigger, 1, nullptr, 0, nullptr);
}

bool KqueuePoller::arm(IoHandle& handle) {
  if (handle.registered) return true;
  struct stat status {};
  if (::fstat(handle.fd, &status) == 0 && S_ISREG(status.st_mode)) {  // always ready
    handle.regular_file = true;
    return false;
  }
  const FilterResults added = change_both(kqueue_fd_, handle.fd, EV_ADD | EV_CLEAR, &handle);
  if (added.read == 0 && added.write == 0) {
    handle.registered = true;
    return true;
  }
  if (added.read == 0 || added.write == 0) change_both(kqueue_fd_, handle.fd, EV_DELETE, nullptr);
  if (added.write == EPIPE && added.read == 0) return false;
  throw_errno(added.read != 0 ? added.read : added.write, "kevent(EV_ADD)");
}

void KqueuePoller::release(IoHandle& handle) noexcept {
  if (handle.registered) {
    change_both(kqueue_fd_, handle.fd, EV_DELETE, nullptr);
    handle.registered = false;
  }
  ReadinessPoller::release(handle);
}

void KqueuePoller::poll(std::int64_t timeout_ns) {
  timespec limit{};
  if (timeout_ns >= 0) {
    limit.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000);
    limit.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000);
  }
  struct kevent events[batch];
  const int count = ::kevent(kqueue_fd_, nullptr, 0, events, batch, timeout_ns < 0 ? nullptr : &limit);
  if (count < 0 && errno != EINTR) throw_errno(errno, "kevent");
  for (int i = 0; i < count; ++i) {
    const struct kevent& event = events[i];
    if (event.filter == EVFILT_USER) continue;  // wake(): EV_CLEAR has reset it already
    // EV_EOF (peer gone, connection reset or failed) wakes both sides: each retries its syscall
    // and meets the end of file or the error there.
    const bool ended = (event.flags & EV_EOF) != 0;
    dispatch(*static_cast<IoHandle*>(event.udata), ended || event.filter == EVFILT_READ,
             ended || event.filter == EVFILT_WRITE);
  }
}

}  // namespace picos::detail
