#pragma once
// TEST DOUBLE of the BSD kqueue kernel API (kqueue(2), kevent(2)) for Linux, built on epoll and
// eventfd. It exists only so that lib/poller/kqueue.cpp can be compiled and run on a Linux CI
// machine: it lives under tests/, is never installed and never linked into the shipped library.
// On FreeBSD/macOS the real <sys/event.h> is used instead. The structure layout and the constant
// values are FreeBSD's (12 and later); code that uses only EV_SET() and the member names compiles
// unchanged against macOS's header too.
//
// Modelled (kept to the FreeBSD kevent(2) semantics and pinned by kevent_emulation_test.cpp):
// - A kevent is identified by (ident, filter); EV_ADD on an existing one modifies it (udata,
//   fflags, data; EV_CLEAR/EV_ONESHOT keep their first value, as in the kernel) and enables it
//   unless EV_DISABLE is also given. EV_DELETE removes it; EV_ENABLE / EV_DISABLE switch
//   reporting on and off. A missing kevent gives ENOENT, an ident that is not an open fd EBADF,
//   an unknown filter or an unmodelled flag EINVAL.
// - The filter is evaluated when a kevent is added or enabled, so a condition that already holds
//   is reported by the next kevent() call.
// - Level reporting by default; EV_CLEAR reports each new readiness edge once; EV_ONESHOT reports
//   once and then deletes the kevent.
// - EVFILT_READ: fires while data (or a connection, or end of file) is pending; `data` is the byte
//   count FIONREAD gives (0 where Linux has none, e.g. listening sockets); EV_EOF when the peer
//   shut down its writing side or hung up (sockets, pipes).
// - EVFILT_WRITE: fires while there is room to write; EV_EOF when the reader has gone (a pipe
//   without reader, a reset or closed connection).
// - Pipes, as FreeBSD's pipe_kqfilter(): the filter for the direction an end was not opened for
//   is accepted and never fires; EVFILT_WRITE on a pipe whose reader has gone gives EPIPE.
// - EVFILT_USER: NOTE_TRIGGER fires it; NOTE_FFNOP/FFAND/FFOR/FFCOPY update the stored fflags,
//   which are returned with the stored data; with EV_CLEAR the trigger, fflags and data reset when
//   the event is retrieved, without it the event stays triggered. Triggering from another thread
//   wakes a kevent() that is waiting.
// - Changelist errors and EV_RECEIPT: an error (or any change with EV_RECEIPT) is written to the
//   eventlist as an entry with flags EV_ERROR and the errno (0 on success) in `data`, and kevent()
//   then returns the number of such entries without collecting events. With no room left in the
//   eventlist, kevent() stops at that change (later changes are not applied) and returns -1 with
//   errno set, or 0 when the change succeeded and only its receipt had no room (FreeBSD's code).
// - Closing an fd removes its kevents: nothing is reported for it afterwards, EV_DELETE then gives
//   EBADF (or ENOENT once the number is reused by another file), and EV_ADD on a reused number
//   registers the new file.
// - Timeouts: a null timeout waits without limit, {0, 0} polls, anything else waits at most that
//   long (rounded up to whole milliseconds; beyond a year: no limit); an invalid timespec gives
//   EINVAL. nevents == 0 makes
//   kevent() return after applying the changes. A signal interrupts the wait with EINTR.
// - kevent() may be called from several threads on one kqueue (changes are serialized).
// Not modelled:
// - Filters other than READ/WRITE/USER (EVFILT_TIMER, VNODE, PROC, SIGNAL, AIO...) and the flags
//   EV_DISPATCH, EV_KEEPUDATA, EV_FORCEONESHOT: rejected with EINVAL so a caller notices.
// - fflags on EV_EOF (the kernel puts the socket error there; reading it on Linux would clear
//   it), NOTE_LOWAT, EVFILT_WRITE's `data` (always 0), FIONREAD differences for datagrams.
// - Regular files and other fds epoll cannot watch: EV_ADD fails with epoll's error (EPERM),
//   where a real kernel accepts them (reads are then "ready" until end of file).
// - A closed fd whose open file lives on in another descriptor (dup, fork): its kevents are
//   dropped when they would next be reported, but Linux keeps the epoll registration until the
//   file is closed everywhere.
// - kqueue descriptors are inherited across fork() (a real kqueue is not); resources of a closed
//   kqueue are reclaimed at the next kqueue() call.

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#define EVFILT_TIMER (-7)
#define EVFILT_USER (-11)

#define EV_ADD 0x0001U
#define EV_DELETE 0x0002U
#define EV_ENABLE 0x0004U
#define EV_DISABLE 0x0008U
#define EV_ONESHOT 0x0010U
#define EV_CLEAR 0x0020U
#define EV_RECEIPT 0x0040U
#define EV_DISPATCH 0x0080U
#define EV_SYSFLAGS 0xF000U
#define EV_EOF 0x8000U
#define EV_ERROR 0x4000U

#define NOTE_FFNOP 0x00000000U
#define NOTE_FFAND 0x40000000U
#define NOTE_FFOR 0x80000000U
#define NOTE_FFCOPY 0xc0000000U
#define NOTE_FFCTRLMASK 0xc0000000U
#define NOTE_FFLAGSMASK 0x00ffffffU
#define NOTE_TRIGGER 0x01000000U

struct kevent {
  uintptr_t ident;      // the fd for READ/WRITE, any number for USER
  short filter;         // EVFILT_*
  unsigned short flags; // EV_* actions and flags; EV_EOF / EV_ERROR on output
  unsigned int fflags;  // filter-specific flags (NOTE_*)
  int64_t data;         // filter-specific data (byte count, errno with EV_ERROR)
  void* udata;          // returned unchanged with the event
  uint64_t ext[4];      // FreeBSD extension words, unused here
};

#define EV_SET(kevp, a, b, c, d, e, f) \
  do {                                 \
    struct kevent* ev_set_target_ = (kevp); \
    ev_set_target_->ident = (a);       \
    ev_set_target_->filter = (b);      \
    ev_set_target_->flags = (c);       \
    ev_set_target_->fflags = (d);      \
    ev_set_target_->data = (e);        \
    ev_set_target_->udata = (f);       \
    ev_set_target_->ext[0] = 0;        \
    ev_set_target_->ext[1] = 0;        \
    ev_set_target_->ext[2] = 0;        \
    ev_set_target_->ext[3] = 0;        \
  } while (0)

#ifdef __cplusplus
extern "C" {
#endif

// Creates a kernel event queue; returns its descriptor, or -1 with errno.
int kqueue(void);
// Applies `changelist`, then waits up to `timeout` for events and stores up to `nevents` of them.
// Returns the number stored, or -1 with errno (see the list above).
int kevent(int kq, const struct kevent* changelist, int nchanges, struct kevent* eventlist, int nevents,
           const struct timespec* timeout);

#ifdef __cplusplus
}
#endif
