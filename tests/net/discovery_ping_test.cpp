// The discovery ping datagram (lib/net/discovery_ping.hpp): round trips, and every way a hostile
// or foreign datagram is refused.
#include "net/discovery_ping.hpp"
#include "net/handshake.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <variant>

using picos::Bytes;
using picos::Location;
using picos::net::decode_ping;
using picos::net::DiscoveryPing;
using picos::net::encode_ping;
using picos::net::PingError;

namespace {

DiscoveryPing sample_ping() {
  DiscoveryPing ping;
  ping.instance = 0x0123456789abcdefULL;
  ping.name = "alpha";
  ping.locations = {Location{"10.0.0.1", 9705}, Location{"::1", 40000}};
  return ping;
}

PingError error_of(const Bytes& datagram, std::string_view secret = "secret") {
  auto decoded = decode_ping(datagram, secret);
  REQUIRE(std::holds_alternative<PingError>(decoded));
  return std::get<PingError>(decoded);
}

}  // namespace

TEST_CASE("a discovery ping decodes to what was encoded with the same secret") {
  const DiscoveryPing ping = sample_ping();
  const Bytes datagram = encode_ping(ping, "secret");
  CHECK(datagram.size() <= picos::net::max_ping_size);
  auto decoded = decode_ping(datagram, "secret");
  REQUIRE(std::holds_alternative<DiscoveryPing>(decoded));
  CHECK(std::get<DiscoveryPing>(decoded) == ping);
}

TEST_CASE("a discovery ping tagged with another secret is refused as a bad tag") {
  CHECK(error_of(encode_ping(sample_ping(), "other secret")) == PingError::bad_tag);
  CHECK(error_of(encode_ping(sample_ping(), "")) == PingError::bad_tag);
}

TEST_CASE("a discovery ping altered in any byte is refused") {
  const Bytes datagram = encode_ping(sample_ping(), "secret");
  for (std::size_t i = 0; i < datagram.size(); ++i) {
    Bytes altered = datagram;
    altered[i] ^= std::byte{0x01};
    auto decoded = decode_ping(altered, "secret");
    CHECK_MESSAGE(std::holds_alternative<PingError>(decoded), "byte " << i);
  }
}

TEST_CASE("truncated discovery pings are refused, down to the empty datagram") {
  const Bytes datagram = encode_ping(sample_ping(), "secret");
  for (std::size_t size = 0; size < datagram.size(); ++size) {
    const Bytes truncated(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(size));
    auto decoded = decode_ping(truncated, "secret");
    CHECK_MESSAGE(std::holds_alternative<PingError>(decoded), "size " << size);
  }
  CHECK(error_of(Bytes{}) == PingError::too_short);
  CHECK(error_of(Bytes(picos::net::ping_header_size + picos::net::ping_tag_size - 1, std::byte{'P'})) ==
        PingError::too_short);
}

TEST_CASE("oversized datagrams, foreign magic and other versions are refused before the tag is checked") {
  Bytes big = encode_ping(sample_ping(), "secret");
  big.resize(picos::net::max_ping_size + 1, std::byte{0});
  CHECK(error_of(big) == PingError::too_large);

  Bytes foreign = encode_ping(sample_ping(), "secret");
  foreign[0] = std::byte{'X'};
  CHECK(error_of(foreign) == PingError::bad_magic);

  Bytes newer = encode_ping(sample_ping(), "secret");
  newer[2] = std::byte{2};
  CHECK(error_of(newer) == PingError::bad_version);
}

TEST_CASE("a correctly tagged ping whose body breaks a bound is refused as malformed") {
  // A body that decodes but announces no location: tag it by hand, as a peer with the secret
  // (but a bug) could.
  DiscoveryPing empty = sample_ping();
  empty.locations.clear();
  Bytes datagram{picos::net::ping_magic[0], picos::net::ping_magic[1], std::byte{picos::net::ping_version}, std::byte{0}};
  const Bytes body = picos::net::encode_payload(empty);
  datagram.insert(datagram.end(), body.begin(), body.end());
  const Bytes tag = picos::net::handshake_mac("secret", "picos/discovery", datagram, {});
  datagram.insert(datagram.end(), tag.begin(), tag.end());
  CHECK(error_of(datagram) == PingError::malformed);

  // Garbage body with a valid tag.
  Bytes garbage{picos::net::ping_magic[0], picos::net::ping_magic[1], std::byte{picos::net::ping_version}, std::byte{0},
                std::byte{1}, std::byte{0xff}, std::byte{0xff}};
  const Bytes garbage_tag = picos::net::handshake_mac("secret", "picos/discovery", garbage, {});
  garbage.insert(garbage.end(), garbage_tag.begin(), garbage_tag.end());
  CHECK(error_of(garbage) == PingError::malformed);
}

TEST_CASE("encoding a discovery ping that breaks a bound throws std::length_error") {
  DiscoveryPing too_many = sample_ping();
  too_many.locations.assign(picos::net::max_ping_locations + 1, Location{"10.0.0.1", 1});
  CHECK_THROWS_AS((void)encode_ping(too_many, "s"), std::length_error);

  DiscoveryPing long_name = sample_ping();
  long_name.name.assign(picos::net::max_node_name + 1, 'n');
  CHECK_THROWS_AS((void)encode_ping(long_name, "s"), std::length_error);

  DiscoveryPing no_port = sample_ping();
  no_port.locations.front().port = 0;
  CHECK_THROWS_AS((void)encode_ping(no_port, "s"), std::length_error);

  DiscoveryPing huge = sample_ping();
  huge.locations.assign(picos::net::max_ping_locations, Location{std::string(picos::net::max_node_name, 'h'), 1});
  CHECK_THROWS_AS((void)encode_ping(huge, "s"), std::length_error);
}
