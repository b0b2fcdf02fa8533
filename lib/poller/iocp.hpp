#pragma once
// IOCP completion backend (Windows). Every socket, pipe or file a task uses is associated with the
// poller's completion port on first use; each operation is one overlapped call (AcceptEx,
// ConnectEx, WSARecv, WSASend, WSARecvFrom, WSASendTo; ReadFile/WriteFile for pipes and files,
// which must be opened with FILE_FLAG_OVERLAPPED) and the calling task parks until its completion
// packet is dequeued (GetQueuedCompletionStatusEx, many packets per poll()). Every in-flight
// operation is a heap IocpOp; a buffer on the compact shared stack is replaced by a heap bounce
// buffer. A timed-out or interrupted operation is cancelled (CancelIoEx) and its completion is
// reaped before the caller continues, so Windows never touches memory its owner has given up.
// wake() posts a packet to the port. wait() (readiness, sockets only) uses WSAEventSelect and a
// registered wait that posts a packet when the socket's event fires.

#include "poller/io_handle.hpp"
#include "poller/poller.hpp"

#include <winsock2.h>
#include <mswsock.h>
#include <windows.h>

#include <atomic>
#include <memory>

namespace picos::detail {

struct IocpOp;

// The OVERLAPPED that Windows sees, and the operation it belongs to.
struct IocpOverlapped {
  OVERLAPPED overlapped;
  IocpOp* op;
};

struct IocpOp {
  IocpOp() noexcept;
  ~IocpOp();
  IocpOp(const IocpOp&) = delete;
  IocpOp& operator=(const IocpOp&) = delete;

  IocpOverlapped carrier{};
  TaskControl* task = nullptr;
  std::uint32_t wait_seq = 0;
  IoHandle* handle = nullptr;
  IocpOp* prev = nullptr;  // in handle->iocp_ops
  IocpOp* next = nullptr;
  DWORD bytes = 0;         // from the completion packet
  bool done = false;       // its packet was dequeued
  bool cancel_sent = false;
  WSABUF buffer{};
  DWORD flags = 0;
  sockaddr_storage address{};
  INT address_length = sizeof(sockaddr_storage);
  std::unique_ptr<char[]> bounce;  // kernel-side copy of a buffer that lies on the shared stack
  // accept: the socket AcceptEx fills, closed here unless handed to the caller; the address space
  // AcceptEx requires (local and remote address, each with 16 spare bytes).
  SOCKET accepted = INVALID_SOCKET;
  char accept_addresses[2 * (sizeof(sockaddr_storage) + 16)]{};
  // wait: the socket event and the registered wait on it; `fired` is set by the wait callback.
  HANDLE event = nullptr;
  HANDLE registered_wait = nullptr;
  HANDLE port = nullptr;
  std::atomic<bool> fired{false};
};

class IocpPoller final : public Poller {
 public:
  explicit IocpPoller(SchedulerCore& core);
  ~IocpPoller() override;

  [[nodiscard]] const char* name() const noexcept override { return "iocp"; }
  void poll(std::int64_t timeout_ns) override;
  void wake() noexcept override;
  [[nodiscard]] bool idle() const noexcept override { return in_flight_ == 0; }

  void wait(IoHandle& handle, Interest interest, std::int64_t deadline) override;
  std::size_t read(IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) override;
  std::size_t write(IoHandle& handle, const void* data, std::size_t size, std::int64_t deadline) override;
  int accept(IoHandle& handle, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) override;
  void connect(IoHandle& handle, const sockaddr* address, socklen_t length, std::int64_t deadline) override;
  std::size_t send_to(IoHandle& handle, const void* data, std::size_t size, const sockaddr* address,
                      socklen_t length, std::int64_t deadline) override;
  std::size_t recv_from(IoHandle& handle, void* data, std::size_t size, sockaddr_storage* peer,
                        socklen_t* length, std::int64_t deadline) override;
  [[nodiscard]] bool async_files() const noexcept override { return true; }
  std::size_t read_at(IoHandle& handle, void* data, std::size_t size, std::uint64_t offset,
                      std::int64_t deadline) override;
  std::size_t write_at(IoHandle& handle, const void* data, std::size_t size, std::uint64_t offset,
                       std::int64_t deadline) override;
  void release(IoHandle& handle) noexcept override;

 private:
  // ReadFile (out: WriteFile) of up to `size` bytes at `offset` (ignored by pipes) on a handle
  // opened with FILE_FLAG_OVERLAPPED; 0 at the end of a file or of a pipe's data.
  std::size_t transfer(IoHandle& handle, void* data, std::size_t size, std::uint64_t offset, bool out,
                       std::int64_t deadline, const char* what);
  // A new operation on `handle`; one that will be an overlapped call (`overlapped`) associates the
  // handle with the port on first use.
  std::unique_ptr<IocpOp> start(IoHandle& handle, const char* what, bool overlapped = true);
  // After an overlapped call returned `ok` (true: it succeeded or is pending, a packet will come):
  // parks until the packet arrives (cancelling the call on timeout/interrupt). Returns the bytes
  // transferred or throws per the contract; `error` receives the Windows error of a failed one
  // when not null (then it returns instead of throwing for that error).
  DWORD finish(IocpOp& op, bool ok, std::int64_t deadline, const char* what, unsigned long* error = nullptr);
  // Where Windows may access `size` bytes of `data`: `data` itself, or a bounce buffer.
  char* kernel_buffer(IocpOp& op, void* data, std::size_t& size, bool copy_in);
  void cancel(IocpOp& op) noexcept;
  void abandon(IocpOp& op) noexcept;
  // Dequeues up to a batch of packets, waiting up to timeout_ms (INFINITE: no limit).
  void drain(DWORD timeout_ms) noexcept;
  void complete(IocpOp& op, DWORD bytes) noexcept;
  LPFN_ACCEPTEX accept_ex(SOCKET s);
  LPFN_CONNECTEX connect_ex(SOCKET s);

  SchedulerCore& core_;
  HANDLE port_ = nullptr;
  std::uint64_t id_;  // unique in the process (handles remember it; HANDLE values are reused)
  std::atomic<bool> wake_posted_{false};
  std::size_t in_flight_ = 0;
  LPFN_ACCEPTEX accept_ex_ = nullptr;
  LPFN_CONNECTEX connect_ex_ = nullptr;
};

}  // namespace picos::detail
