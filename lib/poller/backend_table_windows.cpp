// The one table of poller backends compiled into a Windows build (see backends.hpp).
#include "poller/backends.hpp"
#include "poller/select.hpp"

namespace picos::detail {
namespace {

template <class Backend>
std::unique_ptr<Poller> create(SchedulerCore& core) {
  return std::make_unique<Backend>(core);
}
bool always() { return true; }

const PollerBackend table[] = {
    {"select", 10, &always, &create<SelectPoller>},
};

}  // namespace

std::span<const PollerBackend> poller_backends() noexcept { return table; }

}  // namespace picos::detail
