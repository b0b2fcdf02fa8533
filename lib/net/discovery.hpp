#pragma once
// UDP discovery of peers (docs/protocol.md, "Discovery"): sends this node's ping by IPv4
// broadcast (or IPv4 multicast) and IPv6 multicast on the interfaces it listens on, and, when
// listening, answers pings of nodes that know the secret by dialling them over TCP. Dialling is
// rate-limited per announced location so a flood of pings stays cheap.

#include "net/discovery_ping.hpp"

#include <picos/node.hpp>
#include <picos/scheduler.hpp>
#include <picos/socket.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace picos::net {

// IPv4 multicast group of NodeOptions::ipv4_multicast and the IPv6 (link-local) group.
inline constexpr const char* ipv4_discovery_group = "239.255.97.5";
inline constexpr const char* ipv6_discovery_group = "ff02::9705";

class Discovery {
 public:
  struct Hooks {
    // True when `location` is a peer already or is being dialled (no need to dial).
    std::function<bool(const Location&)> known;
    // [B] Dials and authenticates `location` (on the node's scheduler); true once it is a peer.
    std::function<bool(const Location&)> connect;
  };

  // Opens the sockets (on the calling thread, so in its network namespace) and spawns the
  // sending task, and the listening task when options.discover_peers, on `scheduler`. Throws
  // std::system_error when a socket cannot be opened or bound.
  Discovery(const NodeOptions& options, DiscoveryPing self, Scheduler& scheduler, Hooks hooks);
  ~Discovery();
  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;

  // Asks the sending task for a burst of pings. Any thread; never blocks.
  void ping_burst();
  // A burst of this node's pings to one address (a host's discovery port, which nodes there
  // answer by dialling this node). Any thread; never blocks; a failure is logged.
  void ping_address(const SocketAddress& to);
  // A burst of `ping` (another node's, asked for by that peer) on this node's networks, as its
  // own pings go: nodes that hear it dial that node. Any thread; never blocks.
  void relay(const DiscoveryPing& ping);
  // This node's ping.
  [[nodiscard]] const DiscoveryPing& self() const noexcept { return self_; }
  // Closes the sockets and stops the sender: the tasks end. Call it while the scheduler runs
  // (the node does so when it shuts down); any thread; idempotent.
  void close();

 private:
  struct Channel;  // one socket: family, interfaces, destinations
  struct Seen {
    std::chrono::steady_clock::time_point last_seen;
    std::chrono::steady_clock::time_point next_dial;
    unsigned failures = 0;
    bool dialling = false;
  };

  void run_sender();
  void run_listener(Channel& channel);
  // Sends `datagram` by broadcast or multicast on every discovery interface.
  void broadcast(std::string_view datagram);
  // Sends `datagram` burst_pings times (to `to`, else by broadcast) from a task of its own.
  void spawn_burst(Bytes datagram, std::optional<SocketAddress> to);
  void on_datagram(std::span<const std::byte> datagram, const SocketAddress& from);
  bool claim_dial(const Location& location);
  void dial_done(const Location& location, bool linked);
  void note_bad_ping(PingError error, const SocketAddress& from);

  const NodeOptions& options_;
  const DiscoveryPing self_;
  const Bytes datagram_;
  Scheduler& scheduler_;
  Hooks hooks_;
  std::vector<std::unique_ptr<Channel>> channels_;
  Task sender_;

  std::mutex mutex_;
  std::map<Location, Seen> seen_;
  std::size_t dials_in_flight_ = 0;
  std::uint64_t bad_pings_ = 0;
  std::chrono::steady_clock::time_point last_bad_log_{};
};

}  // namespace picos::net
