#pragma once
// The state behind picos::Node and the tasks that run on its network scheduler.
//
// Topology: every node sends its requests to a peer over its own outgoing connection (a "link":
// one writer task that batches frames and sends heartbeats, one reader task that takes replies),
// and serves the peer's requests on the connection the peer opened ("inbound": one task that
// reads requests and writes replies). Sends from one node to another thus share one ordered
// stream, which gives per-pair FIFO. A peer is online while our link to it is up.

#include "net/exports.hpp"
#include "net/file_receiver.hpp"
#include "net/frame_stream.hpp"
#include "net/handshake.hpp"
#include "net/handshake_gate.hpp"
#include "net/message_batch.hpp"
#include "net/peer_tls.hpp"
#include "net/reply_box.hpp"
#include "rti/net_hooks.hpp"

#include <picos/node.hpp>
#include <picos/scheduler.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

namespace picos::net {
class ChannelService;
class Discovery;
}

namespace picos::detail {

// Asks a link writer to send `bye` and close.
struct LinkStop {};
// Tells a link writer that its outbox holds frames.
struct LinkWake {};

class NodeCore {
 public:
  explicit NodeCore(NodeOptions options);
  ~NodeCore();
  NodeCore(const NodeCore&) = delete;
  NodeCore& operator=(const NodeCore&) = delete;

  const NodeOptions options;
  const net::PeerTls tls;
  net::NodeIdentity self;
  net::ExportTable exports;
  // The remote-task-invocation services this node offers (lib/rti).
  const std::shared_ptr<rti::detail::ServiceTable> rti_services = rti::detail::make_service_table();

  // Runs `body` as a daemon task on the network scheduler (for modules built on the node).
  template <class F>
  Task spawn_daemon(const char* name, F&& body) { return spawn_net(name, std::forward<F>(body)); }
  net::FileReceiver files;

  // --- called from any thread (node.cpp) ---
  bool connect(const Location& location, Timeout timeout);
  // Sends a burst of discovery pings (discovery.cpp).
  void discover();
  std::vector<Location> online_peers() const;
  // The location `given` is linked under: itself, or the peer's own (announced) location when
  // `given` is the address this node dialled to reach it (they differ behind NAT, with ext_host,
  // or when the peer announces another interface); std::nullopt when it is not online.
  std::optional<Location> online_location(const Location& given) const;
  [[nodiscard]] bool is_online(const Location& given) const { return online_location(given).has_value(); }
  // [B] What is left of `timeout` once `location` is online: all of it when it is online now;
  // while a dial to it is already under way (the dial-back to a peer that has just connected
  // here: its first requests may be served before that link is up), what remains after waiting
  // for that dial (which connect() retries once if it fails). std::nullopt when it is not online
  // and nobody was dialling it, or the wait ended without a link.
  std::optional<Timeout> time_left_once_online(const Location& location, Timeout timeout);
  std::optional<Location> find_peer(const std::string& name) const;
  // Node::discover_host() and Node::relay_discovery().
  void discover_host(const std::string& host, std::uint16_t udp_port);
  bool relay_discovery(const Location& peer, Timeout timeout);
  void subscribe(const Task& task);
  void unsubscribe(const Task& task);
  bool close_link(const Location& location);
  // Queues frames for `peer` (held while its link is being dialled); false when it is not a peer.
  // `outbox_after`, when given, receives the bytes then waiting in the link's outbox.
  bool queue_frame(const Location& peer, std::span<const std::byte> frames, std::size_t* outbox_after = nullptr);
  // queue_frame(), then the back-pressure of Node::send(): while the outbox for `peer` holds more
  // than options.max_outbox_bytes, waits for the writer (never on the network thread). False when
  // the frames could not be queued or the link was lost while waiting (they are lost with it).
  bool queue_frame_paced(const Location& peer, std::span<const std::byte> frames);
  // `message` (serialize() bytes) for `target` joins the send_batch frame at the end of the
  // outbox of the link to target.origin when that frame is for the same task and has room, and
  // starts one otherwise; then the back-pressure of queue_frame_paced(). Throws
  // std::length_error (nothing queued) when the message does not fit a frame.
  bool queue_message_paced(const RemoteTask& target, std::span<const std::byte> message);
  // Node::send()'s path for a target of a peer (staged_sends.cpp): serializes `message`, then
  // queue_message_paced(). From a task on a scheduler thread other than this node's network
  // thread, a message for the same target as the last one, while that one found its peer linked,
  // is instead staged on the thread without the node's lock: the staged frame is queued when it
  // is full, before the thread queues anything else for a peer, and before the task parks, yields
  // or ends (the scheduler's switch-out hook). Throws SerializationError and std::length_error
  // (nothing queued) like Node::send().
  bool send_message(const RemoteTask& target, const Message& message);
  // Bytes in the outbox of the link to `peer` (0 without one).
  std::size_t outbox_bytes(const Location& peer) const;
  // Sends `frame` (built by `make` from a fresh request id) to each of `peers` and collects the
  // replies until `is_final` accepts one, every peer answered, or `timeout`.
  std::vector<net::Frame> request(const std::vector<Location>& peers, Timeout timeout,
                                  const std::function<Bytes(std::uint64_t)>& make,
                                  const std::function<bool(const net::Frame&)>& is_final);
  // [B] Asks `where` (a linked peer's own location), or every online peer, with the frames `make`
  // builds, until a reply that `found` accepts (returned). Without `where`, peers that come online
  // while it waits are asked too, and with no peer at all it waits for one. std::nullopt once
  // every peer asked has said no and none is new, or at `timeout` (ask_peers.cpp).
  std::optional<net::Frame> ask_peers(const std::optional<Location>& where, Timeout timeout,
                                      const std::function<Bytes(std::uint64_t)>& make,
                                      const std::function<bool(const net::Frame&)>& found);
  void remember_remote_monitor(const RemoteTask& target, const Task& monitor);
  void forget_remote_monitor(const RemoteTask& target, const Task& monitor);
  // file_transfer.cpp
  FileResult send_file(const Location& peer, const std::string& path, const std::string& dir, bool overwrite,
                       Timeout timeout);
  FileResult delete_file(const Location& peer, const std::string& file, const std::string& dir, Timeout timeout);

  // --- requests served for peers and for local callers (inbound.cpp / monitors.cpp) ---
  // The last target a connection's messages were for: a stream of messages to one task resolves
  // its reference once (an export is dropped only when its task ends).
  struct LastTarget {
    RemoteTask reference;
    std::optional<Task> task;
  };
  // Resolves `target` (through `last` when it is the same) and queues the message in `batch`: 1,
  // or -1 for an unknown or ended task or an undecodable message (logged).
  std::int32_t accept_message(const RemoteTask& target, std::span<const std::byte> message, net::MessageBatch& batch,
                              LastTarget& last);
  // The live local task `target` refers to (through `last` when it is the same), or nullopt.
  const std::optional<Task>& resolve_target(const RemoteTask& target, LastTarget& last);
  std::int32_t accept_monitor(const RemoteTask& target, const RemoteTask& monitor);
  void accept_monitor_status(const RemoteTask& target, const RemoteTask& monitor, std::span<const std::byte> status);

  // --- remote channels (node_channels.cpp) ---
  // The node's channel service, created on first use; nullptr once the node is closing.
  std::shared_ptr<net::ChannelService> channels();
  // Stops the channel service from feeding remote subscribers; the first step of closing.
  void detach_channels() noexcept;
  // A daemon task on the network scheduler, for the node's services.
  Task spawn_service(const char* name, std::function<void()> body);
  // Hands `reply` to the caller of request() waiting for `request_id` (dropped when none waits).
  void answer_request(std::uint64_t request_id, net::Frame reply);

 private:
  struct Link {
    std::string name;
    std::shared_ptr<net::FrameStream> stream;
    Task writer;
    // Frames for the writer, which takes them all at once; it is sent one LinkWake per batch.
    Bytes outbox;
    // The writer has been woken or is writing: it has the turn to write. Otherwise it is idle
    // and a request may write to the socket itself, under mutex_.
    bool writer_woken = false;
    // Where the send_batch frame that ends the outbox starts, and the task it is for; no_batch
    // when the outbox ends with anything else (a message for that task may then not join it).
    std::size_t open_batch = no_batch;
    RemoteTask open_batch_target;
    // The outbox size at which a sender last yielded its thread to the writer (0 after a take).
    std::size_t yielded_at = 0;
  };
  static constexpr std::size_t no_batch = static_cast<std::size_t>(-1);
  // A send_batch frame grows to this payload at most, so the peer hands its messages over in steps.
  static constexpr std::size_t max_batch_payload = 64 * 1024;
  struct Pending {
    std::shared_ptr<ReplyBox> replies;
    Location peer;
  };
  struct WatchedRemote {
    RemoteTask target;
    Task monitor;
  };

  // node_core.cpp
  void start_listeners();
  void start_discovery();
  template <class F>
  Task spawn_net(const char* name, F&& body);
  void track_inbound(const std::shared_ptr<net::FrameStream>& stream);
  void shut_down();

  // links.cpp
  // The link to `peer` (through last_link_), or nullptr. Needs mutex_.
  Link* find_link_locked(const Location& peer);
  // Holds `frames` for `peer` while it is being dialled; false when it is not, or the backlog is
  // full. Needs mutex_.
  bool hold_for_dial_locked(const Location& peer, std::span<const std::byte> frames);
  // The back-pressure of queue_frame_paced(), once frames were queued leaving `outbox` bytes (or
  // before `incoming` more bytes are queued: then until they fit under the bound, or the outbox
  // is empty). False when the link was lost meanwhile.
  bool wait_for_room(const Location& peer, std::size_t outbox, std::size_t incoming = 0);
  // True when a sender that left `outbox` bytes in `link` should let the writer run first (see
  // queue_message_paced()); then not again until the outbox has grown by a batch. Needs mutex_.
  static bool yield_due_locked(Link& link, std::size_t outbox);

  // staged_sends.cpp
  // Queues `frame` (a send_batch frame for `target` staged by a task) like queue_frame(): the
  // bytes then in the link's outbox, or std::nullopt when the peer is not linked (the frame is
  // then held for its dial, or dropped and the loss logged).
  std::optional<std::size_t> queue_staged(const RemoteTask& target, std::span<const std::byte> frame);
  friend void flush_staged_sends() noexcept;
  // Dials `location` (already marked in connecting_), then clears the mark; frames queued for it
  // meanwhile are sent once the link is up, or dropped on failure. True when the link is up.
  bool dial(const Location& location, Timeout timeout);
  void open_link(const Location& dialled, Timeout timeout);
  // Appends frames to the link's outbox; true when the caller must send its writer a LinkWake
  // (none is on its way). Needs mutex_.
  static bool append_locked(Link& link, std::span<const std::byte> frames);
  // True when the caller must send the link's writer a LinkWake (none is on its way); the writer
  // then has the turn. Needs mutex_.
  static bool claim_wake_locked(Link& link);
  // append_locked(), then the wake-up if needed. Needs mutex_.
  static void enqueue_locked(Link& link, std::span<const std::byte> frames);
  // A request's frames: written at once by the caller when the link's writer is idle (what the
  // socket does not take at once, and everything with TLS, goes through enqueue_locked()).
  // Needs mutex_.
  void write_or_enqueue_locked(Link& link, std::span<const std::byte> frames);
  // Swaps the outbox of the link still served by `stream` with `batch` (empty on entry); false
  // when there was nothing to take. Then, unless `keep_turn` (the writer is about to write
  // anyway, a ping), the writer is idle: the next enqueue wakes it, and requests may write
  // themselves.
  bool take_outbox(const Location& peer, const std::shared_ptr<net::FrameStream>& stream, Bytes& batch,
                   bool keep_turn);
  // Frees `batch` and the empty outbox of the link still served by `stream` when a burst left them
  // bigger than the writer keeps; called by a writer whose wait for work ended with a ping due.
  void release_burst_buffers(const Location& peer, const std::shared_ptr<net::FrameStream>& stream, Bytes& batch);
  void run_writer(const Location& peer, const std::shared_ptr<net::FrameStream>& stream);
  void run_reader(const Location& peer, const std::shared_ptr<net::FrameStream>& stream);
  void link_lost(const Location& peer, const std::shared_ptr<net::FrameStream>& stream, const std::string& reason);
  void notify_status(const Location& peer, const std::string& name, PeerStatus::Status status);

  // inbound.cpp
  void accept_loop(const std::shared_ptr<TcpListener>& listener);
  // `host`: the remote IP address, admitted by handshake_gate_ (released once the handshake ends).
  void serve_inbound(const std::shared_ptr<net::FrameStream>& stream, const std::string& address,
                     const std::string& host);
  std::optional<net::NodeIdentity> server_handshake(net::FrameStream& stream, const std::string& address);
  // One frame from the authenticated `peer` (not a send); false when the connection must close.
  bool serve_frame(net::FrameStream& stream, const net::Frame& frame, const net::NodeIdentity& peer);
  // A send frame: its message joins `batch`; one with a request id is acknowledged once handed over.
  void serve_send(net::FrameStream& stream, std::span<const std::byte> payload, net::MessageBatch& batch,
                  LastTarget& last);
  // A send_batch frame: its messages join `batch` in order, decoded by their task's scheduler
  // (undecodable ones are logged and dropped there); throws SerializationError for a malformed
  // payload (nothing delivered).
  void serve_send_batch(std::span<const std::byte> payload, net::MessageBatch& batch, LastTarget& last);

  // file_transfer.cpp
  void configure_files();
  void serve_file_frame(net::FrameStream& stream, const net::Frame& frame);
  FileResult transfer_file(const Location& peer, const std::string& path, const std::string& dir, bool overwrite,
                           Timeout timeout);
  // Routes replies carrying `id` to the box returned, for the calling task or thread, while the
  // link to `peer` is up; nullptr when it is not.
  std::shared_ptr<ReplyBox> expect_replies(const Location& peer, std::uint64_t id);
  // Stops routing replies for `ids` (after expect_replies() or request()).
  void stop_expecting(std::span<const std::uint64_t> ids);

  // monitors.cpp
  void run_monitor_relay();
  // `kind`: how the task ended, for the stripped status sent when `status` does not fit a frame.
  void route_monitor_status(const RemoteTask& target, const RemoteTask& monitor, Bytes status,
                            MonitorStatus::Kind kind);

  std::unique_ptr<Scheduler> scheduler_;
  std::thread thread_;
  Task keeper_;
  Task relay_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> next_request_{1};
  std::vector<std::shared_ptr<TcpListener>> listeners_;
  net::HandshakeGate handshake_gate_;  // network scheduler thread only
  std::unique_ptr<net::Discovery> discovery_;

  mutable std::mutex mutex_;
  std::map<Location, Link> links_;
  // Threads with messages staged for this node (staged_sends.cpp); the destructor waits for them.
  std::atomic<int> staging_threads_{0};
  // The entry queue_frame() found last (a stream of sends goes to one peer); nullptr when none or
  // erased. Under mutex_.
  std::map<Location, Link>::value_type* last_link_ = nullptr;
  // Dialled address -> the location its peer announced, where they differ; under mutex_.
  std::map<Location, Location> dialled_aliases_;
  std::set<Location> connecting_;
  // Frames sent to a peer whose link is being dialled (e.g. the dial-back after a peer connected
  // to us), flushed in order when it comes up.
  std::map<Location, std::vector<Bytes>> backlog_;
  std::size_t backlog_bytes_ = 0;
  std::vector<std::weak_ptr<net::FrameStream>> inbound_;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::vector<Task> subscribers_;
  std::multimap<Location, WatchedRemote> remote_monitors_;
  // Local task id → (its reference, the remote monitors of it).
  std::unordered_map<std::uint64_t, std::pair<RemoteTask, std::vector<RemoteTask>>> served_monitors_;

  std::mutex channels_mutex_;
  bool channels_closed_ = false;
  std::shared_ptr<net::ChannelService> channels_;
};

template <class F>
Task NodeCore::spawn_net(const char* name, F&& body) {
  TaskOptions task_options;
  task_options.name = name;
  task_options.daemon = true;
  return scheduler_->spawn(std::move(task_options), std::forward<F>(body));
}

// Queues the messages the calling thread staged (NodeCore::send_message()), for whichever node;
// nothing when none are. Never throws: out of memory, they are lost (logged).
void flush_staged_sends() noexcept;

// [B] Runs `task` to its end and returns its value: Task::finish() from a task, Task::value()
// from a plain thread.
Message await_task(const Task& task, Timeout timeout);

}  // namespace picos::detail
