// Inbound connections: accepting, authenticating as the server, and serving a peer's requests
// (messages for local tasks, locate, monitor, monitor results, heartbeats; channel frames go to
// the channel service).
#include "core/mailbox.hpp"
#include "net/channel_service.hpp"
#include "net/discovery.hpp"
#include "net/node_core.hpp"
#include "net/send_frame.hpp"
#include "net/wire.hpp"

#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include <bit>
#include <system_error>

namespace picos::detail {
namespace {
// Pause after an accept failure that is not ours to fix (e.g. out of descriptors), so the loop
// does not spin.
constexpr auto accept_retry_pause = std::chrono::milliseconds(100);

// How often, and how long at most, a reader whose tasks fell behind waits for them to catch up.
constexpr auto backlog_poll = std::chrono::microseconds(50);
constexpr auto longest_backlog_wait = std::chrono::milliseconds(100);

// [B] Flow control from the tasks a connection feeds to the connection: while the messages they
// have not taken fill more buffers than `batch` keeps, the reader waits (and the peer's sender
// with it, once the socket buffers fill). Without it, a sender faster than its receiving task
// grew the receiver's backlog without bound, every new buffer faulted in page by page (11 µs a
// page on the VMs measured: remote_stream ran at 4.4 M messages/s instead of 10.9 M). A task that
// does not take its messages, or one waiting for a message queued behind them, holds the reader
// back for longest_backlog_wait at most: then the reader goes on (the backlog grows as before)
// and waits again only once the tasks have caught up.
void wait_for_takers(net::MessageBatch& batch, bool& given_up) {
  if (given_up) {
    given_up = !batch.caught_up();
    return;
  }
  if (!batch.backlogged()) return;
  batch.flush();
  const auto deadline = std::chrono::steady_clock::now() + longest_backlog_wait;
  while (batch.backlogged()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      given_up = true;
      return;
    }
    this_task::sleep(backlog_poll);
  }
}

template <class T>
void reply(net::FrameStream& stream, net::FrameKind kind, const T& payload, Timeout timeout) {
  stream.write(net::encode_frame(kind, net::encode_payload(payload), stream.max_payload()), timeout);
}
}  // namespace

void NodeCore::accept_loop(const std::shared_ptr<TcpListener>& listener) {
  while (!stopping_) {
    try {
      TcpStream tcp = listener->accept();
      const SocketAddress remote = tcp.peer_address();
      std::string host = remote.ip();
      if (!handshake_gate_.admit(host)) {
        tcp.close();
        continue;
      }
      tcp.set_no_delay(true);
      auto stream = std::make_shared<net::FrameStream>(std::move(tcp), net::max_handshake_payload);
      spawn_net("net-inbound", [this, stream, address = remote.to_string(), host = std::move(host)] {
        serve_inbound(stream, address, host);
      });
    } catch (const std::system_error& error) {
      if (stopping_ || error.code() == std::errc::operation_canceled || !listener->is_open()) return;
      log(LogLevel::error, "picos: accepting a peer connection failed: ", error.what());
      this_task::sleep(accept_retry_pause);
    }
  }
}

std::optional<net::NodeIdentity> NodeCore::server_handshake(net::FrameStream& stream, const std::string& address) {
  try {
    net::ServerHandshake handshake(options.secret, self, net::random_nonce());
    const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
    while (handshake.state() == net::HandshakeState::waiting) {
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
      std::optional<net::Frame> frame = stream.read(left);
      if (!frame) throw net::ProtocolError("connection closed during the handshake");
      net::HandshakeStep step = handshake.receive(*frame);
      if (!step.to_send.empty()) stream.write(step.to_send, left);
      if (step.state == net::HandshakeState::refused) throw net::ProtocolError(step.reason);
    }
    return handshake.peer();
  } catch (const std::exception& error) {
    if (!stopping_) log(LogLevel::warning, "picos: refused peer connection from ", address, ": ", error.what());
    return std::nullopt;
  }
}

void NodeCore::serve_inbound(const std::shared_ptr<net::FrameStream>& stream, const std::string& address,
                             const std::string& host) {
  track_inbound(stream);
  std::optional<net::NodeIdentity> peer;
  try {
    peer = server_handshake(*stream, address);
  } catch (...) {
    handshake_gate_.release(host);  // termination at shutdown unwinds through here
    throw;
  }
  handshake_gate_.release(host);
  if (!peer) {
    stream->close();
    return;
  }
  stream->set_max_payload(options.max_frame_size);
  // The peer dialled us; dial back so that it is online here too (our requests flow over our
  // link). It is marked as being dialled before any of its requests is served, so replies sent
  // to it meanwhile wait in the backlog instead of failing.
  bool dial_back = false;
  {
    std::lock_guard lock(mutex_);
    dial_back = !links_.contains(peer->location) && connecting_.insert(peer->location).second;
  }
  if (dial_back) {
    spawn_net("net-connect-back", [this, at = peer->location] { (void)dial(at, options.connect_timeout); });
  }
  // The peer pings at its own interval, which may be slower than ours: allow two of its
  // intervals on top of our own limit before calling it silent.
  const auto idle_limit = options.heartbeat_timeout + 2 * std::chrono::milliseconds(peer->heartbeat_interval_ms);
  // Messages read together are handed to their task together: one cross-thread request per
  // batch instead of one per message, flushed before any other frame (order) and before waiting
  // for the network (latency).
  net::MessageBatch batch;
  LastTarget last_target;
  bool backlog_wait_given_up = false;
  const std::function<void()> flush_batch = [&batch] { batch.flush(); };
  try {
    for (;;) {
      const std::optional<net::FrameView> frame = stream->read_view(idle_limit, flush_batch);
      if (!frame) break;
      if (frame->kind == net::FrameKind::send_batch) {
        serve_send_batch(frame->payload, batch, last_target);
        wait_for_takers(batch, backlog_wait_given_up);
        continue;
      }
      if (frame->kind == net::FrameKind::send) {
        serve_send(*stream, frame->payload, batch, last_target);
        continue;
      }
      batch.flush();
      if (!serve_frame(*stream, net::Frame{frame->kind, Bytes(frame->payload.begin(), frame->payload.end())}, *peer)) {
        break;
      }
    }
  } catch (const std::system_error& error) {
    if (!stopping_) {
      log(LogLevel::warning, "picos: closing the connection from peer ", peer->name, " at ", address, ": ",
          error.code() == std::errc::timed_out ? std::string("no heartbeat") : std::string(error.what()));
    }
  } catch (const std::exception& error) {
    if (!stopping_) {
      log(LogLevel::warning, "picos: closing the connection from peer ", peer->name, " at ", address, ": ", error.what());
    }
  }
  batch.flush();
  files.drop_connection(stream.get());
  stream->close();
}

void NodeCore::serve_send(net::FrameStream& stream, std::span<const std::byte> payload, net::MessageBatch& batch,
                          LastTarget& last) {
  const net::SendView request = net::decode_send_payload(payload);
  const std::int32_t result = accept_message(request.target, request.message, batch, last);
  if (request.request_id == 0) return;
  // The message is queued before the acknowledgement goes out, but its task's scheduler is woken
  // after the acknowledgement's non-blocking write: woken first, it would often take this CPU
  // before the write. (Only this task writes to an inbound stream.)
  const std::optional<Task> owed = batch.flush_unwoken();
  const Bytes ack = net::encode_frame(net::FrameKind::ack, net::encode_payload(net::ResultPayload{request.request_id, result}));
  const std::size_t written = stream.write_available(ack);
  if (owed) detail::wake_scheduler_of(*owed);
  if (written < ack.size()) stream.write(std::span<const std::byte>(ack).subspan(written), options.heartbeat_timeout);
}

void NodeCore::serve_send_batch(std::span<const std::byte> payload, net::MessageBatch& batch, LastTarget& last) {
  const net::SendBatchView request = net::decode_send_batch(payload);
  const std::optional<Task>& task = resolve_target(request.target, last);
  if (!task) {
    log(LogLevel::info, "picos: ", request.count, " messages for unknown, ended or forged task reference ",
        request.target, " dropped");
    return;
  }
  // The sizes are little-endian u32s like the ones MessageBatch writes on this host: the frame's
  // messages are then handed on with one copy.
  if (request.little_endian && std::endian::native == std::endian::little) {
    batch.add_encoded_run(*task, request.messages, request.count);
    return;
  }
  net::BatchedMessages messages(request);
  for (std::size_t i = 0; i < request.count; ++i) {
    batch.add_encoded(*task, messages.next());
  }
}

bool NodeCore::serve_frame(net::FrameStream& stream, const net::Frame& frame, const net::NodeIdentity& peer) {
  const Timeout write_timeout = options.heartbeat_timeout;
  switch (frame.kind) {
    case net::FrameKind::ping: {
      reply(stream, net::FrameKind::pong, net::decode_payload<net::PingPayload>(frame.payload), write_timeout);
      return true;
    }
    case net::FrameKind::locate: {
      const auto request = net::decode_payload<net::LocatePayload>(frame.payload);
      const std::optional<RemoteTask> found = exports.find_name(request.name);
      reply(stream, net::FrameKind::locate_reply,
            net::LocateReplyPayload{request.request_id, found.has_value(), found.value_or(RemoteTask{})}, write_timeout);
      return true;
    }
    case net::FrameKind::monitor: {
      const auto request = net::decode_payload<net::MonitorPayload>(frame.payload);
      const std::int32_t result = accept_monitor(request.target, request.monitor);
      reply(stream, net::FrameKind::monitor_reply, net::ResultPayload{request.request_id, result}, write_timeout);
      return true;
    }
    case net::FrameKind::monitor_status: {
      const auto notice = net::decode_payload<net::MonitorStatusPayload>(frame.payload);
      // Only the node a task lives on can say how it ended: a status about another node's task
      // is a forgery (or a bug) and would end someone's monitoring with a made-up result.
      if (notice.target.origin != peer.location) {
        log(LogLevel::warning, "picos: dropped a monitor status from peer ", peer.name, " at ", peer.location,
            " about a task of ", notice.target.origin);
        return true;
      }
      accept_monitor_status(notice.target, notice.monitor, notice.status);
      return true;
    }
    case net::FrameKind::relay_discovery: {
      const auto request = net::decode_payload<net::RelayPayload>(frame.payload);
      // A peer may have only its own ping relayed: the node then broadcasts nothing it could not
      // have broadcast itself.
      const bool own = !request.ping.locations.empty() && request.ping.locations.front() == peer.location;
      if (own) {
        log(LogLevel::info, "picos: relaying the discovery ping of peer ", peer.name, " at ", peer.location);
        discovery_->relay(request.ping);
      } else {
        log(LogLevel::warning, "picos: refused to relay a discovery ping for ",
            request.ping.locations.empty() ? std::string("no location") : request.ping.locations.front().to_string(),
            " asked by peer ", peer.name, " at ", peer.location);
      }
      reply(stream, net::FrameKind::ack, net::ResultPayload{request.request_id, own ? 1 : 0}, write_timeout);
      return true;
    }
    case net::FrameKind::channel_locate:
    case net::FrameKind::channel_subscribe:
    case net::FrameKind::channel_send:
    case net::FrameKind::channel_reply:
    case net::FrameKind::channel_message: {
      if (const auto service = channels()) service->serve(frame);
      return true;
    }
    case net::FrameKind::file_offer:
    case net::FrameKind::file_chunk:
    case net::FrameKind::file_cancel:
    case net::FrameKind::file_delete: serve_file_frame(stream, frame); return true;
    case net::FrameKind::bye: return false;
    case net::FrameKind::rti_locate:
    case net::FrameKind::rti_call:
    case net::FrameKind::rti_monitor: return rti::detail::serve_frame(*this, stream, frame);
    default: throw net::ProtocolError(std::string("unexpected ") + net::to_string(frame.kind) + " frame from a peer");
  }
}

const std::optional<Task>& NodeCore::resolve_target(const RemoteTask& target, LastTarget& last) {
  if (!last.task || !last.task->is_alive() || last.reference != target) {
    last.task = exports.resolve(target);
    last.reference = target;
  }
  return last.task;
}

std::int32_t NodeCore::accept_message(const RemoteTask& target, std::span<const std::byte> message,
                                      net::MessageBatch& batch, LastTarget& last) {
  const std::optional<Task>& task = resolve_target(target, last);
  if (!task) {
    log(LogLevel::info, "picos: message for unknown, ended or forged task reference ", target, " dropped");
    return -1;
  }
  try {
    batch.add(*task, deserialize(message));
    return 1;
  } catch (const SerializationError& error) {
    log(LogLevel::warning, "picos: undecodable message for ", target, " dropped: ", error.what());
    return -1;
  }
}

}  // namespace picos::detail
