#pragma once
// IoHandle: what the poller knows about one file descriptor. Owned through a shared_ptr by the
// object that owns the descriptor (a socket, pipe or file); an operation in progress holds its own
// reference, so a handle outlives every task parked on it. Lives on the heap: parked tasks never
// leave pointers into their stacks behind (compact stack rule).

#include "core/task_control.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace picos::detail {

class SchedulerCore;
struct UringOp;
struct IocpOp;

struct IoHandle : std::enable_shared_from_this<IoHandle> {
  explicit IoHandle(int descriptor, bool is_socket) noexcept : fd(descriptor), socket(is_socket) {}
  IoHandle(const IoHandle&) = delete;
  IoHandle& operator=(const IoHandle&) = delete;

  int fd = -1;
  bool socket = false;        // use send()/recv() (MSG_NOSIGNAL) instead of write()/read()
  bool closed = false;        // set by Poller::release(); waiters then fail with operation_canceled
  bool regular_file = false;  // never "not ready": readiness backends do not watch it
  SchedulerCore* core = nullptr;  // the scheduler whose poller has seen this handle (set on first use)
  std::size_t bound_index = SIZE_MAX;  // position in that poller's bound list

  // ---- readiness backends ----
  WaitQueue readers;          // tasks parked until the fd is readable
  WaitQueue writers;          // ... writable
  bool registered = false;    // epoll: added to the interest list
  bool edge_stream = false;   // epoll: a stream socket whose every data arrival is reported (until
                              // its end of stream or an error is)
  bool drained = false;       // edge_stream: the last read emptied the receive queue and no
                              // readable event came since, so the next read waits first
  std::size_t armed_index = SIZE_MAX;  // poll/select: position in the armed list

  // ---- completion backends ----
  UringOp* ops = nullptr;     // io_uring: operations in flight on this fd (intrusive list)
  IocpOp* iocp_ops = nullptr; // iocp: operations in flight on this handle (intrusive list)
  std::uint64_t iocp_port = 0;  // iocp: id of the poller whose completion port the handle is
                                // associated with (for good: Windows cannot undo it); 0: none
};

}  // namespace picos::detail
