// The operation API on io_uring: each call prepares one SQE and parks until its completion.
#include "poller/io_uring.hpp"

#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"
#include "poller/readiness_ops.hpp"

#include <poll.h>

#include <algorithm>
#include <cstring>

namespace picos::detail {

void UringPoller::wait(IoHandle& handle, Interest interest, std::int64_t deadline) {
  if (handle.closed) throw_closed("I/O wait");
  if (monotonic_expired(deadline)) {
    if (ready_now(handle.fd, interest)) return;
    throw_timed_out("I/O wait");
  }
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, "I/O wait", sqe);
  io_uring_prep_poll_add(sqe, handle.fd, interest == Interest::readable ? POLLIN : POLLOUT);
  finish(*op, deadline, "I/O wait");
}

std::size_t UringPoller::read(IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) {
  if (size == 0) return 0;
  const char* what = handle.socket ? "recv" : "read";
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, what, sqe);
  char* buffer = kernel_buffer(*op, data, size, false);
  if (handle.socket) io_uring_prep_recv(sqe, handle.fd, buffer, size, 0);
  else io_uring_prep_read(sqe, handle.fd, buffer, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)),
                          static_cast<std::uint64_t>(-1));
  const auto n = static_cast<std::size_t>(finish(*op, deadline, what));
  if (op->bounce) std::memcpy(data, op->bounce.get(), n);
  return n;
}

std::size_t UringPoller::write(IoHandle& handle, const void* data, std::size_t size, std::int64_t deadline) {
  if (size == 0) return 0;
  const char* what = handle.socket ? "send" : "write";
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, what, sqe);
  char* buffer = kernel_buffer(*op, const_cast<void*>(data), size, true);
  if (handle.socket) io_uring_prep_send(sqe, handle.fd, buffer, size, MSG_NOSIGNAL);
  else io_uring_prep_write(sqe, handle.fd, buffer, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)),
                           static_cast<std::uint64_t>(-1));
  return static_cast<std::size_t>(finish(*op, deadline, what));
}

int UringPoller::accept(IoHandle& handle, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) {
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, "accept", sqe);
  io_uring_prep_accept(sqe, handle.fd, reinterpret_cast<sockaddr*>(&op->address), &op->address_length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
  const int fd = finish(*op, deadline, "accept");
  std::memcpy(peer, &op->address, sizeof op->address);
  *length = op->address_length;
  return fd;
}

void UringPoller::connect(IoHandle& handle, const sockaddr* address, socklen_t length, std::int64_t deadline) {
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, "connect", sqe);
  std::memcpy(&op->address, address, std::min<std::size_t>(length, sizeof op->address));
  io_uring_prep_connect(sqe, handle.fd, reinterpret_cast<sockaddr*>(&op->address), length);
  finish(*op, deadline, "connect");
}

std::size_t UringPoller::send_to(IoHandle& handle, const void* data, std::size_t size, const sockaddr* address,
                                 socklen_t length, std::int64_t deadline) {
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, "sendto", sqe);
  op->vector.iov_base = kernel_buffer(*op, const_cast<void*>(data), size, true);
  op->vector.iov_len = size;
  op->message.msg_iov = &op->vector;
  op->message.msg_iovlen = 1;
  if (address != nullptr) {
    std::memcpy(&op->address, address, std::min<std::size_t>(length, sizeof op->address));
    op->message.msg_name = &op->address;
    op->message.msg_namelen = length;
  }
  io_uring_prep_sendmsg(sqe, handle.fd, &op->message, MSG_NOSIGNAL);
  return static_cast<std::size_t>(finish(*op, deadline, "sendto"));
}

std::size_t UringPoller::recv_from(IoHandle& handle, void* data, std::size_t size, sockaddr_storage* peer,
                                   socklen_t* length, std::int64_t deadline) {
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, "recvfrom", sqe);
  op->vector.iov_base = kernel_buffer(*op, data, size, false);
  op->vector.iov_len = size;
  op->message.msg_iov = &op->vector;
  op->message.msg_iovlen = 1;
  op->message.msg_name = &op->address;
  op->message.msg_namelen = sizeof op->address;
  io_uring_prep_recvmsg(sqe, handle.fd, &op->message, 0);
  const auto n = static_cast<std::size_t>(finish(*op, deadline, "recvfrom"));
  if (op->bounce) std::memcpy(data, op->bounce.get(), n);
  std::memcpy(peer, &op->address, sizeof op->address);
  *length = op->message.msg_namelen;
  return n;
}

std::size_t UringPoller::read_at(IoHandle& handle, void* data, std::size_t size, std::uint64_t offset,
                                 std::int64_t deadline) {
  if (size == 0) return 0;
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, "pread", sqe);
  char* buffer = kernel_buffer(*op, data, size, false);
  io_uring_prep_read(sqe, handle.fd, buffer, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)), offset);
  const auto n = static_cast<std::size_t>(finish(*op, deadline, "pread"));
  if (op->bounce) std::memcpy(data, op->bounce.get(), n);
  return n;
}

std::size_t UringPoller::write_at(IoHandle& handle, const void* data, std::size_t size, std::uint64_t offset,
                                  std::int64_t deadline) {
  if (size == 0) return 0;
  io_uring_sqe* sqe = nullptr;
  auto op = start(handle, "pwrite", sqe);
  char* buffer = kernel_buffer(*op, const_cast<void*>(data), size, true);
  io_uring_prep_write(sqe, handle.fd, buffer, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)), offset);
  return static_cast<std::size_t>(finish(*op, deadline, "pwrite"));
}

}  // namespace picos::detail
