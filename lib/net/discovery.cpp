// UDP discovery: the sockets, the ping sender and listener tasks, and the per-location limit on
// dials that keeps a flood of pings cheap.
#include "net/discovery.hpp"

#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <system_error>

namespace picos::net {
namespace {

using Clock = std::chrono::steady_clock;

// A burst is a few pings a little apart, so one lost datagram does not hide a node.
constexpr int burst_pings = 3;
constexpr auto burst_spacing = std::chrono::milliseconds(100);
constexpr auto send_timeout = std::chrono::milliseconds(200);
// Bounds that keep a flood of (valid) pings cheap: the table of recently seen locations, the
// dials running at once, the pause before dialling a location again after a success, and the
// exponential back-off after failures.
constexpr std::size_t max_seen_locations = 256;
constexpr std::size_t max_dials_in_flight = 8;
constexpr auto redial_pause = std::chrono::milliseconds(500);
constexpr auto first_backoff = std::chrono::milliseconds(250);
constexpr auto max_backoff = std::chrono::seconds(30);
// Bad pings are counted and logged at most this often.
constexpr auto bad_ping_log_interval = std::chrono::seconds(5);

// Asks the sender task to stop.
struct SenderStop {};

struct Interface {
  std::string name;
  unsigned index = 0;
  SocketAddress address;    // port 0
  std::optional<SocketAddress> broadcast;  // IPv4 only, when the interface has one
  bool loopback = false;
};

// The interfaces that are up, with their addresses of `family`.
std::vector<Interface> interfaces_of(AddressFamily family) {
  std::vector<Interface> found;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return found;
  const int native_family = family == AddressFamily::ipv6 ? AF_INET6 : AF_INET;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != native_family) continue;
    if ((entry->ifa_flags & IFF_UP) == 0U) continue;
    Interface interface;
    interface.name = entry->ifa_name;
    interface.index = ::if_nametoindex(entry->ifa_name);
    interface.loopback = (entry->ifa_flags & IFF_LOOPBACK) != 0U;
    const std::size_t size = native_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    interface.address = SocketAddress::from_native(entry->ifa_addr, size);
    if (native_family == AF_INET) {
      sockaddr_in broadcast{};
      if ((entry->ifa_flags & IFF_BROADCAST) != 0U && entry->ifa_broadaddr != nullptr) {
        std::memcpy(&broadcast, entry->ifa_broadaddr, sizeof broadcast);
      } else if (interface.loopback && entry->ifa_netmask != nullptr) {
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
        interface.broadcast = SocketAddress::from_native(&broadcast, sizeof broadcast);
      }
    }
    found.push_back(std::move(interface));
  }
  ::freeifaddrs(list);
  return found;
}

// The numeric listening addresses of `family` named by options.hosts; std::nullopt when the node
// listens on every address of that family (no hosts, or a wildcard host).
std::optional<std::vector<std::string>> listen_ips(const NodeOptions& options, AddressFamily family) {
  std::vector<std::string> ips;
  if (options.hosts.empty()) {
    if (family == AddressFamily::ipv4) return std::nullopt;
    return ips;
  }
  for (const std::string& host : options.hosts) {
    SocketAddress address;
    try {
      address = resolve(host, 0, AddressFamily::any).front();
    } catch (const std::exception&) {
      continue;  // the listener itself reports unresolvable hosts
    }
    if (address.family() != family) continue;
    const std::string ip = address.ip();
    if (ip == "0.0.0.0" || ip == "::") return std::nullopt;
    ips.push_back(ip);
  }
  return ips;
}

// The interfaces discovery uses: those carrying a listening address, or with a wildcard listener
// every non-loopback interface (loopback when there is no other).
std::vector<Interface> discovery_interfaces(const std::optional<std::vector<std::string>>& ips, AddressFamily family) {
  std::vector<Interface> all = interfaces_of(family);
  std::vector<Interface> chosen;
  for (const Interface& interface : all) {
    const bool wanted = ips ? std::find(ips->begin(), ips->end(), interface.address.ip()) != ips->end()
                            : !interface.loopback;
    if (wanted) chosen.push_back(interface);
  }
  if (chosen.empty() && !ips) {
    for (const Interface& interface : all) {
      if (interface.loopback) chosen.push_back(interface);
    }
  }
  return chosen;
}

void set_ipv4_multicast_interface(UdpSocket& socket, const Interface& interface) {
  ip_mreqn request{};
  request.imr_ifindex = static_cast<int>(interface.index);
  // The address too: with the index alone Linux may pick another interface's source address.
  std::memcpy(&request.imr_address, &static_cast<const sockaddr_in*>(interface.address.native())->sin_addr,
              sizeof request.imr_address);
  if (::setsockopt(socket.native_handle(), IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof request) != 0) {
    throw std::system_error(errno, std::generic_category(), "IP_MULTICAST_IF " + interface.name);
  }
}

void join_group(UdpSocket& socket, AddressFamily family, const Interface& interface) {
  int result = 0;
  if (family == AddressFamily::ipv4) {
    ip_mreqn request{};
    ::inet_pton(AF_INET, ipv4_discovery_group, &request.imr_multiaddr);
    request.imr_ifindex = static_cast<int>(interface.index);
    result = ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof request);
  } else {
    ipv6_mreq request{};
    ::inet_pton(AF_INET6, ipv6_discovery_group, &request.ipv6mr_multiaddr);
    request.ipv6mr_interface = interface.index;
    result = ::setsockopt(socket.native_handle(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &request, sizeof request);
  }
  // EADDRINUSE: joined already through another address of the same interface.
  if (result != 0 && errno != EADDRINUSE) {
    log(LogLevel::warning, "picos: discovery cannot join its multicast group on ", interface.name, ": ",
        std::system_category().message(errno));
  }
}

UdpSocket open_socket(AddressFamily family, std::uint16_t port) {
  UdpSocket socket = UdpSocket::open(family);
  // Several processes of one host share the discovery port; broadcasts and multicasts reach each.
  socket.set_reuse_address(true);
  socket.set_option(SOL_SOCKET, SO_REUSEPORT, 1);
  if (family == AddressFamily::ipv4) {
    socket.set_option(SOL_SOCKET, SO_BROADCAST, 1);
  } else {
    socket.set_option(IPPROTO_IPV6, IPV6_V6ONLY, 1);
  }
  const SocketAddress address = SocketAddress::any(port, family);
  if (::bind(socket.native_handle(), static_cast<const sockaddr*>(address.native()),
             static_cast<socklen_t>(address.native_size())) != 0) {
    throw std::system_error(errno, std::generic_category(), "picos: discovery cannot bind UDP " + address.to_string());
  }
  return socket;
}

}  // namespace

struct Discovery::Channel {
  AddressFamily family;
  // The listening addresses of this family (std::nullopt: every address), resolved once.
  std::optional<std::vector<std::string>> listen_ips;
  UdpSocket socket;
};

Discovery::Discovery(const NodeOptions& options, DiscoveryPing self, Scheduler& scheduler, Hooks hooks)
    : options_(options),
      self_(std::move(self)),
      datagram_(encode_ping(self_, options.secret)),
      scheduler_(scheduler),
      hooks_(std::move(hooks)) {
  const bool listening = options.discover_peers;
  for (const AddressFamily family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
    auto ips = listen_ips(options, family);
    if (ips && ips->empty()) continue;  // no listener of this family
    auto channel = std::make_unique<Channel>(
        Channel{family, std::move(ips), open_socket(family, listening ? options.udp_port : 0)});
    const bool multicast = family == AddressFamily::ipv6 || options.ipv4_multicast;
    if (listening && multicast) {
      for (const Interface& interface : discovery_interfaces(channel->listen_ips, family)) {
        join_group(channel->socket, family, interface);
      }
    }
    channels_.push_back(std::move(channel));
  }
  TaskOptions task_options;
  task_options.daemon = true;
  task_options.name = "net-discovery-send";
  sender_ = scheduler_.spawn(task_options, [this] { run_sender(); });
  if (listening) {
    task_options.name = "net-discovery-listen";
    for (const auto& channel : channels_) scheduler_.spawn(task_options, [this, at = channel.get()] { run_listener(*at); });
    ping_burst();
  }
}

Discovery::~Discovery() = default;

void Discovery::ping_burst() { sender_.send(Message(true)); }

void Discovery::close() {
  sender_.send(Message(SenderStop{}));
  for (const auto& channel : channels_) channel->socket.close();
}

void Discovery::run_sender() {
  const bool periodic = options_.discover_peers && options_.discovery_interval.count() > 0;
  int burst_left = 0;
  for (;;) {
    Timeout wait;  // none: until asked
    if (burst_left > 0) {
      wait = burst_spacing;
    } else if (periodic) {
      wait = options_.discovery_interval;
    }
    std::optional<Message> request = this_task::receive(wait);
    if (request && request->is<SenderStop>()) return;
    if (request) {
      burst_left = burst_pings;
    } else if (burst_left == 0) {
      burst_left = 1;  // the periodic ping
    }
    broadcast(std::string_view(reinterpret_cast<const char*>(datagram_.data()), datagram_.size()));
    --burst_left;
  }
}

void Discovery::ping_address(const SocketAddress& to) { spawn_burst(datagram_, to); }

void Discovery::relay(const DiscoveryPing& ping) { spawn_burst(encode_ping(ping, options_.secret), std::nullopt); }

void Discovery::spawn_burst(Bytes datagram, std::optional<SocketAddress> to) {
  TaskOptions task_options;
  task_options.daemon = true;
  task_options.name = "net-discovery-burst";
  scheduler_.spawn(task_options, [this, datagram = std::move(datagram), to = std::move(to)] {
    const std::string_view bytes(reinterpret_cast<const char*>(datagram.data()), datagram.size());
    for (int i = 0; i < burst_pings; ++i) {
      if (i > 0) this_task::sleep(burst_spacing);
      if (!to) {
        broadcast(bytes);
        continue;
      }
      for (const auto& channel : channels_) {
        if (channel->family != to->family() || !channel->socket.is_open()) continue;
        try {
          (void)channel->socket.sendto(bytes, *to, send_timeout);
        } catch (const std::system_error& error) {
          log(LogLevel::warning, "picos: discovery ping to ", to->to_string(), " failed: ", error.what());
          return;
        }
      }
    }
  });
}

void Discovery::broadcast(std::string_view bytes) {
  for (const auto& channel : channels_) {
    if (!channel->socket.is_open()) return;
    const bool multicast = channel->family == AddressFamily::ipv6 || options_.ipv4_multicast;
    for (const Interface& interface : discovery_interfaces(channel->listen_ips, channel->family)) {
      try {
        if (!multicast) {
          if (interface.broadcast) {
            (void)channel->socket.sendto(bytes, SocketAddress::parse(interface.broadcast->ip(), options_.udp_port),
                                         send_timeout);
          }
        } else if (channel->family == AddressFamily::ipv4) {
          set_ipv4_multicast_interface(channel->socket, interface);
          (void)channel->socket.sendto(bytes, SocketAddress::parse(ipv4_discovery_group, options_.udp_port), send_timeout);
        } else {
          (void)channel->socket.sendto(
              bytes, SocketAddress::parse(std::string(ipv6_discovery_group) + "%" + interface.name, options_.udp_port),
              send_timeout);
        }
      } catch (const std::system_error& error) {
        if (!channel->socket.is_open()) return;
        // An interface going down between the listing and the send is routine.
        log(LogLevel::debug, "picos: discovery ping on ", interface.name, " failed: ", error.what());
      }
    }
  }
}

void Discovery::run_listener(Channel& channel) {
  for (;;) {
    try {
      // One byte more than a ping may have, so an oversized datagram is seen as such.
      auto [data, from] = channel.socket.recvfrom(max_ping_size + 1, Timeout{});
      on_datagram(std::as_bytes(std::span(data)), from);
    } catch (const std::system_error& error) {
      if (!channel.socket.is_open() || error.code() == std::errc::operation_canceled) return;
      log(LogLevel::warning, "picos: discovery receive failed: ", error.what());
      this_task::sleep(burst_spacing);
    }
  }
}

void Discovery::on_datagram(std::span<const std::byte> datagram, const SocketAddress& from) {
  auto decoded = decode_ping(datagram, options_.secret);
  if (auto* error = std::get_if<PingError>(&decoded)) {
    note_bad_ping(*error, from);
    return;
  }
  DiscoveryPing& ping = std::get<DiscoveryPing>(decoded);
  if (ping.instance == self_.instance) return;  // our own, looped back
  for (const Location& location : ping.locations) {
    if (hooks_.known(location)) return;
  }
  const Location key = ping.locations.front();
  if (!claim_dial(key)) return;
  log(LogLevel::info, "picos: discovered node ", ping.name, " at ", key, " (ping from ", from.to_string(), ")");
  TaskOptions task_options;
  task_options.daemon = true;
  task_options.name = "net-discovery-dial";
  scheduler_.spawn(task_options, [this, key, locations = std::move(ping.locations)] {
    bool linked = false;
    try {
      for (const Location& location : locations) {
        if (hooks_.connect(location)) {
          linked = true;
          break;
        }
      }
    } catch (...) {
      dial_done(key, false);
      throw;
    }
    dial_done(key, linked);
  });
}

bool Discovery::claim_dial(const Location& location) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  auto entry = seen_.find(location);
  if (entry == seen_.end()) {
    if (seen_.size() >= max_seen_locations) {
      auto oldest = seen_.end();
      for (auto it = seen_.begin(); it != seen_.end(); ++it) {
        if (!it->second.dialling && (oldest == seen_.end() || it->second.last_seen < oldest->second.last_seen)) oldest = it;
      }
      if (oldest == seen_.end()) return false;
      seen_.erase(oldest);
    }
    entry = seen_.emplace(location, Seen{now, now, 0, false}).first;
  }
  Seen& seen = entry->second;
  seen.last_seen = now;
  if (seen.dialling || now < seen.next_dial || dials_in_flight_ >= max_dials_in_flight) return false;
  seen.dialling = true;
  ++dials_in_flight_;
  return true;
}

void Discovery::dial_done(const Location& location, bool linked) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  --dials_in_flight_;
  auto entry = seen_.find(location);
  if (entry == seen_.end()) return;
  Seen& seen = entry->second;
  seen.dialling = false;
  if (linked) {
    seen.failures = 0;
    seen.next_dial = now + redial_pause;
    return;
  }
  ++seen.failures;
  auto backoff = first_backoff * (1U << std::min(seen.failures - 1, 8U));
  seen.next_dial = now + std::min<Clock::duration>(backoff, max_backoff);
}

void Discovery::note_bad_ping(PingError error, const SocketAddress& from) {
  const auto now = Clock::now();
  std::uint64_t count = 0;
  {
    std::lock_guard lock(mutex_);
    ++bad_pings_;
    if (now - last_bad_log_ < bad_ping_log_interval) return;
    last_bad_log_ = now;
    count = bad_pings_;
    bad_pings_ = 0;
  }
  log(LogLevel::warning, "picos: ignored discovery datagram from ", from.to_string(), ": ", to_string(error),
      count > 1 ? " (" + std::to_string(count) + " bad datagrams since the last report)" : std::string());
}

}  // namespace picos::net
