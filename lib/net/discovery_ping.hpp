#pragma once
// The UDP discovery ping (docs/protocol.md, "Discovery"): one datagram a node broadcasts or
// multicasts to announce where it accepts peers. Pure encoding and decoding (no I/O), so it can
// be fuzzed: decode_ping() treats its input as hostile.
//
//   magic "PD" | version (1) | flags (0) | body (cereal portable binary) | tag (32 bytes)
//   body = {instance (u64), name (string), locations (vector of Location)}
//   tag  = HMAC-SHA256(secret, "picos/discovery" | magic .. end of body)
//
// The tag only spares nodes from dialling senders that do not know the secret (a forged ping
// costs one HMAC); every connection a ping leads to is still authenticated by the handshake.

#include "net/crypto.hpp"
#include "net/frame.hpp"

#include <picos/location.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace picos::net {

inline constexpr std::uint8_t ping_version = 1;
inline constexpr std::byte ping_magic[2] = {std::byte{'P'}, std::byte{'D'}};
inline constexpr std::size_t ping_header_size = 4;
inline constexpr std::size_t ping_tag_size = sha256_mac_size;
// Largest ping sent or accepted: fits one datagram on any Ethernet-sized link without
// fragmentation.
inline constexpr std::size_t max_ping_size = 1200;
// Most locations one ping may announce.
inline constexpr std::size_t max_ping_locations = 8;

struct DiscoveryPing {
  // Random per node, so a node recognises (and ignores) its own pings when they loop back.
  std::uint64_t instance = 0;
  std::string name;
  std::vector<Location> locations;
  template <class A>
  void serialize(A& a) { a(instance, name, locations); }
  friend bool operator==(const DiscoveryPing&, const DiscoveryPing&) = default;
};

// Why a datagram is not a ping we accept.
enum class PingError : std::uint8_t {
  too_short,    // smaller than a header plus a tag
  too_large,    // above max_ping_size
  bad_magic,    // not a picos ping
  bad_version,  // another ping version
  bad_tag,      // the sender does not know our secret (or the datagram was altered)
  malformed,    // the body does not decode, or breaks a bound (name, host, port, location count)
};

[[nodiscard]] const char* to_string(PingError error) noexcept;

// The datagram for `ping`. Throws std::length_error when it breaks a bound (more than
// max_ping_locations, a name or host longer than max_node_name, or more than max_ping_size
// bytes in all) and std::runtime_error if OpenSSL fails.
[[nodiscard]] Bytes encode_ping(const DiscoveryPing& ping, std::string_view secret);

// Checks and decodes a received datagram. Never throws except std::bad_alloc.
[[nodiscard]] std::variant<DiscoveryPing, PingError> decode_ping(std::span<const std::byte> datagram,
                                                                 std::string_view secret);

}  // namespace picos::net
