// picos::Socket, TcpListener and UdpSocket: descriptors, options, addresses, accept, datagrams.
#include "core/scheduler_core.hpp"
#include "io/io_ops.hpp"
#include "io/os_socket.hpp"
#include "io/tls_session.hpp"
#include "poller/io_errors.hpp"

#include <picos/socket.hpp>

#include <cerrno>

namespace picos {
namespace {

int family_of(AddressFamily family) { return family == AddressFamily::ipv6 ? AF_INET6 : AF_INET; }

int new_socket(int family, int type) { return detail::open_socket(family, type); }

const sockaddr* native(const SocketAddress& address) { return static_cast<const sockaddr*>(address.native()); }
socklen_t native_size(const SocketAddress& address) { return static_cast<socklen_t>(address.native_size()); }

}  // namespace

Socket::Socket() noexcept = default;
Socket::Socket(int fd) {
  try {
    handle_ = detail::make_handle(fd, true);
  } catch (...) {
    detail::close_native(fd, true);
    throw;
  }
}
Socket::Socket(Socket&& other) noexcept = default;
Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = std::move(other.handle_);
    timeout_ = other.timeout_;
    blocking_ = other.blocking_;
    tls_ = std::move(other.tls_);
  }
  return *this;
}
Socket::~Socket() { close(); }

bool Socket::is_open() const noexcept { return handle_ && !handle_->closed; }
int Socket::native_handle() const noexcept { return is_open() ? handle_->fd : -1; }

void Socket::close() noexcept {
  if (!handle_) return;
  if (const auto tls = tls_; tls && !handle_->closed) {
    try {
      const Timeout limit = timeout_.is_infinite() || timeout_.duration() > std::chrono::seconds(5)
                                ? Timeout(std::chrono::seconds(5))
                                : timeout_;
      tls->shutdown(*handle_, blocking_, detail::deadline_after(limit));
    } catch (...) {
      // close_notify is a courtesy; the connection is closed anyway
    }
  }
  tls_.reset();
  detail::close_handle(handle_);
  handle_.reset();
}

std::shared_ptr<detail::IoHandle> Socket::live(const char* call) const {
  if (!is_open()) detail::throw_errno(EBADF, call);
  return handle_;
}

std::int64_t Socket::deadline(const CallTimeout& timeout) const noexcept {
  return detail::call_deadline(timeout, timeout_);
}

SocketAddress Socket::local_address() const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(live("getsockname")->fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    detail::throw_errno(detail::last_socket_error(), "getsockname");
  }
  return SocketAddress::from_native(&address, length);
}

void Socket::set_option(int level, int name, int value) {
  if (::setsockopt(live("setsockopt")->fd, level, name, reinterpret_cast<const char*>(&value), sizeof value) != 0) {
    detail::throw_errno(detail::last_socket_error(), "setsockopt");
  }
}

int Socket::option(int level, int name) const {
  int value = 0;
  socklen_t length = sizeof value;
  if (::getsockopt(live("getsockopt")->fd, level, name, reinterpret_cast<char*>(&value), &length) != 0) {
    detail::throw_errno(detail::last_socket_error(), "getsockopt");
  }
  return value;
}

void Socket::set_reuse_address(bool on) { set_option(SOL_SOCKET, SO_REUSEADDR, on ? 1 : 0); }

// ---- TcpListener --------------------------------------------------------------------------------

TcpListener TcpListener::bind(const SocketAddress& address, int backlog, bool v6_only) {
  TcpListener listener(new_socket(address.is_ipv6() ? AF_INET6 : AF_INET, SOCK_STREAM));
  detail::prepare_listener_address(listener.handle_->fd);
  if (address.is_ipv6()) listener.set_option(IPPROTO_IPV6, IPV6_V6ONLY, v6_only ? 1 : 0);
  if (::bind(listener.handle_->fd, native(address), native_size(address)) != 0) {
    detail::throw_errno(detail::last_socket_error(), ("bind " + address.to_string()).c_str());
  }
  if (::listen(listener.handle_->fd, backlog) != 0) detail::throw_errno(detail::last_socket_error(), "listen");
  return listener;
}

TcpStream TcpListener::accept(CallTimeout timeout) {
  auto handle = live("accept");
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  const int fd = detail::io_accept(*handle, blocking_, &peer, &length, deadline(timeout));
  TcpStream stream(fd);
  stream.set_timeout(timeout_);
  if (tls_context_) stream.tls_ = std::make_shared<detail::TlsSession>(tls_context_, true, std::string());
  return stream;
}

// ---- UdpSocket ----------------------------------------------------------------------------------

UdpSocket UdpSocket::open(AddressFamily family) { return UdpSocket(new_socket(family_of(family), SOCK_DGRAM)); }

UdpSocket UdpSocket::bind(const SocketAddress& address) {
  UdpSocket socket = open(address.family());
  if (::bind(socket.handle_->fd, native(address), native_size(address)) != 0) {
    detail::throw_errno(detail::last_socket_error(), ("bind " + address.to_string()).c_str());
  }
  return socket;
}

std::size_t UdpSocket::sendto(std::string_view data, const SocketAddress& address, CallTimeout timeout) {
  auto handle = live("sendto");
  return detail::io_send_to(*handle, blocking_, data.data(), data.size(), native(address), native_size(address),
                            deadline(timeout));
}

std::pair<std::string, SocketAddress> UdpSocket::recvfrom(std::size_t max_bytes, CallTimeout timeout) {
  auto handle = live("recvfrom");
  std::string data(max_bytes, '\0');
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  const std::size_t n =
      detail::io_recv_from(*handle, blocking_, data.data(), data.size(), &peer, &length, deadline(timeout));
  data.resize(n);
  return {std::move(data), SocketAddress::from_native(&peer, length)};
}

void UdpSocket::connect(const SocketAddress& address) {
  if (::connect(live("connect")->fd, native(address), native_size(address)) != 0) {
    detail::throw_errno(detail::last_socket_error(), ("connect " + address.to_string()).c_str());
  }
}

std::size_t UdpSocket::send(std::string_view data, CallTimeout timeout) {
  auto handle = live("send");
  return detail::io_send_to(*handle, blocking_, data.data(), data.size(), nullptr, 0, deadline(timeout));
}

std::string UdpSocket::recv(std::size_t max_bytes, CallTimeout timeout) {
  return recvfrom(max_bytes, timeout).first;
}

}  // namespace picos
