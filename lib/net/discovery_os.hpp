#pragma once
// The operating-system parts of UDP discovery: listing the network interfaces and the socket
// options for port sharing and multicast, whose spelling differs between POSIX
// (discovery_os_posix.cpp) and Winsock (discovery_os_windows.cpp).

#include <picos/socket.hpp>
#include <picos/socket_address.hpp>

#include <optional>
#include <string>
#include <vector>

namespace picos::net {

struct NetworkInterface {
  std::string name;
  unsigned index = 0;                      // the OS's interface index (multicast membership)
  SocketAddress address;                   // port 0
  std::optional<SocketAddress> broadcast;  // IPv4 only: the subnet's broadcast address
  bool loopback = false;
};

// The interfaces that are up, one entry per address of `family` (ipv4 or ipv6). Empty when the
// system cannot list them. Never throws except std::bad_alloc.
[[nodiscard]] std::vector<NetworkInterface> network_interfaces(AddressFamily family);

// Lets several processes of one host bind `socket` to the same UDP port, each receiving the
// broadcasts and multicasts sent to it. Throws std::system_error.
void share_udp_port(UdpSocket& socket);

// Sends the socket's IPv4 multicasts out of `nic`. Throws std::system_error.
void set_ipv4_multicast_interface(UdpSocket& socket, const NetworkInterface& nic);

// Joins multicast `group` (numeric, of `family`) on `nic`. Returns 0, or the errno value
// of the failure (joining twice through two addresses of one interface is not a failure). Never
// throws.
[[nodiscard]] int join_multicast_group(UdpSocket& socket, AddressFamily family, const char* group,
                                       const NetworkInterface& nic) noexcept;

}  // namespace picos::net
