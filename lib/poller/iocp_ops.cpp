// The operation API on IOCP: each call starts one overlapped call (Winsock for sockets, ReadFile /
// WriteFile for pipes and files) and parks until its completion packet (see iocp.hpp).
#include "poller/iocp.hpp"

#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"
#include "poller/readiness_ops.hpp"
#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace picos::detail {
namespace {

void require_socket(const IoHandle& handle, const char* what) {
  if (!handle.socket) {
    throw_errno(EOPNOTSUPP, (std::string(what) + ": on Windows only sockets have this operation").c_str());
  }
}

// True when an overlapped Winsock call that returned `result` will post a completion packet.
bool queued(int result) noexcept { return result == 0 || ::WSAGetLastError() == WSA_IO_PENDING; }

[[noreturn]] void throw_socket_error(const char* what) {
  throw_windows(static_cast<unsigned long>(::WSAGetLastError()), what);
}

// Runs on a thread-pool thread when a waited-for socket event fires: hands the wait over to the
// poller's thread through the port, unless cancel() got there first.
VOID CALLBACK on_socket_event(PVOID context, BOOLEAN) {
  auto* op = static_cast<IocpOp*>(context);
  HANDLE port = op->port;
  OVERLAPPED* overlapped = &op->carrier.overlapped;
  if (!op->fired.exchange(true)) ::PostQueuedCompletionStatus(port, 0, 0, overlapped);
}

// Ends the event association of a readiness wait (before its event is closed).
struct EventSelectGuard {
  IoHandle& handle;
  ~EventSelectGuard() {
    if (!handle.closed) ::WSAEventSelect(as_socket(handle.fd), nullptr, 0);
  }
};

}  // namespace

void IocpPoller::wait(IoHandle& handle, Interest interest, std::int64_t deadline) {
  if (handle.closed) throw_closed("I/O wait");
  require_socket(handle, "I/O wait");
  if (ready_now(handle.fd, interest)) return;
  if (monotonic_expired(deadline)) throw_timed_out("I/O wait");
  auto op = start(handle, "I/O wait", false);
  const SOCKET s = as_socket(handle.fd);
  op->event = ::WSACreateEvent();
  if (op->event == WSA_INVALID_EVENT) {
    op->event = nullptr;
    throw_socket_error("I/O wait: WSACreateEvent");
  }
  const long events = interest == Interest::readable ? FD_READ | FD_ACCEPT | FD_CLOSE : FD_WRITE | FD_CONNECT | FD_CLOSE;
  if (::WSAEventSelect(s, op->event, events) != 0) throw_socket_error("I/O wait: WSAEventSelect");
  EventSelectGuard guard{handle};
  op->port = port_;
  if (!::RegisterWaitForSingleObject(&op->registered_wait, op->event, &on_socket_event, op.get(), INFINITE,
                                     WT_EXECUTEONLYONCE)) {
    op->registered_wait = nullptr;
    throw_windows(::GetLastError(), "I/O wait: RegisterWaitForSingleObject");
  }
  finish(*op, true, deadline, "I/O wait");
}

std::size_t IocpPoller::transfer(IoHandle& handle, void* data, std::size_t size, std::uint64_t offset, bool out,
                                  std::int64_t deadline, const char* what) {
  if (size == 0) return 0;
  auto op = start(handle, what);
  char* buffer = kernel_buffer(*op, data, size, out);
  op->carrier.overlapped.Offset = static_cast<DWORD>(offset);
  op->carrier.overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
  const HANDLE file = as_handle(handle.fd);
  const auto length = static_cast<DWORD>(size);
  const BOOL result = out ? ::WriteFile(file, buffer, length, nullptr, &op->carrier.overlapped)
                          : ::ReadFile(file, buffer, length, nullptr, &op->carrier.overlapped);
  const bool ok = result != FALSE || ::GetLastError() == ERROR_IO_PENDING;
  unsigned long error = 0;
  const DWORD n = finish(*op, ok, deadline, what, &error);
  // The end of a file, and a pipe whose writer has closed its end, read as end of file.
  if (!out && (error == ERROR_HANDLE_EOF || error == ERROR_BROKEN_PIPE)) return 0;
  if (error != 0) throw_windows(error, what);
  if (op->bounce && !out) std::memcpy(data, op->bounce.get(), n);
  return n;
}

std::size_t IocpPoller::read_at(IoHandle& handle, void* data, std::size_t size, std::uint64_t offset,
                                std::int64_t deadline) {
  return transfer(handle, data, size, offset, false, deadline, "ReadFile");
}

std::size_t IocpPoller::write_at(IoHandle& handle, const void* data, std::size_t size, std::uint64_t offset,
                                 std::int64_t deadline) {
  return transfer(handle, const_cast<void*>(data), size, offset, true, deadline, "WriteFile");
}

std::size_t IocpPoller::read(IoHandle& handle, void* data, std::size_t size, std::int64_t deadline) {
  if (size == 0) return 0;
  if (!handle.socket) return transfer(handle, data, size, 0, false, deadline, "ReadFile");
  auto op = start(handle, "recv");
  op->buffer.buf = kernel_buffer(*op, data, size, false);
  op->buffer.len = static_cast<ULONG>(size);
  const int result =
      ::WSARecv(as_socket(handle.fd), &op->buffer, 1, nullptr, &op->flags, &op->carrier.overlapped, nullptr);
  const DWORD n = finish(*op, queued(result), deadline, "recv");
  if (op->bounce) std::memcpy(data, op->bounce.get(), n);
  return n;
}

std::size_t IocpPoller::write(IoHandle& handle, const void* data, std::size_t size, std::int64_t deadline) {
  if (size == 0) return 0;
  if (!handle.socket) return transfer(handle, const_cast<void*>(data), size, 0, true, deadline, "WriteFile");
  auto op = start(handle, "send");
  op->buffer.buf = kernel_buffer(*op, const_cast<void*>(data), size, true);
  op->buffer.len = static_cast<ULONG>(size);
  const int result = ::WSASend(as_socket(handle.fd), &op->buffer, 1, nullptr, 0, &op->carrier.overlapped, nullptr);
  return finish(*op, queued(result), deadline, "send");
}

int IocpPoller::accept(IoHandle& handle, sockaddr_storage* peer, socklen_t* length, std::int64_t deadline) {
  if (handle.closed) throw_closed("accept");
  const SOCKET listener = as_socket(handle.fd);
  sockaddr_storage local{};
  int local_length = sizeof local;
  if (::getsockname(listener, reinterpret_cast<sockaddr*>(&local), &local_length) != 0) {
    throw_socket_error("accept: getsockname");
  }
  const LPFN_ACCEPTEX accept_call = accept_ex(listener);
  constexpr DWORD address_space = sizeof(sockaddr_storage) + 16;
  while (true) {
    auto op = start(handle, "accept");
    op->accepted =
        ::WSASocketW(local.ss_family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (op->accepted == INVALID_SOCKET) throw_socket_error("accept: socket");
    DWORD received = 0;
    const bool ok = accept_call(listener, op->accepted, op->accept_addresses, 0, address_space, address_space, &received,
                                &op->carrier.overlapped) != FALSE ||
                    ::WSAGetLastError() == WSA_IO_PENDING;
    unsigned long error = 0;
    finish(*op, ok, deadline, "accept", &error);
    if (error != 0) {
      // A client that gave up before its connection was accepted: take the next one.
      const int code = errno_from_windows(error);
      if (code == ECONNRESET || code == ECONNABORTED) continue;
      throw_windows(error, "accept");
    }
    const SOCKET s = op->accepted;
    if (::setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, reinterpret_cast<const char*>(&listener),
                     sizeof listener) != 0) {
      throw_socket_error("accept: SO_UPDATE_ACCEPT_CONTEXT");
    }
    u_long on = 1;
    if (::ioctlsocket(s, FIONBIO, &on) != 0) throw_socket_error("accept: FIONBIO");
    *length = sizeof(sockaddr_storage);
    if (::getpeername(s, reinterpret_cast<sockaddr*>(peer), length) != 0) throw_socket_error("accept: getpeername");
    op->accepted = INVALID_SOCKET;
    return as_fd(s);
  }
}

void IocpPoller::connect(IoHandle& handle, const sockaddr* address, socklen_t length, std::int64_t deadline) {
  if (handle.closed) throw_closed("connect");
  const SOCKET s = as_socket(handle.fd);
  int type = 0;
  int type_length = sizeof type;
  if (::getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &type_length) != 0) {
    throw_socket_error("connect: SO_TYPE");
  }
  if (type != SOCK_STREAM) {
    // Connecting a datagram socket only records the peer; it never waits.
    if (::connect(s, address, length) != 0) throw_socket_error("connect");
    return;
  }
  // ConnectEx wants a bound socket; an unbound one gets the wildcard address and any port, as
  // connect() would do implicitly.
  sockaddr_storage local{};
  int local_length = sizeof local;
  if (::getsockname(s, reinterpret_cast<sockaddr*>(&local), &local_length) != 0) {
    local = sockaddr_storage{};
    local.ss_family = address->sa_family;
    local_length = address->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (::bind(s, reinterpret_cast<const sockaddr*>(&local), local_length) != 0) throw_socket_error("connect: bind");
  }
  const LPFN_CONNECTEX connect_call = connect_ex(s);
  auto op = start(handle, "connect");
  std::memcpy(&op->address, address, std::min<std::size_t>(length, sizeof op->address));
  const bool ok = connect_call(s, reinterpret_cast<const sockaddr*>(&op->address), length, nullptr, 0, nullptr,
                               &op->carrier.overlapped) != FALSE ||
                  ::WSAGetLastError() == WSA_IO_PENDING;
  finish(*op, ok, deadline, "connect");
  if (::setsockopt(s, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0) != 0) {
    throw_socket_error("connect: SO_UPDATE_CONNECT_CONTEXT");
  }
}

std::size_t IocpPoller::send_to(IoHandle& handle, const void* data, std::size_t size, const sockaddr* address,
                                socklen_t length, std::int64_t deadline) {
  require_socket(handle, "sendto");
  auto op = start(handle, "sendto");
  op->buffer.buf = kernel_buffer(*op, const_cast<void*>(data), size, true);
  op->buffer.len = static_cast<ULONG>(size);
  const sockaddr* to = nullptr;
  int to_length = 0;
  if (address != nullptr) {
    std::memcpy(&op->address, address, std::min<std::size_t>(length, sizeof op->address));
    to = reinterpret_cast<const sockaddr*>(&op->address);
    to_length = length;
  }
  const int result = ::WSASendTo(as_socket(handle.fd), &op->buffer, 1, nullptr, 0, to, to_length,
                                 &op->carrier.overlapped, nullptr);
  return finish(*op, queued(result), deadline, "sendto");
}

std::size_t IocpPoller::recv_from(IoHandle& handle, void* data, std::size_t size, sockaddr_storage* peer,
                                  socklen_t* length, std::int64_t deadline) {
  require_socket(handle, "recvfrom");
  while (true) {
    auto op = start(handle, "recvfrom");
    std::size_t capacity = size;
    op->buffer.buf = kernel_buffer(*op, data, capacity, false);
    op->buffer.len = static_cast<ULONG>(capacity);
    const int result = ::WSARecvFrom(as_socket(handle.fd), &op->buffer, 1, nullptr, &op->flags,
                                     reinterpret_cast<sockaddr*>(&op->address), &op->address_length,
                                     &op->carrier.overlapped, nullptr);
    unsigned long error = 0;
    DWORD n = finish(*op, queued(result), deadline, "recvfrom", &error);
    if (error != 0) {
      const int code = errno_from_windows(error);
      // A UDP socket reports an ICMP "port unreachable" from an earlier sendto as a reset: skip it.
      if (code == ECONNRESET) continue;
      if (code != EMSGSIZE) throw_windows(error, "recvfrom");
      n = static_cast<DWORD>(capacity);  // truncated to the buffer, as recvfrom() does on POSIX
    }
    if (op->bounce) std::memcpy(data, op->bounce.get(), n);
    std::memcpy(peer, &op->address, sizeof op->address);
    *length = op->address_length;
    return n;
  }
}

}  // namespace picos::detail
