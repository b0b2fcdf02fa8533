// Winsock spellings of discovery's socket options, and the interface list from
// GetAdaptersAddresses (Windows has no getifaddrs). Windows has no SO_REUSEPORT: SO_REUSEADDR
// alone lets UDP sockets of several processes share a port and each receive its broadcasts.
#include "net/discovery_os.hpp"

#include "io/os_socket.hpp"

#include <cstring>
#include <memory>
#include <system_error>

namespace picos::net {
namespace {

// GetAdaptersAddresses wants a buffer it sizes itself; 15 KB is Microsoft's suggested start.
constexpr ULONG first_buffer_size = 15 * 1024;
constexpr int max_attempts = 4;

std::unique_ptr<std::byte[]> adapter_list(ULONG family) {
  ULONG size = first_buffer_size;
  const ULONG flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    auto buffer = std::make_unique<std::byte[]>(size);
    const ULONG result =
        ::GetAdaptersAddresses(family, flags, nullptr, reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.get()), &size);
    if (result == ERROR_SUCCESS) return buffer;
    if (result != ERROR_BUFFER_OVERFLOW) return nullptr;
  }
  return nullptr;
}

}  // namespace

std::vector<NetworkInterface> network_interfaces(AddressFamily family) {
  std::vector<NetworkInterface> found;
  const bool ipv6 = family == AddressFamily::ipv6;
  const auto buffer = adapter_list(ipv6 ? AF_INET6 : AF_INET);
  if (!buffer) return found;
  for (auto* adapter = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.get()); adapter != nullptr;
       adapter = adapter->Next) {
    if (adapter->OperStatus != IfOperStatusUp) continue;
    for (auto* unicast = adapter->FirstUnicastAddress; unicast != nullptr; unicast = unicast->Next) {
      const SOCKET_ADDRESS& native = unicast->Address;
      if (native.lpSockaddr == nullptr || native.lpSockaddr->sa_family != (ipv6 ? AF_INET6 : AF_INET)) continue;
      NetworkInterface nic;
      nic.name = adapter->AdapterName != nullptr ? adapter->AdapterName : "";
      nic.index = ipv6 ? adapter->Ipv6IfIndex : adapter->IfIndex;
      nic.loopback = adapter->IfType == IF_TYPE_SOFTWARE_LOOPBACK;
      nic.address = SocketAddress::from_native(native.lpSockaddr, static_cast<std::size_t>(native.iSockaddrLength));
      if (!ipv6 && unicast->OnLinkPrefixLength <= 32) {
        // The subnet's broadcast address from the prefix length (loopback's is 127.255.255.255).
        sockaddr_in broadcast{};
        std::memcpy(&broadcast, native.lpSockaddr, sizeof broadcast);
        const ULONG host_bits = unicast->OnLinkPrefixLength == 0 ? 0xffffffffUL
                                                                 : (1UL << (32 - unicast->OnLinkPrefixLength)) - 1;
        broadcast.sin_addr.s_addr |= ::htonl(host_bits);
        broadcast.sin_port = 0;
        nic.broadcast = SocketAddress::from_native(&broadcast, sizeof broadcast);
      }
      found.push_back(std::move(nic));
    }
  }
  return found;
}

void share_udp_port(UdpSocket& socket) { socket.set_reuse_address(true); }

void set_ipv4_multicast_interface(UdpSocket& socket, const NetworkInterface& nic) {
  // Windows takes the interface's address itself (network byte order) as the option value.
  const in_addr address = static_cast<const sockaddr_in*>(nic.address.native())->sin_addr;
  if (::setsockopt(static_cast<SOCKET>(socket.native_handle()), IPPROTO_IP, IP_MULTICAST_IF,
                   reinterpret_cast<const char*>(&address), sizeof address) != 0) {
    throw std::system_error(detail::last_socket_error(), std::generic_category(), "IP_MULTICAST_IF " + nic.name);
  }
}

int join_multicast_group(UdpSocket& socket, AddressFamily family, const char* group,
                         const NetworkInterface& nic) noexcept {
  int result = 0;
  const auto native_socket = static_cast<SOCKET>(socket.native_handle());
  if (family == AddressFamily::ipv4) {
    ip_mreq request{};
    ::inet_pton(AF_INET, group, &request.imr_multiaddr);
    request.imr_interface = static_cast<const sockaddr_in*>(nic.address.native())->sin_addr;
    result = ::setsockopt(native_socket, IPPROTO_IP, IP_ADD_MEMBERSHIP, reinterpret_cast<const char*>(&request),
                          sizeof request);
  } else {
    ipv6_mreq request{};
    ::inet_pton(AF_INET6, group, &request.ipv6mr_multiaddr);
    request.ipv6mr_interface = nic.index;
    result = ::setsockopt(native_socket, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, reinterpret_cast<const char*>(&request),
                          sizeof request);
  }
  if (result == 0) return 0;
  const int error = detail::last_socket_error();
  return error == EADDRINUSE ? 0 : error;
}

}  // namespace picos::net
