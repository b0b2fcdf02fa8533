#include "io/io_ops.hpp"

#include "core/scheduler_core.hpp"
#include "io/os_socket.hpp"
#include "poller/io_errors.hpp"
#include "poller/readiness_ops.hpp"

#include <cerrno>
#include <stdexcept>

namespace picos::detail {

std::shared_ptr<IoHandle> make_handle(int fd, bool is_socket) {
  make_non_blocking(fd, is_socket);
  return std::make_shared<IoHandle>(fd, is_socket);
}

Poller* poller_for(IoHandle& handle, bool blocking) {
  if (blocking) return nullptr;
  SchedulerCore* core = SchedulerCore::on_this_thread();
  if (core == nullptr || SchedulerCore::current_task() == nullptr) return nullptr;
  if (handle.core == nullptr) {
    core->poller().bind(handle);
    handle.core = core;
  }
  if (handle.core != core) {
    throw std::logic_error("picos: an I/O object is used by tasks of two schedulers; use it from one");
  }
  return &core->poller();
}

void close_handle(const std::shared_ptr<IoHandle>& handle) noexcept {
  if (!handle || handle->fd < 0) return;
  SchedulerCore* core = handle->core;
  auto finish = [handle] {
    if (handle->core != nullptr) handle->core->poller().unbind(*handle);
    handle->closed = true;
    close_native(handle->fd, handle->socket);
    handle->fd = -1;
  };
  if (core == nullptr || core->is_loop_thread() || core->stopped()) {
    finish();
    return;
  }
  try {
    core->post(finish);
  } catch (...) {
    finish();  // the scheduler stopped meanwhile: no task waits any more
  }
}

Timeout timeout_until(std::int64_t deadline) noexcept {
  if (deadline == no_deadline) return Timeout{};
  return std::chrono::nanoseconds(deadline - monotonic_now());
}

std::int64_t call_deadline(const std::optional<Timeout>& call, const Timeout& object) noexcept {
  return deadline_after(call ? *call : object);
}

void io_wait(IoHandle& h, bool blocking, Interest interest, std::int64_t deadline) {
  if (h.closed) throw_closed("I/O wait");
  if (Poller* p = poller_for(h, blocking)) p->wait(h, interest, deadline);
  else ready_wait(nullptr, h, interest, deadline);
}

std::size_t io_read(IoHandle& h, bool blocking, void* data, std::size_t size, std::int64_t deadline) {
  if (h.closed) throw_closed("read");
  if (Poller* p = poller_for(h, blocking)) return p->read(h, data, size, deadline);
  return ready_read(nullptr, h, data, size, deadline);
}

std::size_t io_write(IoHandle& h, bool blocking, const void* data, std::size_t size, std::int64_t deadline) {
  if (h.closed) throw_closed("write");
  if (Poller* p = poller_for(h, blocking)) return p->write(h, data, size, deadline);
  return ready_write(nullptr, h, data, size, deadline);
}

int io_accept(IoHandle& h, bool blocking, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) {
  if (h.closed) throw_closed("accept");
  if (Poller* p = poller_for(h, blocking)) return p->accept(h, peer, length, deadline);
  return ready_accept(nullptr, h, peer, length, deadline);
}

void io_connect(IoHandle& h, bool blocking, const sockaddr* address, socklen_t length, std::int64_t deadline) {
  if (h.closed) throw_closed("connect");
  if (Poller* p = poller_for(h, blocking)) p->connect(h, address, length, deadline);
  else ready_connect(nullptr, h, address, length, deadline);
}

std::size_t io_send_to(IoHandle& h, bool blocking, const void* data, std::size_t size, const sockaddr* address,
                       socklen_t length, std::int64_t deadline) {
  if (h.closed) throw_closed("sendto");
  if (Poller* p = poller_for(h, blocking)) return p->send_to(h, data, size, address, length, deadline);
  return ready_send_to(nullptr, h, data, size, address, length, deadline);
}

std::size_t io_recv_from(IoHandle& h, bool blocking, void* data, std::size_t size, sockaddr_storage* peer,
                         socklen_t* length, std::int64_t deadline) {
  if (h.closed) throw_closed("recvfrom");
  if (Poller* p = poller_for(h, blocking)) return p->recv_from(h, data, size, peer, length, deadline);
  return ready_recv_from(nullptr, h, data, size, peer, length, deadline);
}

}  // namespace picos::detail
