// picos::TcpStream: connecting, reading and writing (plain or through TLS), shutdown, options.
#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"
#include "io/os_socket.hpp"
#include "io/tls_session.hpp"
#include "poller/io_errors.hpp"

#include <picos/socket.hpp>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace picos {

TcpStream TcpStream::connect(const SocketAddress& address, CallTimeout timeout, std::shared_ptr<const TlsContext> tls,
                             std::string_view server_name) {
  TcpStream stream(detail::open_socket(address.is_ipv6() ? AF_INET6 : AF_INET, SOCK_STREAM));
  const std::int64_t limit = stream.deadline(timeout);
  detail::io_connect(*stream.handle_, stream.blocking_, static_cast<const sockaddr*>(address.native()),
                     static_cast<socklen_t>(address.native_size()), limit);
  if (tls) {
    stream.tls_ = std::make_shared<detail::TlsSession>(std::move(tls), false, std::string(server_name), address.ip());
    stream.tls_->handshake(*stream.handle_, stream.blocking_, limit);
  }
  return stream;
}

TcpStream TcpStream::connect(std::string_view host, std::uint16_t port, CallTimeout timeout,
                             std::shared_ptr<const TlsContext> tls) {
  const std::int64_t limit = detail::call_deadline(timeout, Timeout{});
  auto left = [limit]() -> Timeout {
    if (limit == detail::no_deadline) return Timeout{};
    return std::chrono::nanoseconds(limit - detail::monotonic_now());
  };
  const std::vector<SocketAddress> addresses = resolve(host, port, AddressFamily::any, left());
  std::exception_ptr last;
  for (const SocketAddress& address : addresses) {
    try {
      return connect(address, left(), tls, tls ? host : std::string_view());
    } catch (const std::system_error& error) {
      if (error.code() == std::errc::timed_out) throw;
      last = std::current_exception();
    }
  }
  std::rethrow_exception(last);
}

void TcpStream::start_tls(std::shared_ptr<const TlsContext> context, bool server, std::string_view server_name,
                          CallTimeout timeout) {
  auto handle = live("start_tls");
  if (tls_) throw TlsError("picos: start_tls: TLS is already active on this stream");
  std::string ip;
  if (!server) ip = peer_address().ip();
  const auto tls = std::make_shared<detail::TlsSession>(std::move(context), server, std::string(server_name), ip);
  tls_ = tls;
  tls->handshake(*handle, blocking_, deadline(timeout));
}

void TcpStream::handshake(CallTimeout timeout) {
  auto handle = live("handshake");
  if (const auto tls = tls_) tls->handshake(*handle, blocking_, deadline(timeout));
}

std::size_t TcpStream::raw_read(char* data, std::size_t size, std::int64_t limit) {
  auto handle = live("recv");
  // A local reference: close() from another task drops the stream's session while this call may
  // be suspended inside it, waiting for bytes.
  if (const auto tls = tls_) return tls->read(*handle, blocking_, data, size, limit);
  return detail::io_read(*handle, blocking_, data, size, limit);
}

void TcpStream::raw_write_all(const char* data, std::size_t size, std::int64_t limit) {
  auto handle = live("send");
  if (const auto tls = tls_) {
    tls->write_all(*handle, blocking_, data, size, limit);
    return;
  }
  std::size_t sent = 0;
  while (sent < size) sent += detail::io_write(*handle, blocking_, data + sent, size - sent, limit);
}

std::size_t TcpStream::read_some(char* data, std::size_t size, std::int64_t limit) {
  if (!buffered_.empty()) {
    const std::size_t n = std::min(size, buffered_.size());
    std::memcpy(data, buffered_.data(), n);
    buffered_.erase(0, n);
    return n;
  }
  return raw_read(data, size, limit);
}

std::size_t TcpStream::fill(std::int64_t limit) {
  const std::size_t old_size = buffered_.size();
  buffered_.resize(old_size + 4096);
  std::size_t n = 0;
  try {
    n = raw_read(buffered_.data() + old_size, 4096, limit);
  } catch (...) {
    buffered_.resize(old_size);
    throw;
  }
  buffered_.resize(old_size + n);
  return n;
}

std::string TcpStream::recv(std::size_t max_bytes, CallTimeout timeout) {
  std::string data(max_bytes, '\0');
  data.resize(read_some(data.data(), max_bytes, deadline(timeout)));
  return data;
}

std::size_t TcpStream::recv_into(std::span<char> buffer, CallTimeout timeout) {
  return read_some(buffer.data(), buffer.size(), deadline(timeout));
}

std::size_t TcpStream::send(std::string_view data, CallTimeout timeout) {
  if (tls_ || data.empty()) {
    raw_write_all(data.data(), data.size(), deadline(timeout));
    return data.size();
  }
  auto handle = live("send");
  return detail::io_write(*handle, blocking_, data.data(), data.size(), deadline(timeout));
}

void TcpStream::sendall(std::string_view data, CallTimeout timeout) {
  raw_write_all(data.data(), data.size(), deadline(timeout));
}

void TcpStream::shutdown(ShutdownHow how) {
  auto handle = live("shutdown");
  if (const auto tls = tls_; tls && how != ShutdownHow::read) tls->shutdown(*handle, blocking_, deadline(std::nullopt));
  const int mode = how == ShutdownHow::read    ? detail::shutdown_read
                   : how == ShutdownHow::write ? detail::shutdown_write
                                               : detail::shutdown_both;
  if (::shutdown(handle->fd, mode) != 0) detail::throw_errno(detail::last_socket_error(), "shutdown");
}

SocketAddress TcpStream::peer_address() const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(live("getpeername")->fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    detail::throw_errno(detail::last_socket_error(), "getpeername");
  }
  return SocketAddress::from_native(&address, length);
}

void TcpStream::set_no_delay(bool on) { set_option(IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0); }

}  // namespace picos
