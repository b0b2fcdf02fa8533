#include "net/caller_wait.hpp"
#include "net/node_core.hpp"
#include "net/discovery.hpp"
#include "net/discovery_os.hpp"
#include "net/wire.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include "io/os_socket.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace picos::detail {
namespace {

constexpr std::uint16_t default_tcp_port = 9705;
constexpr std::size_t max_frame_size_limit = std::size_t{1} << 30;
// How often the destructor checks whether tasks of other threads still have messages staged.
constexpr auto staging_poll = std::chrono::microseconds(100);

void check_options(const NodeOptions& options) {
  if (options.discovery_interval.count() < 0) throw std::invalid_argument("picos: discovery_interval must not be negative");
  if (options.heartbeat_interval.count() <= 0 || options.heartbeat_timeout <= options.heartbeat_interval ||
      options.heartbeat_interval.count() > net::max_heartbeat_interval_ms) {
    throw std::invalid_argument("picos: heartbeat_timeout must exceed a positive heartbeat_interval of at most 1 h");
  }
  if (options.send_batch_delay.count() < 0 || options.send_batch_delay > options.heartbeat_interval) {
    throw std::invalid_argument("picos: send_batch_delay must be between 0 and heartbeat_interval");
  }
  if (options.max_pending_handshakes_per_host == 0 || options.max_pending_handshakes == 0) {
    throw std::invalid_argument("picos: max_pending_handshakes and max_pending_handshakes_per_host must be positive");
  }
  // A batched message's size field has 31 bits for its size.
  if (options.max_frame_size < net::max_handshake_payload || options.max_frame_size > max_frame_size_limit) {
    throw std::invalid_argument("picos: max_frame_size must be between " + std::to_string(net::max_handshake_payload) +
                                " bytes and 1 GiB");
  }
}

std::string host_name() {
  char buffer[256] = {};
  detail::start_sockets();  // Winsock's gethostname needs WSAStartup
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "picos";
  return buffer;
}

// The address peers should dial when we listen on every interface: the first IPv4 address of an
// interface that is up and not loopback, else loopback.
std::string reachable_ipv4() {
  for (const net::NetworkInterface& nic : net::network_interfaces(AddressFamily::ipv4)) {
    if (!nic.loopback) return nic.address.ip();
  }
  return "127.0.0.1";
}

SocketAddress listen_address(const std::string& host, std::uint16_t port) {
  if (host.empty()) return SocketAddress::any(port);
  return resolve(host, port, AddressFamily::any).front();
}

}  // namespace

Message await_task(const Task& task, Timeout timeout) {
  return this_task::in_task() ? task.finish(timeout) : task.value(timeout);
}

NodeCore::NodeCore(NodeOptions node_options)
    : options((check_options(node_options), std::move(node_options))),
      tls(net::make_peer_tls(options)),
      handshake_gate_(options.max_pending_handshakes_per_host, options.max_pending_handshakes) {
  self.name = options.name.empty() ? host_name() : options.name;
  self.heartbeat_interval_ms = static_cast<std::uint32_t>(options.heartbeat_interval.count());
  if (self.name.size() > net::max_node_name) throw std::invalid_argument("picos: node name too long");
  configure_files();
  start_listeners();
  exports.set_origin(self.location);
  scheduler_ = std::make_unique<Scheduler>();
  TaskOptions keeper_options;
  keeper_options.name = "net-keeper";
  keeper_ = scheduler_->spawn(std::move(keeper_options), [this] {
    (void)this_task::receive();
    shut_down();
  });
  relay_ = spawn_net("net-monitor-relay", [this] { run_monitor_relay(); });
  for (const auto& listener : listeners_) spawn_net("net-accept", [this, listener] { accept_loop(listener); });
  start_discovery();
  for (const Location& location : options.peers) {
    spawn_net("net-connect", [this, location] { (void)connect(location, options.connect_timeout); });
  }
  thread_ = std::thread([this] { scheduler_->run(); });
}

NodeCore::~NodeCore() {
  // Messages staged by tasks still running elsewhere are queued when those tasks next park, yield
  // or end, which they do soon; they must find this node alive then.
  flush_staged_sends();
  while (staging_threads_.load(std::memory_order_acquire) != 0) std::this_thread::sleep_for(staging_poll);
  stopping_ = true;
  detach_channels();
  keeper_.send(Message(true));
  thread_.join();
  // Unwinds the daemon tasks (links, inbound connections, waiters) while the state they use is
  // still alive.
  scheduler_.reset();
}

void NodeCore::start_listeners() {
  std::vector<std::string> hosts = options.hosts;
  if (hosts.empty()) hosts.emplace_back();
  std::uint16_t port = options.tcp_port.value_or(default_tcp_port);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    std::shared_ptr<TcpListener> listener;
    try {
      listener = std::make_shared<TcpListener>(TcpListener::bind(listen_address(hosts[i], port)));
    } catch (const std::system_error& error) {
      // Only the default port may fall back to an ephemeral one (pycos's tcp_port=None).
      if (i != 0 || options.tcp_port || error.code() != std::errc::address_in_use) throw;
      listener = std::make_shared<TcpListener>(TcpListener::bind(listen_address(hosts[i], 0)));
    }
    if (tls.enabled()) listener->set_tls(tls.server);
    if (i == 0) port = listener->local_address().port();
    listeners_.push_back(std::move(listener));
  }
  std::string host = options.ext_host;
  if (host.empty()) host = hosts.front().empty() ? reachable_ipv4() : hosts.front();
  self.location = Location{host, port};
}

void NodeCore::start_discovery() {
  net::DiscoveryPing ping;
  const Bytes random = net::random_nonce();
  std::memcpy(&ping.instance, random.data(), sizeof ping.instance);
  ping.name = self.name;
  ping.locations = {self.location};
  net::Discovery::Hooks hooks;
  hooks.known = [this](const Location& location) {
    std::lock_guard lock(mutex_);
    return location == self.location || links_.contains(location) || connecting_.contains(location);
  };
  hooks.connect = [this](const Location& location) { return connect(location, options.connect_timeout); };
  discovery_ = std::make_unique<net::Discovery>(options, std::move(ping), *scheduler_, std::move(hooks));
}

void NodeCore::discover() { discovery_->ping_burst(); }

void NodeCore::discover_host(const std::string& host, std::uint16_t udp_port) {
  const std::uint16_t port = udp_port != 0 ? udp_port : options.udp_port;
  for (const SocketAddress& address : resolve(host, port)) discovery_->ping_address(address);
}

bool NodeCore::relay_discovery(const Location& peer, Timeout timeout) {
  const std::optional<Location> linked = online_location(peer);
  if (!linked) return false;
  const auto replies = request(
      {*linked}, timeout,
      [&](std::uint64_t id) {
        return net::encode_frame(net::FrameKind::relay_discovery,
                                 net::encode_payload(net::RelayPayload{id, discovery_->self()}));
      },
      [](const net::Frame&) { return true; });
  return !replies.empty() && replies.front().kind == net::FrameKind::ack &&
         net::decode_payload<net::ResultPayload>(replies.front().payload).result == 1;
}

void NodeCore::track_inbound(const std::shared_ptr<net::FrameStream>& stream) {
  std::lock_guard lock(mutex_);
  std::erase_if(inbound_, [](const std::weak_ptr<net::FrameStream>& weak) { return weak.expired(); });
  inbound_.push_back(stream);
}

void NodeCore::shut_down() {
  stopping_ = true;
  for (const auto& listener : listeners_) listener->close();
  discovery_->close();
  files.drop_all();
  std::vector<std::shared_ptr<net::FrameStream>> streams;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [location, link] : links_) streams.push_back(link.stream);
    for (const auto& weak : inbound_) {
      if (auto stream = weak.lock()) streams.push_back(std::move(stream));
    }
  }
  for (const auto& stream : streams) stream->close();
}

std::vector<Location> NodeCore::online_peers() const {
  std::lock_guard lock(mutex_);
  std::vector<Location> out;
  out.reserve(links_.size());
  for (const auto& [location, link] : links_) out.push_back(location);
  return out;
}

std::optional<Location> NodeCore::online_location(const Location& given) const {
  std::lock_guard lock(mutex_);
  if (links_.contains(given)) return given;
  const auto alias = dialled_aliases_.find(given);
  if (alias != dialled_aliases_.end() && links_.contains(alias->second)) return alias->second;
  return std::nullopt;
}

std::optional<Timeout> NodeCore::time_left_once_online(const Location& location, Timeout timeout) {
  if (is_online(location)) return timeout;  // the common case reads no clock
  {
    std::lock_guard lock(mutex_);
    if (!connecting_.contains(location)) return std::nullopt;
  }
  const auto deadline = deadline_of(timeout);
  if (!connect(location, timeout)) return std::nullopt;
  return time_left(deadline);
}

std::optional<Location> NodeCore::find_peer(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& [location, link] : links_) {
    if (link.name == name) return location;
  }
  return std::nullopt;
}

void NodeCore::subscribe(const Task& task) {
  std::vector<std::pair<Location, std::string>> online;
  {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(task);
    for (const auto& [location, link] : links_) online.emplace_back(location, link.name);
  }
  for (auto& [location, name] : online) task.send(PeerStatus{location, name, PeerStatus::Status::online});
}

void NodeCore::unsubscribe(const Task& task) {
  std::lock_guard lock(mutex_);
  std::erase(subscribers_, task);
}

std::vector<net::Frame> NodeCore::request(const std::vector<Location>& peers, Timeout timeout,
                                          const std::function<Bytes(std::uint64_t)>& make,
                                          const std::function<bool(const net::Frame&)>& is_final) {
  if (peers.empty()) return {};
  flush_staged_sends();  // what this thread's task sent before goes first
  // Frames are built before anything is registered, so an encoding failure leaves no trace.
  std::vector<std::pair<std::uint64_t, Bytes>> frames;
  frames.reserve(peers.size());
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const std::uint64_t id = next_request_++;
    frames.emplace_back(id, make(id));
  }
  const auto box = ReplyBox::for_caller();
  std::vector<std::uint64_t> ids;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < peers.size(); ++i) {
      auto& [id, frame] = frames[i];
      auto link = links_.find(peers[i]);
      if (link == links_.end()) {
        // Counts as a refusal, so the caller does not wait for a peer that cannot answer.
        box->put(net::Frame{net::FrameKind::bye, {}});
        continue;
      }
      ids.push_back(id);
      pending_.emplace(id, Pending{box, peers[i]});
      write_or_enqueue_locked(link->second, frame);
    }
  }
  struct Expecting {
    NodeCore& core;
    const std::vector<std::uint64_t>& ids;
    ~Expecting() { core.stop_expecting(ids); }
  } expecting{*this, ids};
  const auto deadline = deadline_of(timeout);
  std::vector<net::Frame> replies;
  while (replies.size() < peers.size()) {
    std::optional<net::Frame> reply = box->take(deadline);
    if (!reply) break;
    replies.push_back(std::move(*reply));
    if (is_final(replies.back())) break;
  }
  return replies;
}

void NodeCore::answer_request(std::uint64_t request_id, net::Frame reply) {
  std::shared_ptr<ReplyBox> box;
  {
    std::lock_guard lock(mutex_);
    if (auto found = pending_.find(request_id); found != pending_.end()) box = found->second.replies;
  }
  // An answer whose caller gave up (timeout) is dropped.
  if (box) box->put(std::move(reply));
}

void NodeCore::remember_remote_monitor(const RemoteTask& target, const Task& monitor) {
  std::lock_guard lock(mutex_);
  remote_monitors_.emplace(target.origin, WatchedRemote{target, monitor});
}

void NodeCore::forget_remote_monitor(const RemoteTask& target, const Task& monitor) {
  std::lock_guard lock(mutex_);
  auto [first, last] = remote_monitors_.equal_range(target.origin);
  for (auto it = first; it != last; ++it) {
    if (it->second.target == target && it->second.monitor == monitor) {
      remote_monitors_.erase(it);
      return;
    }
  }
}

}  // namespace picos::detail
