// The emulated kqueue (test double): registration rules after FreeBSD's kqueue_register(), event
// collection after kqueue_scan(), both mapped onto epoll. See sys/event.h for the list of what is
// and is not modelled.
#include "emulated_kqueue.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>

namespace kqueue_emulation {
namespace {

constexpr unsigned action_flags = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE;
// Anything else (EV_DISPATCH, EV_KEEPUDATA, ...) is refused so that a caller relying on an
// unmodelled flag fails loudly instead of seeing made-up semantics.
constexpr unsigned modelled_flags = action_flags | EV_ONESHOT | EV_CLEAR | EV_RECEIPT;

std::int64_t pending_bytes(int fd) noexcept {
  int count = 0;
  return ::ioctl(fd, FIONREAD, &count) == 0 ? count : 0;
}

// For a pipe end, its access mode (O_RDONLY / O_WRONLY); -1 for anything else.
int pipe_access(int fd) noexcept {
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISFIFO(status.st_mode)) return -1;
  const int flags = ::fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : (flags & O_ACCMODE);
}

bool reader_gone(int fd) noexcept {
  pollfd entry{fd, POLLOUT, 0};
  return ::poll(&entry, 1, 0) == 1 && (entry.revents & POLLERR) != 0;
}

// Milliseconds left until `deadline`, rounded up, as epoll_wait() wants them.
int milliseconds_until(std::chrono::steady_clock::time_point deadline) noexcept {
  const auto left = deadline - std::chrono::steady_clock::now();
  if (left <= left.zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace

std::shared_ptr<EmulatedKqueue> EmulatedKqueue::open() {
  std::shared_ptr<EmulatedKqueue> queue(new EmulatedKqueue());
  queue->master_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (queue->master_ < 0) return nullptr;
  for (int kind = 0; kind < kind_count; ++kind) {
    queue->children_[kind] = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;  // level: the master stays ready while a child holds events
    event.data.u32 = static_cast<std::uint32_t>(kind);
    if (queue->children_[kind] < 0 ||
        ::epoll_ctl(queue->master_, EPOLL_CTL_ADD, queue->children_[kind], &event) != 0) {
      const int error = errno;
      ::close(queue->master_);
      errno = error;
      return nullptr;
    }
  }
  return queue;
}

// The master descriptor belongs to the caller (close() on it is what "closes the kqueue"); the
// children and eventfds are the emulation's own.
EmulatedKqueue::~EmulatedKqueue() {
  for (const Knotes& knotes : knotes_) {
    for (const auto& [ident, knote] : knotes) {
      if (knote.event_fd >= 0) ::close(knote.event_fd);
    }
  }
  for (const int child : children_) {
    if (child >= 0) ::close(child);
  }
}

// Once the caller closes the master, its number may be reused by anything, so ask the kernel
// whether that number is still an epoll instance holding our first child.
bool EmulatedKqueue::alive() const noexcept {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u32 = user_kind;
  return ::epoll_ctl(master_, EPOLL_CTL_MOD, children_[user_kind], &event) == 0;
}

bool EmulatedKqueue::identify(int fd, FileIdentity& file) noexcept {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return false;
  file = FileIdentity{status.st_dev, status.st_ino};
  return true;
}

int EmulatedKqueue::apply(const struct kevent& change) {
  const unsigned flags = change.flags & ~EV_SYSFLAGS;
  if ((flags & ~modelled_flags) != 0) return EINVAL;
  const std::lock_guard lock(mutex_);
  switch (change.filter) {
    case EVFILT_READ: return apply_fd(read_kind, change, flags);
    case EVFILT_WRITE: return apply_fd(write_kind, change, flags);
    case EVFILT_USER: return apply_user(change, flags);
    default: return EINVAL;
  }
}

int EmulatedKqueue::apply_fd(Kind kind, const struct kevent& change, unsigned flags) {
  FileIdentity file;
  if (change.ident > INT_MAX || !identify(static_cast<int>(change.ident), file)) return EBADF;
  Knotes& knotes = knotes_[kind];
  auto found = knotes.find(change.ident);
  // The fd was closed (its kevents went with it) and the number now names another file.
  if (found != knotes.end() && !(found->second.file == file)) {
    forget(kind, found);
    found = knotes.end();
  }
  if (found == knotes.end()) {
    if ((flags & EV_ADD) == 0) return ENOENT;
    Knote knote;
    knote.flags = static_cast<unsigned short>(flags & ~action_flags);
    knote.fflags = change.fflags;
    knote.data = change.data;
    knote.udata = change.udata;
    knote.file = file;
    // FreeBSD's pipe_kqfilter(): the filter for the direction an end was not opened for is
    // accepted and never fires; EVFILT_WRITE is refused once the reader has gone.
    if (const int access = pipe_access(static_cast<int>(change.ident)); access >= 0) {
      knote.inert = access == (kind == read_kind ? O_WRONLY : O_RDONLY);
      if (!knote.inert && kind == write_kind && reader_gone(static_cast<int>(change.ident))) return EPIPE;
    }
    found = knotes.emplace(change.ident, knote).first;
    if (const int error = set_enabled(kind, change.ident, found->second, flags, false); error != 0) {
      knotes.erase(found);
      return error;
    }
    return 0;
  }
  if ((flags & EV_DELETE) != 0) {
    forget(kind, found);
    return 0;
  }
  Knote& knote = found->second;
  if ((flags & EV_ADD) != 0) {
    knote.fflags = change.fflags;
    knote.data = change.data;
    knote.udata = change.udata;
  }
  return set_enabled(kind, change.ident, knote, flags, (flags & EV_ADD) != 0);
}

int EmulatedKqueue::apply_user(const struct kevent& change, unsigned flags) {
  Knotes& knotes = knotes_[user_kind];
  auto found = knotes.find(change.ident);
  bool added = false;
  if (found == knotes.end()) {
    if ((flags & EV_ADD) == 0) return ENOENT;
    Knote knote;
    knote.flags = static_cast<unsigned short>(flags & ~action_flags);
    knote.event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (knote.event_fd < 0) return errno;
    found = knotes.emplace(change.ident, knote).first;
    added = true;
  } else if ((flags & EV_DELETE) != 0) {
    forget(user_kind, found);
    return 0;
  }
  Knote& knote = found->second;
  if ((flags & EV_ADD) != 0) knote.udata = change.udata;
  const unsigned given = change.fflags & NOTE_FFLAGSMASK;
  switch (change.fflags & NOTE_FFCTRLMASK) {
    case NOTE_FFAND: knote.fflags &= given; break;
    case NOTE_FFOR: knote.fflags |= given; break;
    case NOTE_FFCOPY: knote.fflags = given; break;
    default: break;  // NOTE_FFNOP
  }
  knote.data = change.data;
  int error = 0;
  if ((change.fflags & NOTE_TRIGGER) != 0) {
    const std::uint64_t one = 1;
    // EAGAIN: the counter is saturated, so the event is triggered already.
    if (::write(knote.event_fd, &one, sizeof one) < 0 && errno != EAGAIN) error = errno;
  }
  if (error == 0) error = set_enabled(user_kind, change.ident, knote, flags, false);
  if (error != 0 && added) forget(user_kind, found);
  return error;
}

// EV_ADD enables unless EV_DISABLE is given; a modifying EV_ADD on an enabled fd kevent
// re-evaluates the filter (EPOLL_CTL_MOD reports a condition that already holds), as the kernel
// does after a modification.
int EmulatedKqueue::set_enabled(Kind kind, std::uintptr_t ident, Knote& knote, unsigned flags, bool modified) {
  if ((flags & EV_DISABLE) != 0) {
    if (knote.enabled) unwatch(kind, ident, knote);
    knote.enabled = false;
    return 0;
  }
  if ((flags & (EV_ADD | EV_ENABLE)) == 0) return 0;
  if (knote.enabled && !(modified && kind != user_kind)) return 0;
  if (const int error = watch(kind, ident, knote, knote.enabled); error != 0) return error;
  knote.enabled = true;
  return 0;
}

int EmulatedKqueue::watch(Kind kind, std::uintptr_t ident, const Knote& knote, bool again) {
  if (knote.inert) return 0;
  epoll_event event{};
  event.data.u64 = ident;
  int fd = knote.event_fd;
  if (kind == user_kind) {
    event.events = EPOLLIN;  // triggered while the counter is non-zero
  } else {
    fd = static_cast<int>(ident);
    event.events = kind == read_kind ? (EPOLLIN | EPOLLRDHUP) : EPOLLOUT;
    if ((knote.flags & EV_CLEAR) != 0) event.events |= EPOLLET;
  }
  if ((knote.flags & EV_ONESHOT) != 0) event.events |= EPOLLONESHOT;
  if (::epoll_ctl(children_[kind], again ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) == 0) return 0;
  // A registration Linux kept for a closed fd whose file is still open elsewhere.
  if (errno == EEXIST && ::epoll_ctl(children_[kind], EPOLL_CTL_MOD, fd, &event) == 0) return 0;
  return errno;
}

void EmulatedKqueue::unwatch(Kind kind, std::uintptr_t ident, const Knote& knote) noexcept {
  if (knote.inert) return;
  const int fd = kind == user_kind ? knote.event_fd : static_cast<int>(ident);
  epoll_event unused{};
  ::epoll_ctl(children_[kind], EPOLL_CTL_DEL, fd, &unused);  // fails harmlessly for a closed fd
}

void EmulatedKqueue::forget(Kind kind, Knotes::iterator knote) noexcept {
  if (knote->second.enabled) unwatch(kind, knote->first, knote->second);
  if (knote->second.event_fd >= 0) ::close(knote->second.event_fd);
  knotes_[kind].erase(knote);
}

int EmulatedKqueue::drain(Kind kind, struct kevent* out, int capacity) {
  epoll_event ready[64];
  const int count = ::epoll_wait(children_[kind], ready, capacity < 64 ? capacity : 64, 0);
  int stored = 0;
  for (int i = 0; i < count; ++i) {
    const std::uintptr_t ident = ready[i].data.u64;
    auto found = knotes_[kind].find(ident);
    if (found == knotes_[kind].end() || !found->second.enabled) continue;
    Knote& knote = found->second;
    if (kind != user_kind) {
      FileIdentity file;
      if (!identify(static_cast<int>(ident), file) || !(file == knote.file)) {
        forget(kind, found);  // closed: the kernel would have removed it at close()
        continue;
      }
    }
    struct kevent& event = out[stored++];
    EV_SET(&event, ident, kind == user_kind ? EVFILT_USER : kind == read_kind ? EVFILT_READ : EVFILT_WRITE,
           knote.flags, knote.fflags, knote.data, knote.udata);
    const std::uint32_t bits = ready[i].events;
    if (kind == read_kind) {
      event.data = pending_bytes(static_cast<int>(ident));
      if ((bits & (EPOLLRDHUP | EPOLLHUP)) != 0) event.flags |= EV_EOF;
    } else if (kind == write_kind) {
      event.data = 0;
      if ((bits & (EPOLLHUP | EPOLLERR)) != 0) event.flags |= EV_EOF;
    } else if ((knote.flags & EV_CLEAR) != 0) {
      std::uint64_t triggers = 0;
      [[maybe_unused]] const auto n = ::read(knote.event_fd, &triggers, sizeof triggers);
      knote.fflags = 0;
      knote.data = 0;
    }
    if ((knote.flags & EV_ONESHOT) != 0) forget(kind, found);
  }
  return stored;
}

int EmulatedKqueue::collect(struct kevent* out, int capacity, const timespec* timeout) {
  using clock = std::chrono::steady_clock;
  // Beyond a year the limit cannot matter to a test; capping it keeps the arithmetic in range.
  const bool unlimited = timeout == nullptr || timeout->tv_sec > 365L * 24 * 3600;
  const auto deadline = unlimited ? clock::time_point::max()
                                  : clock::now() + std::chrono::seconds(timeout->tv_sec) +
                                        std::chrono::nanoseconds(timeout->tv_nsec);
  std::unique_lock lock(mutex_);
  while (true) {
    int stored = 0;
    for (int step = 0; step < kind_count && stored < capacity; ++step) {
      stored += drain(static_cast<Kind>((next_kind_ + step) % kind_count), out + stored, capacity - stored);
    }
    next_kind_ = (next_kind_ + 1) % kind_count;
    if (stored > 0) return stored;
    const int wait_ms = unlimited ? -1 : milliseconds_until(deadline);
    if (wait_ms == 0) return 0;
    lock.unlock();
    epoll_event children_ready[kind_count];
    const int count = ::epoll_wait(master_, children_ready, kind_count, wait_ms);
    const int error = errno;
    lock.lock();
    if (count < 0) {
      errno = error;
      return -1;
    }
  }
}

}  // namespace kqueue_emulation
