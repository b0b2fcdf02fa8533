#pragma once
// How the I/O module reaches the operation API: from a task, through the poller of the task's
// scheduler (the task parks); from a plain thread or in blocking mode, through the readiness
// implementation with a thread-blocking wait. Also creates and closes handles.

#include "poller/io_handle.hpp"
#include "poller/poller.hpp"

#include <picos/timeout.hpp>

#include <memory>
#include <optional>

namespace picos::detail {

// A handle for `fd`, which is made non-blocking and close-on-exec.
[[nodiscard]] std::shared_ptr<IoHandle> make_handle(int fd, bool is_socket);

// The poller that must run an operation on `handle` now, or nullptr for a thread-blocking one.
// Binds the handle to the calling task's scheduler on first use; throws std::logic_error when a
// task of another scheduler uses it.
[[nodiscard]] Poller* poller_for(IoHandle& handle, bool blocking);

// Releases the handle from its poller (waking its waiters with operation_canceled) and closes the
// fd; from a thread other than the handle's scheduler the close runs there. Never throws.
void close_handle(const std::shared_ptr<IoHandle>& handle) noexcept;

// The operation API with the choice above. `deadline` from deadline_after().
void io_wait(IoHandle& h, bool blocking, Interest interest, std::int64_t deadline);
std::size_t io_read(IoHandle& h, bool blocking, void* data, std::size_t size, std::int64_t deadline);
std::size_t io_write(IoHandle& h, bool blocking, const void* data, std::size_t size, std::int64_t deadline);
int io_accept(IoHandle& h, bool blocking, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline);
void io_connect(IoHandle& h, bool blocking, const sockaddr* address, socklen_t length, std::int64_t deadline);
std::size_t io_send_to(IoHandle& h, bool blocking, const void* data, std::size_t size, const sockaddr* address,
                       socklen_t length, std::int64_t deadline);
std::size_t io_recv_from(IoHandle& h, bool blocking, void* data, std::size_t size, sockaddr_storage* peer,
                         socklen_t* length, std::int64_t deadline);

// The Timeout left until `deadline` (infinite for no_deadline).
[[nodiscard]] Timeout timeout_until(std::int64_t deadline) noexcept;

// The deadline of a call: its own timeout when given, else the object's.
[[nodiscard]] std::int64_t call_deadline(const std::optional<Timeout>& call, const Timeout& object) noexcept;

}  // namespace picos::detail
