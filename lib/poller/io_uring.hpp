#pragma once
// io_uring completion backend (Linux, liburing). Operations are submitted to the ring (batched:
// the SQ is flushed once per poll()) and the calling task parks until their completion. Every
// in-flight operation is a heap UringOp; when the caller's buffer lies on the compact shared stack
// the kernel works on a heap bounce buffer instead. A timed-out or interrupted operation is
// cancelled and reaped before the caller continues, so the kernel never touches a buffer that its
// owner has given up.

#include "poller/io_handle.hpp"
#include "poller/poller.hpp"
#include "poller/wake_fd.hpp"

#include <liburing.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include <memory>

namespace picos::detail {

struct UringOp {
  TaskControl* task = nullptr;
  std::uint32_t wait_seq = 0;
  // Owned: the handle stays alive while its operation is in the ring, so a completion drained
  // after the handle's owner closed it (a cancelled operation of another task) still unlinks the
  // operation from handle->ops. AddressSanitizer found a completion reaching a freed handle in
  // the net tests under io_uring.
  std::shared_ptr<IoHandle> handle;
  UringOp* prev = nullptr;  // in handle->ops
  UringOp* next = nullptr;
  int result = 0;
  bool done = false;
  sockaddr_storage address{};
  socklen_t address_length = sizeof(sockaddr_storage);
  msghdr message{};
  iovec vector{};
  std::unique_ptr<char[]> bounce;  // kernel-side copy of a buffer that lies on the shared stack
};

class UringPoller final : public Poller {
 public:
  explicit UringPoller(SchedulerCore& core);
  ~UringPoller() override;
  // True when the running kernel lets this process create a ring with the operations used here.
  [[nodiscard]] static bool usable();

  [[nodiscard]] const char* name() const noexcept override { return "io_uring"; }
  void poll(std::int64_t timeout_ns) override;
  void wake() noexcept override { wake_fd_.signal(); }
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
  // A new operation on `handle` with an SQE to prepare (user data already set).
  std::unique_ptr<UringOp> start(IoHandle& handle, const char* what, io_uring_sqe*& sqe);
  // Parks until `op` completes (cancelling it on timeout/interrupt); returns its result >= 0 or
  // throws per the contract.
  int finish(UringOp& op, std::int64_t deadline, const char* what);
  // Where the kernel may access `size` bytes of `data`: `data` itself, or a bounce buffer.
  char* kernel_buffer(UringOp& op, void* data, std::size_t& size, bool copy_in);
  io_uring_sqe* next_sqe() noexcept;
  void cancel(UringOp& op) noexcept;
  void abandon(UringOp& op) noexcept;
  void drain_completions() noexcept;
  void arm_wake() noexcept;

  SchedulerCore& core_;
  io_uring ring_{};
  WakeFd wake_fd_;
  std::uint64_t wake_value_ = 0;
  bool wake_armed_ = false;
  std::size_t in_flight_ = 0;
};

}  // namespace picos::detail
