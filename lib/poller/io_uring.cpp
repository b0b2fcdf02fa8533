// The ring itself: setup, submission, completion dispatch, cancellation.
#include "poller/io_uring.hpp"

#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace picos::detail {
namespace {

constexpr std::uint64_t ignored_tag = 0;  // cancellations
constexpr std::uint64_t wake_tag = 1;
constexpr unsigned ring_entries = 256;

}  // namespace

namespace {

bool probe_kernel() {
  io_uring ring{};
  if (io_uring_queue_init(8, &ring, 0) != 0) return false;  // e.g. disabled by sysctl or seccomp
  bool ok = false;
  if (io_uring_probe* probe = io_uring_get_probe_ring(&ring)) {
    ok = true;
    for (int op : {IORING_OP_READ, IORING_OP_WRITE, IORING_OP_ACCEPT, IORING_OP_CONNECT, IORING_OP_SEND,
                   IORING_OP_RECV, IORING_OP_SENDMSG, IORING_OP_RECVMSG, IORING_OP_POLL_ADD,
                   IORING_OP_ASYNC_CANCEL}) {
      ok = ok && io_uring_opcode_supported(probe, op) != 0;
    }
    io_uring_free_probe(probe);
  }
  io_uring_queue_exit(&ring);
  return ok;
}

}  // namespace

bool UringPoller::usable() {
  static const bool answer = probe_kernel();
  return answer;
}

UringPoller::UringPoller(SchedulerCore& core) : core_(core) {
  const int error = io_uring_queue_init(ring_entries, &ring_, 0);
  if (error < 0) throw_errno(-error, "io_uring_queue_init");
}

UringPoller::~UringPoller() { io_uring_queue_exit(&ring_); }

io_uring_sqe* UringPoller::next_sqe() noexcept {
  while (true) {
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) return sqe;
    const int submitted = io_uring_submit(&ring_);
    if (submitted < 0 && submitted != -EINTR && submitted != -EAGAIN && submitted != -EBUSY) {
      std::fprintf(stderr, "picos: io_uring_submit failed (%d); aborting\n", -submitted);
      std::abort();
    }
    if (submitted <= 0) drain_completions();
  }
}

void UringPoller::arm_wake() noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_read(sqe, wake_fd_.fd(), &wake_value_, sizeof wake_value_, 0);
  io_uring_sqe_set_data64(sqe, wake_tag);
  wake_armed_ = true;
}

void UringPoller::poll(std::int64_t timeout_ns) {
  if (!wake_armed_) arm_wake();
  io_uring_cqe* cqe = nullptr;
  if (timeout_ns == 0) {
    io_uring_submit(&ring_);
  } else if (timeout_ns < 0) {
    io_uring_submit_and_wait(&ring_, 1);
  } else {
    __kernel_timespec limit{};
    limit.tv_sec = timeout_ns / 1'000'000'000;
    limit.tv_nsec = timeout_ns % 1'000'000'000;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &limit, nullptr);
  }
  drain_completions();
}

void UringPoller::drain_completions() noexcept {
  io_uring_cqe* cqe = nullptr;
  unsigned head = 0;
  unsigned seen = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
    if (tag == wake_tag) {
      wake_armed_ = false;
      continue;
    }
    if (tag == ignored_tag) continue;
    auto* op = reinterpret_cast<UringOp*>(tag);
    op->result = cqe->res;
    op->done = true;
    --in_flight_;
    IoHandle* handle = op->handle.get();
    if (op->prev != nullptr) op->prev->next = op->next;
    else handle->ops = op->next;
    if (op->next != nullptr) op->next->prev = op->prev;
    op->prev = op->next = nullptr;
    if (op->task != nullptr) core_.wake_if(op->task, op->wait_seq, WakeReason::signalled);
  }
  io_uring_cq_advance(&ring_, seen);
}

void UringPoller::cancel(UringOp& op) noexcept {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(&op), 0);
  io_uring_sqe_set_data64(sqe, ignored_tag);
}

void UringPoller::abandon(UringOp& op) noexcept {
  if (op.done) return;
  op.task = nullptr;
  cancel(op);
  while (!op.done) {
    const int result = io_uring_submit_and_wait(&ring_, 1);
    if (result < 0 && result != -EINTR && result != -EAGAIN && result != -EBUSY) {
      std::fprintf(stderr, "picos: io_uring_submit_and_wait failed (%d); aborting\n", -result);
      std::abort();
    }
    drain_completions();
  }
}

void UringPoller::release(IoHandle& handle) noexcept {
  if (handle.closed) return;
  handle.closed = true;
  for (UringOp* op = handle.ops; op != nullptr; op = op->next) cancel(*op);
}

std::unique_ptr<UringOp> UringPoller::start(IoHandle& handle, const char* what, io_uring_sqe*& sqe) {
  if (handle.closed) throw_closed(what);
  auto op = std::make_unique<UringOp>();
  op->handle = handle.shared_from_this();
  sqe = next_sqe();
  io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uint64_t>(op.get()));
  return op;
}

int UringPoller::finish(UringOp& op, std::int64_t deadline, const char* what) {
  IoHandle& handle = *op.handle;
  op.next = handle.ops;
  if (handle.ops != nullptr) handle.ops->prev = &op;
  handle.ops = &op;
  ++in_flight_;
  TaskControl* self = SchedulerCore::current_task();
  op.task = self;
  op.wait_seq = self->wait_seq + 1;
  WakeReason reason = WakeReason::none;
  try {
    reason = core_.park(WaitKind::io, deadline);
  } catch (...) {
    abandon(op);
    throw;
  }
  if (!op.done) abandon(op);
  if (op.result >= 0) return op.result;
  if (op.result == -ECANCELED) {
    if (handle.closed) throw_closed(what);
    if (reason == WakeReason::timed_out) throw_timed_out(what);
  }
  throw_errno(-op.result, what);
}

char* UringPoller::kernel_buffer(UringOp& op, void* data, std::size_t& size, bool copy_in) {
  if (!core_.shared_stack().contains(data)) return static_cast<char*>(data);
  constexpr std::size_t bounce_limit = 64 * 1024;
  if (size > bounce_limit) size = bounce_limit;  // read/write may transfer less than asked
  op.bounce = std::make_unique<char[]>(size);
  if (copy_in) std::copy_n(static_cast<const char*>(data), size, op.bounce.get());
  return op.bounce.get();
}

}  // namespace picos::detail
