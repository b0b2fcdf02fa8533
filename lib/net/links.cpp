// Outgoing links: connecting and authenticating as a client, the writer (batches frames, sends
// heartbeats) and the reader (takes replies, watches the heartbeat), and losing a link.
#include "core/scheduler_core.hpp"
#include "net/caller_wait.hpp"
#include "net/file_wire.hpp"
#include "net/send_frame.hpp"
#include "net/node_core.hpp"
#include "net/tcp_progress.hpp"
#include "net/wire.hpp"

#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include <bit>
#include <chrono>
#include <optional>
#include <system_error>
#include <thread>

namespace picos::detail {
namespace {

using Clock = std::chrono::steady_clock;
// A writer sends its batch in writes of at most this many bytes; each fails when the peer takes
// no byte for heartbeat_timeout.
constexpr std::size_t max_write_bytes = 256 * 1024;
// A batch or outbox buffer that grew beyond this (a burst) is kept while the burst lasts and
// released when the writer next waits for work until a ping is due (see release_burst_buffers()).
constexpr std::size_t max_kept_batch_bytes = 4 * 1024 * 1024;
// How often a caller of connect() re-checks while another task is already connecting.
constexpr auto connect_poll = std::chrono::milliseconds(10);
// A batch smaller than this makes the writer wait NodeOptions::send_batch_delay for more.
constexpr std::size_t max_lingering_batch_bytes = 16 * 1024;
// Most bytes held for links being dialled; beyond it send() reports failure.
constexpr std::size_t max_backlog_bytes = 16 * 1024 * 1024;

// More than a send_batch frame's header and target take, for reserve_outbox().
constexpr std::size_t most_batch_overhead = 1024;

// An outbox (and the writer's batch, which it swaps with) grows to whole powers of two: the
// vector's own growth (twice its size) left the buffers of a 4 MiB outbox bound just over 4 MiB,
// so they counted as a burst's and were released each time the writer idled, and every burst
// faulted them in again (a stopped reader's sender then held up to 28 MiB).
void reserve_outbox(Bytes& outbox, std::size_t more) {
  const std::size_t needed = outbox.size() + more;
  if (needed > outbox.capacity()) outbox.reserve(std::bit_ceil(needed));
}

// Writes in slices; fails only when the peer takes no byte for `idle_timeout` (a big batch on a
// slow network may take much longer than that as a whole).
void write_batch(net::FrameStream& stream, std::span<const std::byte> batch, Timeout idle_timeout) {
  for (std::size_t at = 0; at < batch.size(); at += max_write_bytes) {
    stream.write_progressing(batch.subspan(at, std::min(max_write_bytes, batch.size() - at)), idle_timeout);
  }
}

// [B] The next frame on a link; throws timed_out when nothing arrives for `limit`, unless the
// peer's answers are merely held behind our own bytes: replies and pongs come after everything
// written before their request, which on a slow network can take longer than `limit`. So a wait
// that times out while the peer's kernel acknowledged more of our bytes during it and some are
// still unacknowledged is not silence. (A frozen peer stops acknowledging once its receive buffer
// is full; an idle link to it has nothing unacknowledged: both are silent after `limit`.)
std::optional<net::Frame> read_link_frame(net::FrameStream& stream, std::chrono::milliseconds limit) {
  std::optional<std::uint64_t> acknowledged = net::acknowledged_bytes(stream.native_handle());
  for (;;) {
    try {
      return stream.read(limit);
    } catch (const std::system_error& error) {
      if (error.code() != std::errc::timed_out) throw;
      const std::optional<std::uint64_t> now = net::acknowledged_bytes(stream.native_handle());
      const bool moving = acknowledged && now && *now > *acknowledged &&
                          net::unacknowledged_bytes(stream.native_handle()).value_or(0) > 0;
      if (!moving) throw;
      acknowledged = now;
    }
  }
}

// When `timeout` from now ends, but never later than `cap` from now (a dial never waits longer than
// the node's connect timeout, whatever its caller allows).
Clock::time_point capped_deadline(Timeout timeout, std::chrono::milliseconds cap) {
  const auto limit = timeout.is_infinite() ? std::chrono::nanoseconds(cap) : std::min<std::chrono::nanoseconds>(timeout.duration(), cap);
  return Clock::now() + limit;
}

std::optional<std::uint64_t> reply_id(const net::Frame& frame) {
  switch (frame.kind) {
    case net::FrameKind::ack:
    case net::FrameKind::monitor_reply: return net::decode_payload<net::ResultPayload>(frame.payload).request_id;
    case net::FrameKind::locate_reply: return net::decode_payload<net::LocateReplyPayload>(frame.payload).request_id;
    case net::FrameKind::rti_locate_reply:
    case net::FrameKind::rti_call_reply:
    case net::FrameKind::rti_monitor_reply: return rti::detail::reply_request_id(frame);
    case net::FrameKind::file_reply: return net::decode_payload<net::FileReplyPayload>(frame.payload).request_id;
    default: return std::nullopt;
  }
}

}  // namespace

bool NodeCore::connect(const Location& location, Timeout timeout) {
  if (location == self.location) return false;
  const Task attempt = spawn_net("net-connect", [this, location, timeout] {
    const auto deadline = capped_deadline(timeout, options.connect_timeout);
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (links_.contains(location)) return true;
        if (const auto alias = dialled_aliases_.find(location);
            alias != dialled_aliases_.end() && links_.contains(alias->second)) {
          return true;
        }
        if (!connecting_.contains(location)) {
          connecting_.insert(location);
          break;
        }
      }
      if (Clock::now() >= deadline) return false;
      this_task::sleep(connect_poll);
    }
    return dial(location, time_left(deadline));
  });
  try {
    return std::move(await_task(attempt, Timeout{})).get<bool>();
  } catch (const std::exception& error) {
    log(LogLevel::warning, "picos: connecting to ", location, " failed: ", error.what());
    return false;
  }
}

bool NodeCore::dial(const Location& location, Timeout timeout) {
  bool linked = false;
  try {
    open_link(location, timeout);
    linked = true;
  } catch (const std::exception& error) {
    if (!stopping_) log(LogLevel::warning, "picos: cannot reach peer ", location, ": ", error.what());
  }
  std::lock_guard lock(mutex_);
  connecting_.erase(location);
  if (auto held = backlog_.find(location); held != backlog_.end()) {
    for (const Bytes& frame : held->second) backlog_bytes_ -= frame.size();
    if (!held->second.empty()) log(LogLevel::warning, "picos: dropped ", held->second.size(), " frames for ", location);
    backlog_.erase(held);
  }
  return linked;
}

NodeCore::Link* NodeCore::find_link_locked(const Location& peer) {
  if (last_link_ == nullptr || last_link_->first != peer) {
    auto link = links_.find(peer);
    if (link == links_.end()) return nullptr;
    last_link_ = &*link;
  }
  return &last_link_->second;
}

bool NodeCore::hold_for_dial_locked(const Location& peer, std::span<const std::byte> frames) {
  if (!connecting_.contains(peer) || backlog_bytes_ + frames.size() > max_backlog_bytes) return false;
  backlog_bytes_ += frames.size();
  backlog_[peer].emplace_back(frames.begin(), frames.end());
  return true;
}

bool NodeCore::queue_frame(const Location& peer, std::span<const std::byte> frames, std::size_t* outbox_after) {
  flush_staged_sends();  // what this thread's task sent before goes first
  Task writer;
  {
    std::lock_guard lock(mutex_);
    Link* link = find_link_locked(peer);
    if (link == nullptr) return hold_for_dial_locked(peer, frames);
    const bool wake = append_locked(*link, frames);
    if (outbox_after != nullptr) *outbox_after = link->outbox.size();
    if (!wake) return true;
    writer = link->writer;
  }
  // Woken outside the lock: the network thread often runs at once, and would otherwise find the
  // lock held by the preempted sender.
  return writer.send(Message(LinkWake{}));
}

// A stream of messages to one task costs the target's bytes once per frame of up to
// max_batch_payload instead of once per message, on the wire and in the peer's decoding.
bool NodeCore::queue_message_paced(const RemoteTask& target, std::span<const std::byte> message) {
  const Location& peer = target.origin;
  const std::size_t most = std::min(max_batch_payload, options.max_frame_size);
  std::size_t outbox = 0;
  Task writer;
  bool yield_to_writer = false;
  {
    std::lock_guard lock(mutex_);
    Link* link = find_link_locked(peer);
    if (link == nullptr) {
      Bytes frame;
      net::append_send_batch(frame, target, message, options.max_frame_size);
      return hold_for_dial_locked(peer, frame);
    }
    Bytes& out = link->outbox;
    reserve_outbox(out, message.size() + most_batch_overhead);
    const bool joined = link->open_batch != no_batch && link->open_batch_target == target &&
                        net::extend_send_batch(out, link->open_batch, message, most);
    if (!joined) {
      const std::size_t start = out.size();
      net::append_send_batch(out, target, message, options.max_frame_size);
      link->open_batch = start;
      link->open_batch_target = target;
    }
    outbox = out.size();
    if (claim_wake_locked(*link)) writer = link->writer;
    yield_to_writer = yield_due_locked(*link, outbox);
  }
  if (writer && !writer.send(Message(LinkWake{}))) return false;
  if (yield_to_writer) std::this_thread::yield();
  return wait_for_room(peer, outbox);
}

// A sender that outruns the writer grows the outbox, and with it both of the buffers the writer
// swaps: every new page costs a fault, which on the VMs measured costs about 11 µs (remote_stream
// faulted in 2 MiB per million messages, a fifth of its time, when the writer shared the sender's
// CPU and only ran when the sender's time slice ended). Offering the CPU once per batch-sized
// step keeps the outbox near one batch; when the writer runs elsewhere the yield returns at once.
bool NodeCore::yield_due_locked(Link& link, std::size_t outbox) {
  if (outbox <= max_batch_payload || outbox < link.yielded_at + max_batch_payload) return false;
  link.yielded_at = outbox;
  return true;
}

// The outbox size comes back from queue_frame() under the lock it takes anyway, so a stream of
// sends below the limit pays nothing for back-pressure. Waiting polls (1 ms): the writer takes
// the whole outbox at once, so one poll after it has taken finds room, and a wake-up from the
// network thread to tasks of any scheduler or plain threads would cost every batch instead.
bool NodeCore::queue_frame_paced(const Location& peer, std::span<const std::byte> frames) {
  std::size_t outbox = 0;
  if (!queue_frame(peer, frames, &outbox)) return false;
  return wait_for_room(peer, outbox);
}

bool NodeCore::wait_for_room(const Location& peer, std::size_t outbox, std::size_t incoming) {
  const std::size_t limit = options.max_outbox_bytes;
  const std::size_t allowed = limit > incoming ? limit - incoming : 0;
  if (limit == 0 || outbox <= allowed) return true;
  if (SchedulerCore::on_this_thread() == &scheduler_->core()) return true;  // the writer runs here
  std::shared_ptr<net::FrameStream> stream;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      auto link = links_.find(peer);
      if (link == links_.end() || (stream && link->second.stream != stream)) return false;  // lost with the link
      stream = link->second.stream;
      if (link->second.outbox.size() <= allowed) return true;
    }
    pause_caller(std::chrono::milliseconds(1));
  }
}

std::size_t NodeCore::outbox_bytes(const Location& peer) const {
  const std::optional<Location> linked = online_location(peer);
  if (!linked) return 0;
  std::lock_guard lock(mutex_);
  auto link = links_.find(*linked);
  return link == links_.end() ? 0 : link->second.outbox.size();
}

// Senders append to the outbox and only the first frame of a batch posts a wake-up to the
// network thread, so a stream of sends costs a copy each instead of a cross-thread message each.
bool NodeCore::append_locked(Link& link, std::span<const std::byte> frames) {
  reserve_outbox(link.outbox, frames.size());
  link.outbox.insert(link.outbox.end(), frames.begin(), frames.end());
  link.open_batch = no_batch;
  return claim_wake_locked(link);
}

bool NodeCore::claim_wake_locked(Link& link) {
  if (link.writer_woken) return false;
  link.writer_woken = true;
  return true;
}

void NodeCore::enqueue_locked(Link& link, std::span<const std::byte> frames) {
  if (append_locked(link, frames)) link.writer.send(Message(LinkWake{}));
}

// A request's caller waits for the answer, so the round trip is what counts: waking the network
// thread to write costs a cross-thread hand-off on every request, while the caller's own
// non-blocking send() costs the system call the writer would make anyway. One-way sends keep
// going through the writer, which batches them. The writer is idle here (no turn to write) and
// mutex_ is held, so nothing else writes meanwhile. No stream is closed under this write either:
// link_lost() erases the link under mutex_ before closing its stream, and shut_down() sets
// stopping_ before it takes mutex_ to collect the streams it closes.
void NodeCore::write_or_enqueue_locked(Link& link, std::span<const std::byte> frames) {
  if (!link.writer_woken && link.outbox.empty() && !stopping_) {
    frames = frames.subspan(link.stream->write_available(frames));
    if (frames.empty()) return;
  }
  enqueue_locked(link, frames);
}

// While the writer finds frames it comes back for more before it sleeps, so senders post no
// wake-up (and make no system call) while it is busy; an empty outbox re-arms the wake-up.
bool NodeCore::take_outbox(const Location& peer, const std::shared_ptr<net::FrameStream>& stream, Bytes& batch,
                           bool keep_turn) {
  std::lock_guard lock(mutex_);
  auto link = links_.find(peer);
  if (link == links_.end() || link->second.stream != stream) return false;
  if (link->second.outbox.empty()) {
    link->second.writer_woken = keep_turn;
    return false;
  }
  link->second.outbox.swap(batch);
  link->second.open_batch = no_batch;
  link->second.yielded_at = 0;
  return true;
}

// Releasing a burst's buffers as soon as the outbox is empty cost more than it saved: the writer
// often catches up within a burst, and the next batch then grew a fresh buffer page fault by page
// fault (remote_stream went from 3.6 M to 2.4 M messages/s on this project's VM). So they go only
// when the writer's wait for work ends because a ping is due, without a wake-up: at most once per
// heartbeat interval, and an idle link holds no burst buffer for longer than that.
void NodeCore::release_burst_buffers(const Location& peer, const std::shared_ptr<net::FrameStream>& stream,
                                     Bytes& batch) {
  if (batch.capacity() > max_kept_batch_bytes) Bytes().swap(batch);
  std::lock_guard lock(mutex_);
  auto link = links_.find(peer);
  if (link == links_.end() || link->second.stream != stream) return;
  Bytes& outbox = link->second.outbox;
  if (outbox.empty() && outbox.capacity() > max_kept_batch_bytes) Bytes().swap(outbox);
}

void NodeCore::open_link(const Location& dialled, Timeout timeout) {
  const auto deadline = Clock::now() + timeout.duration();
  TcpStream tcp = TcpStream::connect(dialled.host, dialled.port, timeout);
  tcp.set_no_delay(true);
  if (tls.enabled()) tcp.start_tls(tls.client, false, net::tls_server_name(dialled.host), time_left(deadline));
  auto stream = std::make_shared<net::FrameStream>(std::move(tcp), net::max_handshake_payload);
  net::ClientHandshake handshake(options.secret, self, net::random_nonce());
  stream->write(handshake.start(), time_left(deadline));
  while (handshake.state() == net::HandshakeState::waiting) {
    std::optional<net::Frame> frame = stream->read(time_left(deadline));
    if (!frame) throw net::ProtocolError("connection closed during the handshake");
    net::HandshakeStep step = handshake.receive(*frame);
    if (!step.to_send.empty()) stream->write(step.to_send, time_left(deadline));
    if (step.state == net::HandshakeState::refused) {
      stream->close();
      throw net::ProtocolError("handshake refused: " + step.reason);
    }
  }
  stream->set_max_payload(options.max_frame_size);
  const net::NodeIdentity peer = handshake.peer();
  {
    std::lock_guard lock(mutex_);
    if (links_.contains(peer.location)) {
      stream->close();
      return;
    }
    if (dialled != peer.location) dialled_aliases_[dialled] = peer.location;
    const Task writer = spawn_net("net-link-writer", [this, at = peer.location, stream] { run_writer(at, stream); });
    Link& link = links_.emplace(peer.location, Link{peer.name, stream, writer, {}, false, no_batch, {}}).first->second;
    for (const Location& key : {dialled, peer.location}) {
      auto held = backlog_.find(key);
      if (held == backlog_.end()) continue;
      for (const Bytes& frame : held->second) {
        backlog_bytes_ -= frame.size();
        enqueue_locked(link, frame);
      }
      backlog_.erase(held);
    }
  }
  spawn_net("net-link-reader", [this, at = peer.location, stream] { run_reader(at, stream); });
  log(LogLevel::info, "picos: peer ", peer.name, " at ", peer.location, " is online");
  notify_status(peer.location, peer.name, PeerStatus::Status::online);
}

void NodeCore::run_writer(const Location& peer, const std::shared_ptr<net::FrameStream>& stream) {
  try {
    auto next_ping = Clock::now() + options.heartbeat_interval;
    std::uint64_t sequence = 0;
    Bytes batch;
    for (;;) {
      std::optional<Message> message = this_task::receive(time_left(next_ping));
      if (!message) release_burst_buffers(peer, stream, batch);
      bool stop = false;
      // Every wake-up queued so far is answered by taking the outbox once.
      while (message) {
        stop = stop || message->is<LinkStop>();
        message.reset();
        if (this_task::pending_messages() != 0) message = this_task::receive(Timeout(std::chrono::nanoseconds(0)));
      }
      bool again = false;
      do {
        batch.clear();
        // Pings go out on a busy link too: the peer only answers requests, so a one-way stream of
        // sends would otherwise leave our reader without a sign of life. Writing one needs the
        // turn to write, which an empty outbox would otherwise hand back to requests.
        const bool ping_due = Clock::now() >= next_ping;
        const bool took = take_outbox(peer, stream, batch, ping_due || stop);
        if (stop) {
          net::append_frame(batch, net::FrameKind::bye, {});
          write_batch(*stream, batch, options.heartbeat_timeout);
          link_lost(peer, stream, "closed by this node");
          return;
        }
        if (ping_due) {
          net::append_frame(batch, net::FrameKind::ping, net::encode_payload(net::PingPayload{++sequence}));
          next_ping = Clock::now() + options.heartbeat_interval;
        }
        write_batch(*stream, batch, options.heartbeat_timeout);
        // A small batch means senders are adding a little at a time: waking for each bit costs a
        // cross-thread wake-up and a system call per few messages. While the writer keeps the turn
        // they add without waking it.
        if (took && batch.size() < max_lingering_batch_bytes && options.send_batch_delay.count() > 0) {
          this_task::sleep(options.send_batch_delay);
        }
        // After a ping the turn is still the writer's: the next take hands it back.
        again = took || ping_due;
      } while (again && this_task::pending_messages() == 0);  // a LinkStop is looked at first
    }
  } catch (const std::system_error& error) {
    link_lost(peer, stream, error.code() == std::errc::timed_out ? "peer stopped reading (write timed out)" : error.what());
  } catch (const std::exception& error) {
    link_lost(peer, stream, error.what());
  }
}

void NodeCore::run_reader(const Location& peer, const std::shared_ptr<net::FrameStream>& stream) {
  try {
    for (;;) {
      std::optional<net::Frame> frame = read_link_frame(*stream, options.heartbeat_timeout);
      if (!frame) {
        link_lost(peer, stream, "connection closed by the peer");
        return;
      }
      if (frame->kind == net::FrameKind::pong) continue;
      if (frame->kind == net::FrameKind::bye) {
        link_lost(peer, stream, "the peer closed the link");
        return;
      }
      const std::optional<std::uint64_t> id = reply_id(*frame);
      if (!id) throw net::ProtocolError(std::string("unexpected ") + net::to_string(frame->kind) + " frame on a link");
      answer_request(*id, std::move(*frame));
    }
  } catch (const std::system_error& error) {
    link_lost(peer, stream,
              error.code() == std::errc::timed_out
                  ? "no heartbeat for " + std::to_string(options.heartbeat_timeout.count()) + " ms"
                  : std::string(error.what()));
  } catch (const std::exception& error) {
    link_lost(peer, stream, error.what());
  }
}

bool NodeCore::close_link(const Location& location) {
  const std::optional<Location> linked = online_location(location);
  if (!linked) return false;
  std::lock_guard lock(mutex_);
  auto link = links_.find(*linked);
  if (link == links_.end()) return false;
  link->second.writer.send(Message(LinkStop{}));
  return true;
}

void NodeCore::link_lost(const Location& peer, const std::shared_ptr<net::FrameStream>& stream,
                         const std::string& reason) {
  std::string name;
  Task writer;
  std::vector<WatchedRemote> watched;
  std::vector<std::shared_ptr<ReplyBox>> waiters;
  {
    std::lock_guard lock(mutex_);
    auto link = links_.find(peer);
    if (link == links_.end() || link->second.stream != stream) {
      stream->close();
      return;
    }
    name = link->second.name;
    writer = link->second.writer;
    if (last_link_ == &*link) last_link_ = nullptr;
    links_.erase(link);
    std::erase_if(dialled_aliases_, [&](const auto& alias) { return alias.second == peer; });
    auto [first, last] = remote_monitors_.equal_range(peer);
    for (auto it = first; it != last; ++it) watched.push_back(it->second);
    remote_monitors_.erase(first, last);
    for (const auto& [id, pending] : pending_) {
      if (pending.peer == peer) waiters.push_back(pending.replies);
    }
  }
  stream->close();
  if (writer != this_task::current()) writer.send(Message(LinkStop{}));
  if (!stopping_) log(LogLevel::warning, "picos: peer ", name, " at ", peer, " is offline: ", reason);
  for (const auto& waiter : waiters) waiter->put(net::Frame{net::FrameKind::bye, {}});
  for (const WatchedRemote& entry : watched) {
    RemoteMonitorStatus status;
    status.task = entry.target;
    status.kind = RemoteMonitorStatus::Kind::unreachable;
    status.error_message = "node " + name + " at " + peer.to_string() + " is offline: " + reason;
    entry.monitor.send(Message(std::move(status)));
  }
  notify_status(peer, name, PeerStatus::Status::offline);
}

void NodeCore::notify_status(const Location& peer, const std::string& name, PeerStatus::Status status) {
  std::vector<Task> subscribers;
  {
    std::lock_guard lock(mutex_);
    subscribers = subscribers_;
  }
  std::vector<Task> ended;
  for (const Task& subscriber : subscribers) {
    if (!subscriber.send(Message(PeerStatus{peer, name, status}))) ended.push_back(subscriber);
  }
  if (!ended.empty()) {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [&](const Task& t) { return std::find(ended.begin(), ended.end(), t) != ended.end(); });
  }
}

}  // namespace picos::detail
