// The one table of poller backends compiled into this build (see backends.hpp).
#include "poller/backends.hpp"
#include "poller/epoll.hpp"
#include "poller/poll.hpp"
#include "poller/select.hpp"
#ifdef PICOS_HAVE_IO_URING
#include "poller/io_uring.hpp"
#endif
#ifdef PICOS_HAVE_KQUEUE
#include "poller/kqueue.hpp"
#endif

namespace picos::detail {
namespace {

const PollerBackend table[] = {
    {"epoll", 40, &always_usable, &create_backend<EpollPoller>},
#ifdef PICOS_HAVE_KQUEUE
    // The default on BSD/macOS. Where epoll exists too (only the Linux test build against the
    // kqueue emulation), epoll comes first at equal priority and stays the default.
    {"kqueue", 40, &always_usable, &create_backend<KqueuePoller>},
#endif
#ifdef PICOS_HAVE_IO_URING
    // Usable and tested, but not the default: epoll's try-first syscalls are faster for small
    // socket messages; choose it with PICOS_POLLER=io_uring or SchedulerOptions::poller.
    {"io_uring", 30, &UringPoller::usable, &create_backend<UringPoller>},
#endif
    {"poll", 20, &always_usable, &create_backend<PollPoller>},
    {"select", 10, &always_usable, &create_backend<SelectPoller>},
};

}  // namespace

std::span<const PollerBackend> poller_backends() noexcept { return table; }

}  // namespace picos::detail
