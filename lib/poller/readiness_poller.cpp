#include "poller/readiness_poller.hpp"

#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"
#include "poller/readiness_ops.hpp"

namespace picos::detail {
namespace {

void wake_all(SchedulerCore& core, WaitQueue& queue) noexcept {
  while (core.wake_one(queue) != nullptr) {
  }
}

}  // namespace

void ReadinessPoller::wait(IoHandle& handle, Interest interest, std::int64_t deadline) {
  if (handle.closed) throw_closed("I/O wait");
  if (handle.regular_file) return;
  if (monotonic_expired(deadline)) {
    if (ready_now(handle.fd, interest)) return;
    throw_timed_out("I/O wait");
  }
  if (!arm(handle)) return;
  WaitQueue& queue = interest == Interest::readable ? handle.readers : handle.writers;
  auto settle = [&] {
    --parked_;
    if (!handle.closed && handle.readers.empty() && handle.writers.empty()) disarm(handle);
  };
  ++parked_;
  WakeReason reason = WakeReason::none;
  try {
    reason = core_.park_on(queue, WaitKind::io, deadline);
  } catch (...) {
    settle();
    throw;
  }
  settle();
  if (handle.closed) throw_closed("I/O wait");
  if (reason == WakeReason::timed_out) throw_timed_out("I/O wait");
}

void ReadinessPoller::dispatch(IoHandle& handle, bool readable, bool writable) noexcept {
  if (readable) {
    handle.drained = false;
    wake_all(core_, handle.readers);
  }
  if (writable) wake_all(core_, handle.writers);
}

void ReadinessPoller::release(IoHandle& handle) noexcept {
  if (handle.closed) return;
  handle.closed = true;
  disarm(handle);
  wake_all(core_, handle.readers);
  wake_all(core_, handle.writers);
}

void ReadinessPoller::add_armed(IoHandle& handle) {
  if (handle.armed_index != SIZE_MAX) return;
  handle.armed_index = armed_.size();
  armed_.push_back(&handle);
}

void ReadinessPoller::remove_armed(IoHandle& handle) noexcept {
  const std::size_t index = handle.armed_index;
  if (index == SIZE_MAX) return;
  armed_[index] = armed_.back();
  armed_[index]->armed_index = index;
  armed_.pop_back();
  handle.armed_index = SIZE_MAX;
}

std::size_t ReadinessPoller::read(IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) {
  return ready_read(this, handle, data, size, deadline);
}

std::size_t ReadinessPoller::write(IoHandle& handle, const void* data, std::size_t size, std::int64_t deadline) {
  return ready_write(this, handle, data, size, deadline);
}

int ReadinessPoller::accept(IoHandle& handle, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) {
  return ready_accept(this, handle, peer, length, deadline);
}

void ReadinessPoller::connect(IoHandle& handle, const sockaddr* address, socklen_t length, std::int64_t deadline) {
  ready_connect(this, handle, address, length, deadline);
}

std::size_t ReadinessPoller::send_to(IoHandle& handle, const void* data, std::size_t size, const sockaddr* address,
                                     socklen_t length, std::int64_t deadline) {
  return ready_send_to(this, handle, data, size, address, length, deadline);
}

std::size_t ReadinessPoller::recv_from(IoHandle& handle, void* data, std::size_t size, sockaddr_storage* peer,
                                       socklen_t* length, std::int64_t deadline) {
  return ready_recv_from(this, handle, data, size, peer, length, deadline);
}

}  // namespace picos::detail
