#include "net/discovery_os.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace picos::net {

std::vector<NetworkInterface> network_interfaces(AddressFamily family) {
  std::vector<NetworkInterface> found;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return found;
  const int native_family = family == AddressFamily::ipv6 ? AF_INET6 : AF_INET;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != native_family) continue;
    if ((entry->ifa_flags & IFF_UP) == 0U) continue;
    NetworkInterface nic;
    nic.name = entry->ifa_name;
    nic.index = ::if_nametoindex(entry->ifa_name);
    nic.loopback = (entry->ifa_flags & IFF_LOOPBACK) != 0U;
    const std::size_t size = native_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    nic.address = SocketAddress::from_native(entry->ifa_addr, size);
    if (native_family == AF_INET) {
      sockaddr_in broadcast{};
      if ((entry->ifa_flags & IFF_BROADCAST) != 0U && entry->ifa_broadaddr != nullptr) {
        std::memcpy(&broadcast, entry->ifa_broadaddr, sizeof broadcast);
      } else if (nic.loopback && entry->ifa_netmask != nullptr) {
        // Loopback has no broadcast flag, but its subnet's broadcast address (127.255.255.255)
        // reaches every socket bound to the port, which is what processes of one host need.
        sockaddr_in address{};
        sockaddr_in mask{};
        std::memcpy(&address, entry->ifa_addr, sizeof address);
        std::memcpy(&mask, entry->ifa_netmask, sizeof mask);
        broadcast = address;
        broadcast.sin_addr.s_addr = address.sin_addr.s_addr | ~mask.sin_addr.s_addr;
      }
      if (broadcast.sin_addr.s_addr != 0) {
        broadcast.sin_family = AF_INET;
        nic.broadcast = SocketAddress::from_native(&broadcast, sizeof broadcast);
      }
    }
    found.push_back(std::move(nic));
  }
  ::freeifaddrs(list);
  return found;
}

void share_udp_port(UdpSocket& socket) {
  socket.set_reuse_address(true);
  socket.set_option(SOL_SOCKET, SO_REUSEPORT, 1);
}

void set_ipv4_multicast_interface(UdpSocket& socket, const NetworkInterface& nic) {
  ip_mreqn request{};
  request.imr_ifindex = static_cast<int>(nic.index);
  // The address too: with the index alone Linux may pick another interface's source address.
  std::memcpy(&request.imr_address, &static_cast<const sockaddr_in*>(nic.address.native())->sin_addr,
              sizeof request.imr_address);
  if (::setsockopt(socket.native_handle(), IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request) != 0) {
    throw std::system_error(errno, std::generic_category(), "IP_MULTICAST_IF " + nic.name);
  }
}

int join_multicast_group(UdpSocket& socket, AddressFamily family, const char* group,
                         const NetworkInterface& nic) noexcept {
  int result = 0;
  if (family == AddressFamily::ipv4) {
    ip_mreqn request{};
    ::inet_pton(AF_INET, group, &request.imr_multiaddr);
    request.imr_ifindex = static_cast<int>(nic.index);
    result = ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof request);
  } else {
    ipv6_mreq request{};
    ::inet_pton(AF_INET6, group, &request.ipv6mr_multiaddr);
    request.ipv6mr_interface = nic.index;
    result = ::setsockopt(socket.native_handle(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &request, sizeof request);
  }
  // EADDRINUSE: joined already through another address of the same interface.
  if (result == 0 || errno == EADDRINUSE) return 0;
  return errno;
}

}  // namespace picos::net
