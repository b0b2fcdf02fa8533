// The one table of poller backends compiled into a Windows build (see backends.hpp).
#include "poller/backends.hpp"
#include "poller/iocp.hpp"
#include "poller/select.hpp"

namespace picos::detail {
namespace {

const PollerBackend table[] = {
    // The default: no limit on the number of sockets (select watches at most 1023 at once).
    {"iocp", 40, &always_usable, &create_backend<IocpPoller>},
    {"select", 10, &always_usable, &create_backend<SelectPoller>},
};

}  // namespace

std::span<const PollerBackend> poller_backends() noexcept { return table; }

}  // namespace picos::detail
