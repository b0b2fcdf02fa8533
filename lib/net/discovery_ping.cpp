#include "net/discovery_ping.hpp"

#include "net/crypto.hpp"
#include "net/handshake.hpp"


#include <stdexcept>

namespace picos::net {
namespace {

constexpr std::string_view tag_label = "picos/discovery";

Bytes tag_of(std::string_view secret, std::span<const std::byte> signed_part) {
  return handshake_mac(secret, tag_label, signed_part, {});
}

// The bounds a decoded ping must respect besides its size (encode_ping() enforces the same).
bool within_bounds(const DiscoveryPing& ping) {
  if (ping.name.size() > max_node_name || ping.locations.empty() || ping.locations.size() > max_ping_locations) {
    return false;
  }
  for (const Location& location : ping.locations) {
    if (location.host.empty() || location.host.size() > max_node_name || location.port == 0) return false;
  }
  return true;
}

}  // namespace

const char* to_string(PingError error) noexcept {
  switch (error) {
    case PingError::too_short: return "datagram too short for a ping";
    case PingError::too_large: return "datagram larger than a ping may be";
    case PingError::bad_magic: return "not a picos discovery ping";
    case PingError::bad_version: return "unsupported discovery ping version";
    case PingError::bad_tag: return "ping tag does not match our secret";
    case PingError::malformed: return "malformed discovery ping";
  }
  return "unknown ping error";
}

Bytes encode_ping(const DiscoveryPing& ping, std::string_view secret) {
  if (!within_bounds(ping)) {
    throw std::length_error("picos: a discovery ping needs 1 to " + std::to_string(max_ping_locations) +
                            " locations with ports, and names and hosts of at most " +
                            std::to_string(max_node_name) + " bytes");
  }
  Bytes datagram{ping_magic[0], ping_magic[1], std::byte{ping_version}, std::byte{0}};
  const Bytes body = encode_payload(ping);
  datagram.insert(datagram.end(), body.begin(), body.end());
  if (datagram.size() + ping_tag_size > max_ping_size) {
    throw std::length_error("picos: discovery ping of " + std::to_string(datagram.size() + ping_tag_size) +
                            " bytes exceeds " + std::to_string(max_ping_size));
  }
  const Bytes tag = tag_of(secret, datagram);
  datagram.insert(datagram.end(), tag.begin(), tag.end());
  return datagram;
}

std::variant<DiscoveryPing, PingError> decode_ping(std::span<const std::byte> datagram, std::string_view secret) {
  if (datagram.size() > max_ping_size) return PingError::too_large;
  if (datagram.size() < ping_header_size + ping_tag_size) return PingError::too_short;
  if (datagram[0] != ping_magic[0] || datagram[1] != ping_magic[1]) return PingError::bad_magic;
  if (datagram[2] != std::byte{ping_version} || datagram[3] != std::byte{0}) return PingError::bad_version;
  const auto signed_part = datagram.first(datagram.size() - ping_tag_size);
  const auto tag = datagram.last(ping_tag_size);
  Bytes expected;
  try {
    expected = tag_of(secret, signed_part);
  } catch (const std::runtime_error&) {
    return PingError::bad_tag;
  }
  // Constant time, like the handshake's MAC checks.
  if (!same_bytes_in_constant_time(expected, tag)) return PingError::bad_tag;
  try {
    DiscoveryPing ping = decode_payload<DiscoveryPing>(signed_part.subspan(ping_header_size));
    if (!within_bounds(ping)) return PingError::malformed;
    return ping;
  } catch (const SerializationError&) {
    return PingError::malformed;
  }
}

}  // namespace picos::net
