#pragma once
/// @file node.hpp
/// picos::Node: joins this process to a network of picos peers (pycos's networked scheduler).
///
/// A Node listens for peers on TCP, authenticates every connection with the shared secret
/// (HMAC-SHA256 challenge-response in both directions; the secret is never sent), and lets local
/// tasks exchange messages with tasks of other processes through RemoteTask references, and use
/// channels of other processes (locate_channel(), see remote_channel.hpp). All network I/O runs
/// on the node's own internal scheduler thread, so a busy user task does not stall peer traffic. Peers send heartbeats; a peer that stays silent longer than
/// `heartbeat_timeout` (or whose connection fails) is declared offline: peer-status subscribers
/// and monitors of its tasks are told.
///
/// Every member may be called from a task (of any scheduler) or from a plain thread. Calls marked
/// [B] block: from a task they suspend only that task; from a plain thread they block the thread.
/// Each [B] call takes a timeout and returns within it (plus scheduling delay).
///
/// The wire protocol is described in docs/protocol.md.

#include <picos/file_transfer.hpp>
#include <picos/location.hpp>
#include <picos/message.hpp>
#include <picos/remote_channel.hpp>
#include <picos/remote_task.hpp>
#include <picos/task.hpp>
#include <picos/timeout.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace picos {

/// Settings of a Node.
struct NodeOptions {
  /// Node name announced to peers; empty: the host name.
  std::string name;
  /// Addresses to accept peers on (numeric IPs or names), one listener each; empty: all IPv4
  /// interfaces ("0.0.0.0").
  std::vector<std::string> hosts;
  /// TCP port: std::nullopt tries 9705 and falls back to an ephemeral port if it is taken; 0 takes
  /// an ephemeral port; any other value is used exactly (busy: the constructor throws).
  std::optional<std::uint16_t> tcp_port;
  /// UDP port of discovery pings (docs/protocol.md, "Discovery"). Several processes of one host
  /// share it (SO_REUSEADDR and SO_REUSEPORT); every one of them receives each ping.
  std::uint16_t udp_port = 9705;
  /// Address placed in this node's Location instead of the listening address (NAT, containers).
  std::string ext_host;
  /// Discovery: when true the node listens on udp_port for pings of other nodes, dials (over the
  /// authenticated TCP handshake) each node whose ping carries a tag made with the same secret,
  /// and sends a burst of pings when it starts. Pings go out by IPv4 broadcast (or multicast, see
  /// ipv4_multicast) and by IPv6 multicast to group ff02::9705, on the interfaces the node listens
  /// on (every non-loopback interface when `hosts` is empty or a wildcard). Dials caused by pings
  /// are rate-limited per announced location, so a flood of pings stays cheap.
  bool discover_peers = false;
  /// IPv4 discovery by multicast to group 239.255.97.5 instead of broadcast (all nodes of a
  /// network must agree). IPv6 always uses multicast.
  bool ipv4_multicast = false;
  /// With discover_peers: also ping every this often, so nodes that were unreachable (a link
  /// that went down, a node started later without discovery) are found again; 0: ping only at
  /// start and on Node::discover_peers(). Negative: the constructor throws std::invalid_argument.
  std::chrono::milliseconds discovery_interval{0};
  /// Peers to connect to when the node starts (failures are logged, not thrown).
  std::vector<Location> peers;
  /// Shared secret; peers must use the same one.
  std::string secret;
  /// TLS on every peer connection, both directions, when certfile is set: PEM certificate (chain)
  /// this node presents, as server to nodes dialling it and as client when it dials them.
  /// certfile and keyfile go together. The secret handshake still runs inside TLS. In a build
  /// without OpenSSL (the mingw-w64 build) the Node constructor then throws picos::TlsError.
  std::string certfile;
  /// PEM private key of certfile.
  std::string keyfile;
  /// PEM file of the CA certificates that peers' certificates must chain to (both directions:
  /// a node without a certificate from one of them is refused); empty: the system's trust store.
  /// Needs certfile.
  std::string cafile;
  /// With TLS: a peer's certificate must also name the address (or host name) it is dialled at.
  /// Turn off for a private CA whose members change addresses; the chain is still verified.
  bool tls_verify_host = true;
  /// Where files sent by peers (send_file) are stored; created with its parents when the first
  /// file arrives. Empty: $TMPDIR/picos/<node name> ("/tmp" when TMPDIR is unset; '/' in the name
  /// becomes '_'); on Windows the temporary directory is GetTempPath's (%TMP%, %TEMP%, ...) and
  /// \:*?"<>| in the name become '_' too. On Windows a stored file keeps its mtime to 100 ns and
  /// only the owner's write bit of its mode (read-only attribute; it then reads back as 0444 or
  /// 0666), and names Windows reserves (CON, NUL, COM1..., names ending in '.' or ' ', or holding
  /// <>:"\|?*) are refused. See Node::dest_path().
  std::string dest_path;
  /// Largest file accepted from a peer, in bytes; larger ones are refused before any data flows
  /// (FileStatus::too_large). 0: no limit (as in pycos).
  std::uint64_t max_file_size = 0;
  /// Largest frame payload accepted from a peer, in bytes (bigger frames close the connection).
  /// At most 1 GiB.
  std::size_t max_frame_size = 16 * 1024 * 1024;
  /// Back-pressure: bytes queued for one peer and not yet taken by its link writer beyond which
  /// send() and RemoteChannel::send() wait (see Node::send); a task streaming to one target may
  /// pass it by the 64 KiB it stages (see Node::send) and one message. Bounds what a slow or
  /// stopped reader makes this process hold to about twice this (the writer holds the batch it
  /// is writing). 0: no limit (the outbox grows with whatever the peer cannot take).
  std::size_t max_outbox_bytes = 32 * 1024 * 1024;
  /// How long a link's writer, having written a burst of less than 16 KiB, waits for more before
  /// its next write, while senders keep adding to its outbox without waking it. A stream of small
  /// send()s then goes out in a few large writes instead of many small ones with a thread wake-up
  /// each (about twice the messages per second on loopback). The cost: a message or request
  /// queued for a link during such a wait leaves up to this much later; one queued while the link
  /// is idle leaves at once. 0 writes at once. Must be at most heartbeat_interval.
  std::chrono::microseconds send_batch_delay{50};
  /// How often a link sends a heartbeat.
  std::chrono::milliseconds heartbeat_interval{2000};
  /// A peer silent for this long is declared offline. Must exceed heartbeat_interval. On Linux,
  /// while the peer's kernel keeps acknowledging a backlog of this node's bytes (a long stream on
  /// a slow network, which holds its answers back) the peer is not silent; a write taking no byte
  /// for this long also loses the link (docs/protocol.md, "Connections and links").
  std::chrono::milliseconds heartbeat_timeout{10000};
  /// Limit of connecting plus the handshake.
  std::chrono::milliseconds connect_timeout{5000};
  /// Accepted connections from one IP address that may be in their handshake at once; more are
  /// closed at once (refusals are logged, summarised once per second). Bounds what idle or slow
  /// connections (slowloris) can hold: each is dropped after connect_timeout anyway.
  std::size_t max_pending_handshakes_per_host = 64;
  /// The same bound over all addresses.
  std::size_t max_pending_handshakes = 1024;
};

namespace detail {
class NodeCore;
}

/// A process's membership in the peer network. Not copyable nor movable; destroy it to leave the
/// network (its links are closed; peers see it go offline).
class Node {
 public:
  /// Starts the node's network thread, listeners and discovery, then connects to options.peers.
  /// The node lives in the calling thread's network namespace (its sockets are opened there or
  /// on the network thread it starts). Throws std::system_error when a listener or the discovery
  /// socket cannot be bound, std::invalid_argument for options that are inconsistent or not
  /// implemented (see NodeOptions), picos::TlsError when a TLS certificate, key or CA file cannot
  /// be loaded (or picos was built without TLS).
  explicit Node(NodeOptions options = {});
  /// [B] Closes every link and listener and stops the network thread; messages still queued for
  /// a link are dropped with it. First it waits for tasks of other threads that still have sends
  /// staged for this node (see send()) to park, yield or end. Must not be called from a task of
  /// the node's own scheduler (none are exposed).
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// This node's Location (ext_host or the first listening address, and the TCP port). [N]
  [[nodiscard]] Location location() const;
  /// This node's name. [N]
  [[nodiscard]] const std::string& name() const noexcept;
  /// The directory where files sent by peers are stored (NodeOptions::dest_path or its default).
  /// It may not exist before the first file arrives. [N]
  [[nodiscard]] const std::string& dest_path() const noexcept;

  /// [B] Connects to the node at `location` and authenticates; true once the peer is online
  /// (also when it already was), false when it could not be reached or refused (the reason is
  /// logged). Every link is one persistent connection, used in order by all sends to that peer
  /// (pycos's stream_send is always on).
  bool peer(const Location& location, Timeout timeout = std::chrono::seconds(10));
  /// Sends a burst of discovery pings (see NodeOptions::discover_peers): nodes that listen for
  /// pings and know the secret dial this node, and both report each other online. Works also when
  /// this node does not listen itself. Never blocks.
  void discover_peers();
  /// pycos's peer(host): sends a burst of this node's discovery pings to `host`'s discovery port
  /// (`udp_port`, 0: NodeOptions::udp_port), so that a node there that listens for pings and
  /// knows the secret dials this node; wait for it with locate_peer() or peer_status(). Works
  /// when broadcasts do not reach that host, and when this node does not listen itself. When
  /// several processes of that host share the port, the kernel hands a unicast ping to one of
  /// them. [B] only while a name is resolved; throws std::system_error when `host` does not
  /// resolve. A send failure is logged.
  void discover_host(const std::string& host, std::uint16_t udp_port = 0);
  /// pycos's peer(..., relay=True): asks the peer at `location` to broadcast this node's
  /// discovery ping on its own networks, so the nodes there that listen dial this node (a node
  /// whose broadcasts do not reach them, or that does not ping at all, is found that way). [B]
  /// True when the peer relayed it; false when it is not a peer, refused, or no answer came in
  /// time.
  bool relay_discovery(const Location& location, Timeout timeout = std::chrono::seconds(10));
  /// The peers online now. [N]
  [[nodiscard]] std::vector<Location> peers() const;
  /// [B] The location of the peer named `name`, waiting up to `timeout` for it to come online;
  /// std::nullopt on timeout.
  std::optional<Location> locate_peer(const std::string& name, Timeout timeout);
  /// Subscribes `task` to PeerStatus messages: at once an online status for each peer online
  /// now, then one message per change. Never blocks.
  void peer_status(const Task& task);
  /// Stops sending PeerStatus messages to `task`. Never blocks.
  void drop_peer_status(const Task& task);
  /// [B] Closes the link to the peer (it is reported offline). False when it was not a peer.
  bool close_peer(const Location& location, Timeout timeout = std::chrono::seconds(5));

  /// Makes `task` reachable from peers and returns its reference (the same one on every call for
  /// the same task). Throws std::invalid_argument for an empty handle. Never blocks.
  RemoteTask export_task(const Task& task);
  /// Registers `task` under `name` so peers can locate() it; false when the name is taken.
  /// Throws std::invalid_argument for an empty handle or name. Never blocks.
  bool register_task(const std::string& name, const Task& task);
  /// Removes a registration; false when `name` was not registered. Never blocks.
  bool unregister_task(const std::string& name);

  /// [B] Finds the task registered under `name`: locally first, then at `where` (when given and
  /// online) or at every peer; peers that come online while it waits (e.g. found by discovery)
  /// are asked too, and with no peer online it waits for one. Returns at the first positive
  /// answer; std::nullopt once every peer asked has said no and no new one has come, on timeout,
  /// or when `where` is not a peer.
  std::optional<RemoteTask> locate(const std::string& name, std::optional<Location> where = std::nullopt,
                                   Timeout timeout = std::chrono::seconds(10));

  /// Sends `message` to `target` without waiting. Messages from one sender to one target arrive in
  /// the order sent, and before anything else the sender sends to that node afterwards (a
  /// deliver(), a channel message, a request). Returns false when the target's node is not a peer
  /// (or, for a target of this node, when it is not a live exported task). An invalid target at the
  /// peer is dropped there (use deliver() to learn of it). From a task, a stream of sends to one
  /// target is staged on the task's thread, up to 64 KiB, and queued for the link at once: when the
  /// task parks (any wait), yields or ends, when it sends to another target or anything else to a
  /// peer, or when 64 KiB are staged; a task that keeps its thread busy without waiting holds its
  /// last staged messages back meanwhile (as pycos holds the messages of a task that does not
  /// yield). Staged messages assume their peer is still linked, as the send before them found it:
  /// if the link is lost first they are lost with it (logged), like queued ones. For a target on
  /// another node the message is serialized here: throws SerializationError (before sending
  /// anything) when its type is not registered, std::length_error when it exceeds max_frame_size. A
  /// target of this node gets the message moved in without serialization. [B] only for
  /// back-pressure: once the message is queued, while more than NodeOptions::max_outbox_bytes wait
  /// for the peer's link writer the caller waits (a task sleeps in 1 ms steps, leaving its
  /// scheduler free; a plain thread sleeps) until the writer takes them; if the link is lost
  /// meanwhile the queued messages are lost with it and send() returns false. Never waits on the
  /// node's own network thread.
  bool send(const RemoteTask& target, const Message& message);
  /// Bytes queued for the peer at `location` that its link writer has not taken yet (0 when it
  /// is not a peer). For monitoring back-pressure. Never blocks.
  [[nodiscard]] std::size_t outbox_bytes(const Location& location) const;
  /// [B] Sends `message` and waits until the target's node has queued it: Delivery::delivered,
  /// Delivery::invalid for an unknown peer or a stale/forged/ended target, Delivery::timed_out
  /// when no answer came in time or the peer went offline meanwhile (the message may or may not
  /// have arrived). A target's node that is being dialled (a peer that has just connected to this
  /// node, before the link back is up) is waited for within `timeout`; any other node that is not
  /// a peer is invalid at once. Throws like send().
  Delivery deliver(const RemoteTask& target, const Message& message, Timeout timeout = std::chrono::seconds(10));

  /// [B] Makes the local task `monitor` a monitor of `target`: when target ends, `monitor`
  /// receives a RemoteMonitorStatus (finished / failed / terminated), or `unreachable` if the
  /// target's node goes offline first. True when registered; false for an unknown peer, an
  /// ended or invalid target, or a timeout. A node being dialled is waited for as in deliver().
  /// Throws std::invalid_argument for an empty `monitor` handle.
  bool monitor(const Task& monitor, const RemoteTask& target, Timeout timeout = std::chrono::seconds(10));

  /// Makes `channel` reachable from peers and returns its reference (the same one on every call
  /// while the channel lives); see remote_channel.hpp. Throws std::invalid_argument for an empty
  /// handle. Never blocks.
  ChannelReference export_channel(const Channel& channel);
  /// [B] Finds the open channel registered under `name` (Channel::register_name()): at `where`
  /// when given (this node's own location means this process), otherwise in this process first,
  /// then at every peer, as locate() does: peers that come online while it waits are asked too,
  /// and with no peer online it waits for one. Returns at the first positive answer; std::nullopt
  /// once every peer asked has said no and no new one has come, on timeout, or when `where` is
  /// not a peer. The result is bound to this node.
  std::optional<RemoteChannel> locate_channel(const std::string& name, std::optional<Location> where = std::nullopt,
                                              Timeout timeout = std::chrono::seconds(10));
  /// For the library's own modules (e.g. remote task invocation, rti.hpp): the node's internals.
  /// Not for applications. Never blocks.
  [[nodiscard]] detail::NodeCore& core() const noexcept { return *core_; }
  /// [B] Copies the local regular file `path` to the peer at `location`, which stores it as
  /// <its dest_path>/<dir>/<last component of path> with the same content, mtime and permission
  /// bits (mode & 0777), creating missing directories. `dir` must be relative and may not contain
  /// ".." (empty and "." components are skipped); the receiver also refuses a symbolic link or a
  /// non-directory anywhere below its dest_path on the way, and a symbolic link as the target. The
  /// file is sent in acknowledged chunks (at most 64 KiB, eight in flight) into a temporary file
  /// that is renamed into place when complete, so a failed transfer (error, timeout, either side
  /// stopped) leaves no partial file. When the peer already has a file of the same size, mtime and
  /// mode there, nothing is sent and the result is ok with bytes_sent 0. Fails with bad_source,
  /// refused_path, too_large (checked before any data), exists (a different file and !overwrite),
  /// unknown_peer, timed_out (the whole call exceeded `timeout`), disconnected, busy or io_error;
  /// FileResult::reason says why. Never throws except std::bad_alloc.
  FileResult send_file(const Location& location, const std::string& path, const std::string& dir = {},
                       bool overwrite = false, Timeout timeout = std::chrono::seconds(60));
  /// [B] Deletes <dest_path>/<dir>/<last component of file> at the peer at `location` and removes
  /// the directories below its dest_path that become empty. The path rules of send_file apply;
  /// only regular files are deleted. Fails with refused_path, not_found, unknown_peer, timed_out,
  /// disconnected or io_error (FileResult::reason says why). Never throws except std::bad_alloc.
  FileResult del_file(const Location& location, const std::string& file, const std::string& dir = {},
                      Timeout timeout = std::chrono::seconds(10));

 private:
  friend class RemoteChannel;
  std::unique_ptr<detail::NodeCore> core_;
};

}  // namespace picos
