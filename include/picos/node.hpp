#pragma once
/// @file node.hpp
/// picos::Node: joins this process to a network of picos peers (pycos's networked scheduler).
///
/// A Node listens for peers on TCP, authenticates every connection with the shared secret
/// (HMAC-SHA256 challenge-response in both directions; the secret is never sent), and lets local
/// tasks exchange messages with tasks of other processes through RemoteTask references. All
/// network I/O runs on the node's own internal scheduler thread, so a busy user task does not
/// stall peer traffic. Peers send heartbeats; a peer that stays silent longer than
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
  /// UDP port for discovery (reserved: discovery by UDP is not implemented yet; see
  /// discover_peers).
  std::uint16_t udp_port = 9705;
  /// Address placed in this node's Location instead of the listening address (NAT, containers).
  std::string ext_host;
  /// Broadcast discovery. Not implemented yet: setting it makes the constructor throw
  /// std::invalid_argument so nobody relies on it silently.
  bool discover_peers = false;
  /// Peers to connect to when the node starts (failures are logged, not thrown).
  std::vector<Location> peers;
  /// Shared secret; peers must use the same one.
  std::string secret;
  /// TLS on peer connections. Not implemented yet: a non-empty certfile/keyfile/cafile makes the
  /// constructor throw std::invalid_argument.
  std::string certfile;
  std::string keyfile;
  std::string cafile;
  /// Where files sent by peers (send_file) are stored; created with its parents when the first
  /// file arrives. Empty: $TMPDIR/picos/<node name> ("/tmp" when TMPDIR is unset; '/' in the name
  /// becomes '_'). See Node::dest_path().
  std::string dest_path;
  /// Largest file accepted from a peer, in bytes; larger ones are refused before any data flows
  /// (FileStatus::too_large). 0: no limit (as in pycos).
  std::uint64_t max_file_size = 0;
  /// Largest frame payload accepted from a peer, in bytes (bigger frames close the connection).
  std::size_t max_frame_size = 16 * 1024 * 1024;
  /// How often a link sends a heartbeat.
  std::chrono::milliseconds heartbeat_interval{2000};
  /// A peer silent for this long is declared offline. Must exceed heartbeat_interval.
  std::chrono::milliseconds heartbeat_timeout{10000};
  /// Limit of connecting plus the handshake.
  std::chrono::milliseconds connect_timeout{5000};
};

namespace detail {
class NodeCore;
}

/// A process's membership in the peer network. Not copyable nor movable; destroy it to leave the
/// network (its links are closed; peers see it go offline).
class Node {
 public:
  /// Starts the node's network thread and listeners, then connects to options.peers.
  /// Throws std::system_error when a listener cannot be bound, std::invalid_argument for options
  /// that are inconsistent or not implemented (see NodeOptions).
  explicit Node(NodeOptions options = {});
  /// Closes every link and listener and stops the network thread. Must not be called from a
  /// task of the node's own scheduler (none are exposed).
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
  /// logged).
  bool peer(const Location& location, Timeout timeout = std::chrono::seconds(10));
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
  /// online) or at every peer online now. Waits for a positive answer or for every asked peer to
  /// say no; std::nullopt then, on timeout, or when `where` is not a peer.
  std::optional<RemoteTask> locate(const std::string& name, std::optional<Location> where = std::nullopt,
                                   Timeout timeout = std::chrono::seconds(10));

  /// Sends `message` to `target` without waiting. Messages from one sender to one target arrive
  /// in the order sent. Returns false when the target's node is not a peer (or, for a target of
  /// this node, when it is not a live exported task). An invalid target at the peer is dropped
  /// there (use deliver() to learn of it). For a target on another node the message is
  /// serialized here: throws SerializationError (before sending anything) when its type is not
  /// registered, std::length_error when it exceeds max_frame_size. A target of this node gets the
  /// message moved in without serialization. Never blocks.
  bool send(const RemoteTask& target, const Message& message);
  /// [B] Sends `message` and waits until the target's node has queued it: Delivery::delivered,
  /// Delivery::invalid for an unknown peer or a stale/forged/ended target, Delivery::timed_out
  /// when no answer came in time or the peer went offline meanwhile (the message may or may not
  /// have arrived). Throws like send().
  Delivery deliver(const RemoteTask& target, const Message& message, Timeout timeout = std::chrono::seconds(10));

  /// [B] Makes the local task `monitor` a monitor of `target`: when target ends, `monitor`
  /// receives a RemoteMonitorStatus (finished / failed / terminated), or `unreachable` if the
  /// target's node goes offline first. True when registered; false for an unknown peer, an
  /// ended or invalid target, or a timeout. Throws std::invalid_argument for an empty `monitor`
  /// handle.
  bool monitor(const Task& monitor, const RemoteTask& target, Timeout timeout = std::chrono::seconds(10));

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
  std::unique_ptr<detail::NodeCore> core_;
};

}  // namespace picos
