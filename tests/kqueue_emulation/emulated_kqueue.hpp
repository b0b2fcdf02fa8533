#pragma once
// One emulated kqueue (test double, see sys/event.h for what is modelled). Each filter kind has
// its own child epoll instance, so the EVFILT_READ and EVFILT_WRITE registrations of one fd stay
// independent as kqueue's (ident, filter) pairs are; the three children sit in a master epoll
// whose descriptor is the kqueue descriptor the caller sees. EVFILT_USER events are eventfds.

#include "sys/event.h"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace kqueue_emulation {

class EmulatedKqueue {
 public:
  // Creates the epoll instances; nullptr with errno set when the kernel refuses.
  static std::shared_ptr<EmulatedKqueue> open();
  ~EmulatedKqueue();
  EmulatedKqueue(const EmulatedKqueue&) = delete;
  EmulatedKqueue& operator=(const EmulatedKqueue&) = delete;

  [[nodiscard]] int descriptor() const noexcept { return master_; }
  // True while descriptor() is still this queue's master epoll (the caller has not closed it).
  [[nodiscard]] bool alive() const noexcept;
  // Applies one changelist entry; returns 0 or the errno the kernel would report.
  int apply(const struct kevent& change);
  // Stores up to `capacity` events, waiting up to `timeout` (null: no limit) for the first one.
  // Returns the count, or -1 with errno (EINTR).
  int collect(struct kevent* out, int capacity, const timespec* timeout);

 private:
  enum Kind : int { user_kind = 0, read_kind = 1, write_kind = 2, kind_count = 3 };
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    bool operator==(const FileIdentity&) const = default;
  };
  struct Knote {
    unsigned short flags = 0;  // as registered, without the action bits
    unsigned int fflags = 0;
    std::int64_t data = 0;
    void* udata = nullptr;
    bool enabled = false;
    bool inert = false;        // a pipe end's filter for the other direction: never fires
    FileIdentity file;         // READ/WRITE: the open file the fd referred to when added
    int event_fd = -1;         // USER: counter > 0 while triggered
  };
  using Knotes = std::map<std::uintptr_t, Knote>;

  EmulatedKqueue() = default;
  int apply_fd(Kind kind, const struct kevent& change, unsigned flags);
  int apply_user(const struct kevent& change, unsigned flags);
  int watch(Kind kind, std::uintptr_t ident, const Knote& knote, bool again);
  void unwatch(Kind kind, std::uintptr_t ident, const Knote& knote) noexcept;
  int set_enabled(Kind kind, std::uintptr_t ident, Knote& knote, unsigned flags, bool modified);
  void forget(Kind kind, Knotes::iterator knote) noexcept;
  int drain(Kind kind, struct kevent* out, int capacity);
  static bool identify(int fd, FileIdentity& file) noexcept;

  mutable std::mutex mutex_;
  int master_ = -1;
  int children_[kind_count] = {-1, -1, -1};
  Knotes knotes_[kind_count];
  int next_kind_ = 0;  // where the next collection starts, so no filter kind starves the others
};

}  // namespace kqueue_emulation
