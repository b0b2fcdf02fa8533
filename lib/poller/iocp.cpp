// The completion port itself: setup, dequeuing, completion dispatch, cancellation.
#include "poller/iocp.hpp"

#include "core/scheduler_core.hpp"
#include "poller/io_errors.hpp"
#include "poller/timeout_ms.hpp"
#include "poller/windows_errors.hpp"
#include "poller/winsock.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace picos::detail {
namespace {

constexpr ULONG_PTR op_key = 0;    // packets of overlapped calls on associated handles
constexpr ULONG_PTR wake_key = 1;  // wake()
constexpr ULONG batch = 64;
constexpr ULONG_PTR status_cancelled = 0xC0000120;  // NTSTATUS STATUS_CANCELLED

// Re-associates `file` with `port` (key op_key) through NtSetInformationFile's
// FileReplaceCompletionInformation class (Windows 8.1 and later; ntdll has no import library in
// this build, so the entry point is looked up). False when that is refused or missing.
bool move_to_port(HANDLE file, HANDLE port) noexcept {
  struct IoStatus {
    union {
      LONG status;
      PVOID pointer;
    };
    ULONG_PTR information;
  };
  struct CompletionInformation {
    HANDLE port;
    PVOID key;
  };
  using SetInformationFile = LONG(NTAPI*)(HANDLE, IoStatus*, PVOID, ULONG, int);
  constexpr int file_replace_completion_information = 61;
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return false;
  const FARPROC entry = ::GetProcAddress(ntdll, "NtSetInformationFile");
  if (entry == nullptr) return false;
  const auto set_information = reinterpret_cast<SetInformationFile>(reinterpret_cast<void*>(entry));
  IoStatus status{};
  CompletionInformation information{port, reinterpret_cast<PVOID>(op_key)};
  return set_information(file, &status, &information, sizeof information, file_replace_completion_information) >= 0;
}

}  // namespace

IocpOp::IocpOp() noexcept { carrier.op = this; }

IocpOp::~IocpOp() {
  if (accepted != INVALID_SOCKET) ::closesocket(accepted);
  // The callback has run (its packet was reaped) or was never registered, so waiting for it here
  // (INVALID_HANDLE_VALUE) cannot block for long.
  if (registered_wait != nullptr) ::UnregisterWaitEx(registered_wait, INVALID_HANDLE_VALUE);
  if (event != nullptr) ::CloseHandle(event);
}

namespace {

std::atomic<std::uint64_t> last_poller_id{0};

}  // namespace

IocpPoller::IocpPoller(SchedulerCore& core) : core_(core), id_(++last_poller_id) {
  start_winsock();
  port_ = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  if (port_ == nullptr) throw_windows(::GetLastError(), "CreateIoCompletionPort");
}

IocpPoller::~IocpPoller() { ::CloseHandle(port_); }

void IocpPoller::wake() noexcept {
  // One wake packet at a time: a burst of cross-thread sends would otherwise queue one kernel
  // packet each. The flag is cleared when the packet is dequeued, before poll() returns and the
  // scheduler drains its inbox, so a wake() that finds it set is still seen by that drain.
  if (wake_posted_.exchange(true, std::memory_order_acq_rel)) return;
  // A failure here means the port is out of memory; the next poll() timeout still comes.
  if (!::PostQueuedCompletionStatus(port_, 0, wake_key, nullptr)) wake_posted_.store(false);
}

void IocpPoller::poll(std::int64_t timeout_ns) {
  const int ms = timeout_ms(timeout_ns);
  drain(ms < 0 ? INFINITE : static_cast<DWORD>(ms));
}

void IocpPoller::drain(DWORD timeout) noexcept {
  OVERLAPPED_ENTRY entries[batch];
  ULONG count = 0;
  if (!::GetQueuedCompletionStatusEx(port_, entries, batch, &count, timeout, FALSE)) {
    const DWORD error = ::GetLastError();
    if (error == WAIT_TIMEOUT) return;
    std::fprintf(stderr, "picos: GetQueuedCompletionStatusEx failed (Windows error %lu); aborting\n", error);
    std::abort();
  }
  for (ULONG i = 0; i < count; ++i) {
    if (entries[i].lpCompletionKey == wake_key) {
      wake_posted_.store(false, std::memory_order_release);
      continue;
    }
    if (entries[i].lpOverlapped == nullptr) continue;
    IocpOp* op = reinterpret_cast<IocpOverlapped*>(entries[i].lpOverlapped)->op;
    complete(*op, entries[i].dwNumberOfBytesTransferred);
  }
}

void IocpPoller::complete(IocpOp& op, DWORD bytes) noexcept {
  op.bytes = bytes;
  op.done = true;
  --in_flight_;
  IoHandle* handle = op.handle;
  if (op.prev != nullptr) op.prev->next = op.next;
  else handle->iocp_ops = op.next;
  if (op.next != nullptr) op.next->prev = op.prev;
  op.prev = op.next = nullptr;
  if (op.task != nullptr) core_.wake_if(op.task, op.wait_seq, WakeReason::signalled);
}

void IocpPoller::cancel(IocpOp& op) noexcept {
  if (op.done || op.cancel_sent) return;
  op.cancel_sent = true;
  if (op.event != nullptr) {
    // A readiness wait: once the registered wait is gone its callback cannot post any more, so
    // the packet is posted here unless the callback already did.
    if (op.registered_wait != nullptr) {
      ::UnregisterWaitEx(op.registered_wait, INVALID_HANDLE_VALUE);
      op.registered_wait = nullptr;
    }
    if (!op.fired.exchange(true)) {
      op.carrier.overlapped.Internal = status_cancelled;
      if (!::PostQueuedCompletionStatus(port_, 0, op_key, &op.carrier.overlapped)) {
        std::fprintf(stderr, "picos: PostQueuedCompletionStatus failed (Windows error %lu); aborting\n",
                     ::GetLastError());
        std::abort();
      }
    }
    return;
  }
  // ERROR_NOT_FOUND: it completed meanwhile and its packet is queued; either way one packet comes.
  ::CancelIoEx(as_handle(op.handle->fd), &op.carrier.overlapped);
}

void IocpPoller::abandon(IocpOp& op) noexcept {
  if (op.done) return;
  op.task = nullptr;
  cancel(op);
  while (!op.done) drain(INFINITE);
}

void IocpPoller::release(IoHandle& handle) noexcept {
  if (handle.closed) return;
  handle.closed = true;
  for (IocpOp* op = handle.iocp_ops; op != nullptr; op = op->next) cancel(*op);
}

std::unique_ptr<IocpOp> IocpPoller::start(IoHandle& handle, const char* what, bool overlapped) {
  if (handle.closed) throw_closed(what);
  if (overlapped && handle.iocp_port != id_) {
    if (handle.iocp_port != 0) {
      // Used before by the tasks of a scheduler that is gone: its completions would go to that
      // scheduler's port, and CreateIoCompletionPort refuses a second association.
      if (!move_to_port(as_handle(handle.fd), port_)) {
        throw_errno(EINVAL, (std::string(what) + ": this handle was used by the tasks of an earlier scheduler and "
                                                 "Windows refuses to move it to another completion port").c_str());
      }
    } else if (::CreateIoCompletionPort(as_handle(handle.fd), port_, op_key, 0) == nullptr) {
      throw_windows(::GetLastError(), what);
    }
    handle.iocp_port = id_;
  }
  auto op = std::make_unique<IocpOp>();
  op->handle = &handle;
  return op;
}

DWORD IocpPoller::finish(IocpOp& op, bool ok, std::int64_t deadline, const char* what, unsigned long* error) {
  if (!ok) {
    // Failed at once: no packet will come.
    const auto code = static_cast<unsigned long>(op.handle->socket ? ::WSAGetLastError() : ::GetLastError());
    if (error != nullptr) {
      *error = code;
      return 0;
    }
    throw_windows(code, what);
  }
  IoHandle& handle = *op.handle;
  op.next = handle.iocp_ops;
  if (handle.iocp_ops != nullptr) handle.iocp_ops->prev = &op;
  handle.iocp_ops = &op;
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
  if (op.carrier.overlapped.Internal == 0) return op.bytes;
  if (handle.closed) throw_closed(what);
  if (reason == WakeReason::timed_out && op.cancel_sent) {
    // A send or receive cancelled part-way has still moved those bytes: report them, as the
    // contract asks for data transferred before a deadline.
    if (op.bytes > 0) return op.bytes;
    throw_timed_out(what);
  }
  // The handle is still open (release() comes before its close), so Windows can translate the
  // packet's status into its error code.
  DWORD bytes = 0;
  DWORD flags = 0;
  unsigned long code = WSA_OPERATION_ABORTED;
  if (op.event == nullptr) {  // a readiness wait has no status but its cancellation
    if (!handle.socket) {
      if (!::GetOverlappedResult(as_handle(handle.fd), &op.carrier.overlapped, &bytes, FALSE)) code = ::GetLastError();
    } else if (!::WSAGetOverlappedResult(as_socket(handle.fd), &op.carrier.overlapped, &bytes, FALSE, &flags)) {
      code = static_cast<unsigned long>(::WSAGetLastError());
    }
  }
  if (error != nullptr) {
    *error = code;
    return op.bytes;
  }
  throw_windows(code, what);
}

char* IocpPoller::kernel_buffer(IocpOp& op, void* data, std::size_t& size, bool copy_in) {
  constexpr std::size_t transfer_limit = 1u << 30;  // WSABUF lengths are 32-bit
  if (size > transfer_limit) size = transfer_limit;
  if (!core_.shared_stack().contains(data)) return static_cast<char*>(data);
  constexpr std::size_t bounce_limit = 64 * 1024;
  if (size > bounce_limit) size = bounce_limit;  // read/write may transfer less than asked
  op.bounce = std::make_unique<char[]>(size);
  if (copy_in) std::copy_n(static_cast<const char*>(data), size, op.bounce.get());
  return op.bounce.get();
}

LPFN_ACCEPTEX IocpPoller::accept_ex(SOCKET s) {
  if (accept_ex_ == nullptr) {
    GUID guid = WSAID_ACCEPTEX;
    DWORD bytes = 0;
    if (::WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &accept_ex_, sizeof accept_ex_,
                   &bytes, nullptr, nullptr) != 0) {
      throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "accept: looking up AcceptEx");
    }
  }
  return accept_ex_;
}

LPFN_CONNECTEX IocpPoller::connect_ex(SOCKET s) {
  if (connect_ex_ == nullptr) {
    GUID guid = WSAID_CONNECTEX;
    DWORD bytes = 0;
    if (::WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &connect_ex_, sizeof connect_ex_,
                   &bytes, nullptr, nullptr) != 0) {
      throw_windows(static_cast<unsigned long>(::WSAGetLastError()), "connect: looking up ConnectEx");
    }
  }
  return connect_ex_;
}

}  // namespace picos::detail
