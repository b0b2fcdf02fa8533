#pragma once
// The poller contract between the scheduler, the I/O modules and an I/O backend.
//
// A Poller belongs to one scheduler and, except for wake(), is used only on that scheduler's
// thread. The scheduler calls poll() once per loop pass with the time until its next timer (0 when
// tasks are ready, negative when it has nothing to do but wait). poll() returns when an I/O event
// or completion arrived (it has made the waiting tasks ready through SchedulerCore::wake()), when
// the timeout passed, or when wake() was called from any thread.
//
// The operation API (wait, read, write, accept, connect, send_to, recv_from, read_at, write_at) is
// what socket, TLS, pipe and file code is written against; it does not say how a backend works:
// - readiness backends (epoll, kqueue, poll, select) try the non-blocking syscall, park the
//   calling task while it would block and retry when the fd is ready (one shared implementation);
// - completion backends (io_uring, iocp) submit the operation and park the task until it completes.
// Rules for every operation:
// - It must be called from a task of this poller's scheduler ("the caller"); it parks only the
//   caller. The fd must be non-blocking (on Windows: a pipe or file handle must have been opened
//   for overlapped I/O, and only iocp serves one).
// - `deadline` is monotonic nanoseconds (no_deadline: none). When it passes, the operation throws
//   std::system_error(std::errc::timed_out); data already transferred is then returned instead.
// - Other failures throw std::system_error with the errno of the syscall. When the handle is
//   release()d while the caller waits, it throws std::errc::operation_canceled.
// - A pending terminate()/raise() of the caller is thrown from the operation after the backend has
//   stopped using the caller's buffer (completion backends cancel and reap the operation first).
// - Buffers may lie on the caller's stack, also in compact mode: a backend never lets the kernel
//   touch a buffer asynchronously while the caller's stack may be copied out.

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/socket.h>
#endif

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace picos::detail {

class SchedulerCore;
struct IoHandle;

enum class Interest : std::uint8_t { readable = 1, writable = 2 };

class Poller {
 public:
  Poller() = default;
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  // Unbinds the handles still bound (their objects may outlive the scheduler).
  virtual ~Poller();

  // ---- the scheduler's side ------------------------------------------------------------------
  // The backend's name as used by PICOS_POLLER ("epoll", "poll", ...).
  [[nodiscard]] virtual const char* name() const noexcept = 0;
  // Waits up to timeout_ns (negative: no limit; 0: only collect what is ready).
  virtual void poll(std::int64_t timeout_ns) = 0;
  // Makes the current or next poll() return promptly. Thread-safe; never throws.
  virtual void wake() noexcept = 0;
  // True when no task waits for I/O, so poll(0) can be skipped.
  [[nodiscard]] virtual bool idle() const noexcept = 0;

  // ---- the operation API (caller: a task of this scheduler; see the rules above) ---------------
  // Parks until the fd is readable/writable (or hung up / in error).
  virtual void wait(IoHandle& handle, Interest interest, std::int64_t deadline) = 0;
  // read()/recv() of up to `size` bytes; 0 means end of file. `size` 0 returns 0 at once.
  virtual std::size_t read(IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) = 0;
  // write()/send() of up to `size` bytes (at least 1 unless size is 0); never raises SIGPIPE on
  // sockets.
  virtual std::size_t write(IoHandle& handle, const void* data, std::size_t size, std::int64_t deadline) = 0;
  // accept(); the new fd is non-blocking and close-on-exec. `peer`/`length` receive its address.
  virtual int accept(IoHandle& handle, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) = 0;
  // connect() to `address`; returns once connected.
  virtual void connect(IoHandle& handle, const sockaddr* address, socklen_t length, std::int64_t deadline) = 0;
  // sendto(); `address` may be null for a connected datagram socket.
  virtual std::size_t send_to(IoHandle& handle, const void* data, std::size_t size, const sockaddr* address,
                              socklen_t length, std::int64_t deadline) = 0;
  // recvfrom(); the sender's address goes to `peer`/`length`.
  virtual std::size_t recv_from(IoHandle& handle, void* data, std::size_t size, sockaddr_storage* peer,
                                socklen_t* length, std::int64_t deadline) = 0;

  // True when read_at()/write_at() are asynchronous for regular files (completion backends).
  // Otherwise callers run regular-file I/O elsewhere (the thread pool).
  [[nodiscard]] virtual bool async_files() const noexcept { return false; }
  // pread()/pwrite() at `offset`; only when async_files(). Default: throws operation_not_supported.
  virtual std::size_t read_at(IoHandle& handle, void* data, std::size_t size, std::uint64_t offset,
                              std::int64_t deadline);
  virtual std::size_t write_at(IoHandle& handle, const void* data, std::size_t size, std::uint64_t offset,
                               std::int64_t deadline);

  // Forgets `handle` before its fd is closed: every task waiting on it wakes and fails with
  // operation_canceled, pending completions are cancelled. Idempotent; never throws.
  virtual void release(IoHandle& handle) noexcept = 0;

  // ---- bookkeeping (I/O module) ---------------------------------------------------------------
  // Records that `handle` now belongs to this poller's scheduler (IoHandle::core is set).
  void bind(IoHandle& handle);
  // release() and forget `handle` (its fd is about to be closed).
  void unbind(IoHandle& handle) noexcept;

 private:
  std::vector<IoHandle*> bound_;
};

// Creates the backend called `name`, or when it is empty the one named by PICOS_POLLER, else the
// best available one. Throws std::invalid_argument naming the available backends for an unknown
// or unavailable name, std::system_error when the kernel refuses the backend's resources.
[[nodiscard]] std::unique_ptr<Poller> make_poller(SchedulerCore& core, std::string_view name);

}  // namespace picos::detail
