#include "poller/backends.hpp"
#include "poller/epoll.hpp"

namespace picos::detail {
namespace {

template <class Backend>
std::unique_ptr<Poller> create(SchedulerCore& core) {
  return std::make_unique<Backend>(core);
}
bool always() { return true; }

const PollerBackend table[] = {
    {"epoll", 40, &always, &create<EpollPoller>},
};

}  // namespace

std::span<const PollerBackend> poller_backends() noexcept { return table; }

}  // namespace picos::detail
