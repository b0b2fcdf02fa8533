#pragma once
/// @file socket_address.hpp
/// picos::SocketAddress (an IPv4 or IPv6 address and port) and name resolution.

#include <picos/timeout.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace picos {

/// Address family wanted from resolve() or used to open a socket.
enum class AddressFamily : std::uint8_t { any, ipv4, ipv6 };

/// An IPv4 or IPv6 socket address (a value type; the empty address has family() == any). Every
/// member is [N] (never blocks; parse() never resolves names).
class SocketAddress {
 public:
  /// The empty address.
  SocketAddress() noexcept = default;

  /// Parses a numeric address ("127.0.0.1", "::1", "fe80::1%eth0"); never resolves names.
  /// Throws std::invalid_argument for anything else.
  static SocketAddress parse(std::string_view ip, std::uint16_t port);
  /// 127.0.0.1 / ::1 at `port`.
  static SocketAddress loopback(std::uint16_t port, AddressFamily family = AddressFamily::ipv4);
  /// 0.0.0.0 / :: at `port` (all interfaces).
  static SocketAddress any(std::uint16_t port, AddressFamily family = AddressFamily::ipv4);
  /// Copies a native sockaddr of `length` bytes (AF_INET or AF_INET6). Throws
  /// std::invalid_argument for other families or a bad length.
  static SocketAddress from_native(const void* address, std::size_t length);

  [[nodiscard]] AddressFamily family() const noexcept;
  [[nodiscard]] bool is_ipv6() const noexcept { return family() == AddressFamily::ipv6; }
  /// The numeric host ("127.0.0.1", "::1").
  [[nodiscard]] std::string ip() const;
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// "127.0.0.1:80" or "[::1]:80".
  [[nodiscard]] std::string to_string() const;

  /// The native sockaddr and its length.
  [[nodiscard]] const void* native() const noexcept { return storage_; }
  [[nodiscard]] std::size_t native_size() const noexcept { return size_; }

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  alignas(8) unsigned char storage_[128] = {};
  std::size_t size_ = 0;
};

/// [B] Resolves `host` (a name or a numeric address) for `port` with getaddrinfo(). From a task it
/// runs on ThreadPool::shared() so the scheduler keeps running; from a plain thread it blocks the
/// thread. Returns the addresses in the resolver's order (never empty).
/// Throws std::system_error: the resolver's reason (category "getaddrinfo") when the name does not
/// resolve, std::errc::timed_out after `timeout` (the lookup itself then finishes in background).
std::vector<SocketAddress> resolve(std::string_view host, std::uint16_t port,
                                   AddressFamily family = AddressFamily::any, Timeout timeout = {});

}  // namespace picos
