#pragma once
/// @file location.hpp
/// picos::Location: where a node listens (host and TCP port), the address of a peer.

#include <compare>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace picos {

/// A node's address: the host (numeric IP or name) and TCP port it accepts peers on. A value type;
/// serializable (wire name "picos.location"), so it can travel inside messages.
struct Location {
  std::string host;        ///< numeric address or host name
  std::uint16_t port = 0;  ///< TCP port

  /// "host:port" ("[host]:port" when the host contains ':'). Never blocks.
  [[nodiscard]] std::string to_string() const;
  /// True for the default-constructed value (no host, port 0).
  [[nodiscard]] bool empty() const noexcept { return host.empty() && port == 0; }

  friend auto operator<=>(const Location&, const Location&) = default;
  /// Same host and port (the port is compared first: it tells apart most locations of one host).
  friend bool operator==(const Location& a, const Location& b) noexcept { return a.port == b.port && a.host == b.host; }
};

/// cereal serialization (free functions: a member serialize() would be ambiguous with picos's
/// save(archive, const Message&) hook, which any picos type converts to).
template <class Archive>
void save(Archive& archive, const Location& location) {
  archive(location.host, location.port);
}
template <class Archive>
void load(Archive& archive, Location& location) {
  archive(location.host, location.port);
}

/// Writes to_string().
std::ostream& operator<<(std::ostream& out, const Location& location);

}  // namespace picos

template <>
struct std::hash<picos::Location> {
  std::size_t operator()(const picos::Location& location) const noexcept {
    return std::hash<std::string>{}(location.host) * 31U + location.port;
  }
};
