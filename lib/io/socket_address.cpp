#include <picos/socket_address.hpp>

#include "io/os_socket.hpp"

#include <cstring>
#include <stdexcept>

namespace picos {

SocketAddress SocketAddress::parse(std::string_view ip, std::uint16_t port) {
  const std::string text(ip);
  sockaddr_in v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return from_native(&v4, sizeof v4);
  }
  sockaddr_in6 v6{};
  std::string host = text;
  if (const auto percent = host.find('%'); percent != std::string::npos) {
    v6.sin6_scope_id = ::if_nametoindex(host.c_str() + percent + 1);
    host.resize(percent);
  }
  if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    return from_native(&v6, sizeof v6);
  }
  throw std::invalid_argument("picos: '" + text + "' is not a numeric IPv4 or IPv6 address");
}

SocketAddress SocketAddress::loopback(std::uint16_t port, AddressFamily family) {
  return parse(family == AddressFamily::ipv6 ? "::1" : "127.0.0.1", port);
}

SocketAddress SocketAddress::any(std::uint16_t port, AddressFamily family) {
  return parse(family == AddressFamily::ipv6 ? "::" : "0.0.0.0", port);
}

SocketAddress SocketAddress::from_native(const void* address, std::size_t length) {
  const auto* base = static_cast<const sockaddr*>(address);
  const bool ok = (length >= sizeof(sockaddr_in) && base->sa_family == AF_INET) ||
                  (length >= sizeof(sockaddr_in6) && base->sa_family == AF_INET6);
  if (!ok || length > sizeof(storage_)) throw std::invalid_argument("picos: not an IPv4 or IPv6 socket address");
  SocketAddress result;
  std::memcpy(result.storage_, address, length);
  result.size_ = length;
  return result;
}

AddressFamily SocketAddress::family() const noexcept {
  if (size_ == 0) return AddressFamily::any;
  return reinterpret_cast<const sockaddr*>(storage_)->sa_family == AF_INET6 ? AddressFamily::ipv6
                                                                             : AddressFamily::ipv4;
}

std::string SocketAddress::ip() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family() == AddressFamily::ipv4) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(storage_)->sin_addr, text, sizeof text);
  } else if (family() == AddressFamily::ipv6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(storage_)->sin6_addr, text, sizeof text);
  }
  return text;
}

std::uint16_t SocketAddress::port() const noexcept {
  if (family() == AddressFamily::ipv4) return ntohs(reinterpret_cast<const sockaddr_in*>(storage_)->sin_port);
  if (family() == AddressFamily::ipv6) return ntohs(reinterpret_cast<const sockaddr_in6*>(storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  if (family() == AddressFamily::any) return "<no address>";
  if (is_ipv6()) return "[" + ip() + "]:" + std::to_string(port());
  return ip() + ":" + std::to_string(port());
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
  return a.size_ == b.size_ && std::memcmp(a.storage_, b.storage_, a.size_) == 0;
}

}  // namespace picos
