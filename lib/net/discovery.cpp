// UDP discovery: the sockets, the ping sender and listener tasks, and the per-location limit on
// dials that keeps a flood of pings cheap.
#include "net/discovery.hpp"

#include "net/discovery_os.hpp"

#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include "io/os_socket.hpp"

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
std::vector<NetworkInterface> discovery_interfaces(const std::optional<std::vector<std::string>>& ips, AddressFamily family) {
  std::vector<NetworkInterface> all = network_interfaces(family);
  std::vector<NetworkInterface> chosen;
  for (const NetworkInterface& nic : all) {
    const bool wanted = ips ? std::find(ips->begin(), ips->end(), nic.address.ip()) != ips->end()
                            : !nic.loopback;
    if (wanted) chosen.push_back(nic);
  }
  if (chosen.empty() && !ips) {
    for (const NetworkInterface& nic : all) {
      if (nic.loopback) chosen.push_back(nic);
    }
  }
  return chosen;
}

void join_group(UdpSocket& socket, AddressFamily family, const NetworkInterface& nic) {
  const char* group = family == AddressFamily::ipv4 ? ipv4_discovery_group : ipv6_discovery_group;
  if (const int error = join_multicast_group(socket, family, group, nic); error != 0) {
    log(LogLevel::warning, "picos: discovery cannot join its multicast group on ", nic.name, ": ",
        std::generic_category().message(error));
  }
}

UdpSocket open_socket(AddressFamily family, std::uint16_t port) {
  UdpSocket socket = UdpSocket::open(family);
  // Several processes of one host share the discovery port; broadcasts and multicasts reach each.
  share_udp_port(socket);
  if (family == AddressFamily::ipv4) {
    socket.set_option(SOL_SOCKET, SO_BROADCAST, 1);
  } else {
    socket.set_option(IPPROTO_IPV6, IPV6_V6ONLY, 1);
  }
  const SocketAddress address = SocketAddress::any(port, family);
  if (::bind(socket.native_handle(), static_cast<const sockaddr*>(address.native()),
             static_cast<socklen_t>(address.native_size())) != 0) {
    throw std::system_error(detail::last_socket_error(), std::generic_category(),
                            "picos: discovery cannot bind UDP " + address.to_string());
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
      for (const NetworkInterface& nic : discovery_interfaces(channel->listen_ips, family)) {
        join_group(channel->socket, family, nic);
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
    for (const NetworkInterface& nic : discovery_interfaces(channel->listen_ips, channel->family)) {
      try {
        if (!multicast) {
          if (nic.broadcast) {
            (void)channel->socket.sendto(bytes, SocketAddress::parse(nic.broadcast->ip(), options_.udp_port),
                                         send_timeout);
          }
        } else if (channel->family == AddressFamily::ipv4) {
          set_ipv4_multicast_interface(channel->socket, nic);
          (void)channel->socket.sendto(bytes, SocketAddress::parse(ipv4_discovery_group, options_.udp_port), send_timeout);
        } else {
          (void)channel->socket.sendto(
              bytes, SocketAddress::parse(std::string(ipv6_discovery_group) + "%" + std::to_string(nic.index), options_.udp_port),
              send_timeout);
        }
      } catch (const std::system_error& error) {
        if (!channel->socket.is_open()) return;
        // An interface going down between the listing and the send is routine.
        log(LogLevel::debug, "picos: discovery ping on ", nic.name, " failed: ", error.what());
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
