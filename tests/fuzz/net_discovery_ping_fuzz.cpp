// libFuzzer target: the discovery ping decoder (lib/net/discovery_ping.hpp) fed hostile
// datagrams. The contract checked: decode_ping() never throws; a datagram it accepts (only the
// seeds' genuine pings, as the fuzzer cannot forge a tag) respects every bound and encodes back
// to a ping that decodes to the same value; under another secret nothing is accepted. The seeds
// in corpus/net_discovery_ping are tagged with the secret "fuzz secret".
#include "net/discovery_ping.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> datagram(reinterpret_cast<const std::byte*>(data), size);
  auto decoded = picos::net::decode_ping(datagram, "fuzz secret");
  if (auto* ping = std::get_if<picos::net::DiscoveryPing>(&decoded)) {
    require(size <= picos::net::max_ping_size);
    require(!ping->locations.empty() && ping->locations.size() <= picos::net::max_ping_locations);
    // Whatever was accepted encodes again (it respects every bound) and decodes to itself.
    const picos::Bytes again = picos::net::encode_ping(*ping, "fuzz secret");
    auto round_trip = picos::net::decode_ping(again, "fuzz secret");
    require(std::holds_alternative<picos::net::DiscoveryPing>(round_trip));
    require(std::get<picos::net::DiscoveryPing>(round_trip) == *ping);
  }
  // A wrong secret never accepts.
  require(std::holds_alternative<picos::net::PingError>(picos::net::decode_ping(datagram, "another secret")));
  return 0;
}
