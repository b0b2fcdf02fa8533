#pragma once
// The one implementation of the operation API for readiness backends: try the non-blocking
// syscall, wait while it would block, retry. `waiter` parks the calling task through its poller's
// wait(); nullptr blocks the calling thread in ::poll() instead (blocking mode, plain threads).
// Contract and errors: see poller.hpp.

#include "poller/io_handle.hpp"
#include "poller/poller.hpp"

namespace picos::detail {

void ready_wait(Poller* waiter, IoHandle& handle, Interest interest, std::int64_t deadline);
std::size_t ready_read(Poller* waiter, IoHandle& handle, void* data, std::size_t size, std::int64_t deadline);
std::size_t ready_write(Poller* waiter, IoHandle& handle, const void* data, std::size_t size,
                        std::int64_t deadline);
int ready_accept(Poller* waiter, IoHandle& handle, sockaddr_storage* peer, socklen_t* length,
                 std::int64_t deadline);
void ready_connect(Poller* waiter, IoHandle& handle, const sockaddr* address, socklen_t length,
                   std::int64_t deadline);
std::size_t ready_send_to(Poller* waiter, IoHandle& handle, const void* data, std::size_t size,
                          const sockaddr* address, socklen_t length, std::int64_t deadline);
std::size_t ready_recv_from(Poller* waiter, IoHandle& handle, void* data, std::size_t size,
                            sockaddr_storage* peer, socklen_t* length, std::int64_t deadline);

// True when ::poll() reports `interest` (or an error/hang-up) on fd right now.
[[nodiscard]] bool ready_now(int fd, Interest interest) noexcept;

}  // namespace picos::detail
