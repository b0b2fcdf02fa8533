// Serving remote channels: locate, subscribe/unsubscribe, send/deliver for peers, the messages of
// remote channels for local subscribers, and dropping the subscribers of nodes that went offline.
#include "net/channel_service.hpp"

#include "net/frame_stream.hpp"
#include "net/node_core.hpp"

#include <picos/log.hpp>
#include <picos/this_task.hpp>

#include <algorithm>
#include <limits>
#include <mutex>

namespace picos::net {
namespace {

// Peers may make this many deliver calls wait for subscribers at once; more are answered 0 at
// once, so a peer cannot pile up waiting tasks.
constexpr std::size_t max_waiting_deliveries = 1024;
// Subscriptions whose subscriber's node is being connected to, at once; more are answered 0.
constexpr std::size_t max_connecting_subscriptions = 64;
// Longest wait for subscribers a peer may ask for.
constexpr auto max_deliver_wait = std::chrono::hours(1);

Timeout wait_limit(std::uint64_t timeout_ms) {
  if (timeout_ms >= static_cast<std::uint64_t>(std::chrono::milliseconds(max_deliver_wait).count())) {
    return max_deliver_wait;
  }
  return std::chrono::milliseconds(timeout_ms);
}

bool is_sink_of(const detail::RemoteSubscriber& subscriber, const ChannelOutlet* outlet) {
  const auto* sink = dynamic_cast<const ChannelSink*>(&subscriber);
  return sink != nullptr && sink->uses(outlet);
}

}  // namespace

ChannelService::ChannelService(detail::NodeCore& core) : core_(core), outlet_(std::make_shared<ChannelOutlet>()) {
  exports.set_origin(core.self.location);
  outlet_->core = &core;
  watcher_ = core_.spawn_service("net-channel-watcher", [this] { watch_peers(); });
  core_.subscribe(watcher_);
}

ChannelService::~ChannelService() { detach(); }

void ChannelService::detach() noexcept {
  {
    std::unique_lock lock(outlet_->mutex);
    outlet_->core = nullptr;
  }
  try {
    const ChannelOutlet* outlet = outlet_.get();
    for (const auto& channel : exports.alive()) {
      detail::drop_remote_if(*channel, [outlet](const detail::RemoteSubscriber& s) { return is_sink_of(s, outlet); });
    }
  } catch (const std::exception& error) {
    log(LogLevel::error, "picos: cannot drop the remote subscribers of a closing node: ", error.what());
  }
}

void ChannelService::watch_peers() {
  for (;;) {
    Message message = this_task::receive();
    const auto* status = message.get_if<PeerStatus>();
    if (status != nullptr && status->status == PeerStatus::Status::offline) drop_subscribers_at(status->location);
  }
}

void ChannelService::drop_subscribers_at(const Location& node) {
  const ChannelOutlet* outlet = outlet_.get();
  std::size_t dropped = 0;
  for (const auto& channel : exports.alive()) {
    dropped += detail::drop_remote_if(*channel, [&](const detail::RemoteSubscriber& subscriber) {
      const auto* sink = dynamic_cast<const ChannelSink*>(&subscriber);
      return sink != nullptr && sink->feeds(outlet, node);
    });
  }
  if (dropped != 0) log(LogLevel::info, "picos: dropped ", dropped, " channel subscriptions of offline node ", node);
}

void ChannelService::serve(const Frame& frame) {
  serve_one(frame);
  // A peer streaming channel frames keeps this connection's reader busy without a pause (its
  // reads find data at once), while the answers and messages these frames produce, and our
  // heartbeats, wait in our link writers on the same scheduler. Yielding after each frame lets
  // them go out; otherwise the peers would see our links fall silent and declare us offline.
  this_task::yield();
}

void ChannelService::serve_one(const Frame& frame) {
  switch (frame.kind) {
    case FrameKind::channel_locate: serve_locate(decode_payload<ChannelLocatePayload>(frame.payload)); return;
    case FrameKind::channel_subscribe: serve_subscribe(decode_payload<ChannelSubscribePayload>(frame.payload)); return;
    case FrameKind::channel_send: serve_send(decode_payload<ChannelSendPayload>(frame.payload)); return;
    case FrameKind::channel_message: serve_message(decode_payload<ChannelMessagePayload>(frame.payload)); return;
    case FrameKind::channel_reply: {
      const auto answer = decode_payload<ChannelReplyPayload>(frame.payload);
      core_.answer_request(answer.request_id, frame);
      return;
    }
    default: throw ProtocolError(std::string("not a channel frame: ") + to_string(frame.kind));
  }
}

void ChannelService::reply(const Location& to, const ChannelReplyPayload& payload) {
  if (!core_.queue_frame(to, encode_frame(FrameKind::channel_reply, encode_payload(payload)))) {
    log(LogLevel::info, "picos: cannot answer a channel request of ", to, ": the node is offline");
  }
}

void ChannelService::serve_locate(const ChannelLocatePayload& request) {
  ChannelReplyPayload answer{request.request_id, 0, {}};
  if (auto channel = detail::find_registered(request.name)) {
    answer.result = 1;
    answer.channel = exports.add(channel);
  }
  reply(request.reply_to, answer);
}

std::int64_t ChannelService::change_subscription(const ChannelReference& reference,
                                                 const ChannelSubscriberRef& subscriber, bool subscribe) {
  const std::shared_ptr<detail::ChannelState> state = exports.resolve(reference);
  if (state == nullptr) {
    log(LogLevel::info, "picos: subscription change for unknown, closed or forged channel reference ", reference,
        " refused");
    return -1;
  }
  const Channel channel(state);
  if (subscriber.origin == core_.self.location) {
    if (subscriber.kind == ChannelSubscriberRef::task) {
      const std::optional<Task> task = core_.exports.resolve(subscriber.as_task());
      if (!task) return 0;
      return (subscribe ? channel.subscribe(*task) : channel.unsubscribe(*task)) ? 1 : 0;
    }
    const std::shared_ptr<detail::ChannelState> local = exports.resolve(subscriber.as_channel());
    if (local == nullptr) return 0;
    try {
      return (subscribe ? channel.subscribe(Channel(local)) : channel.unsubscribe(Channel(local))) ? 1 : 0;
    } catch (const std::invalid_argument& error) {
      log(LogLevel::warning, "picos: ", error.what());
      return 0;
    }
  }
  auto sink = std::make_shared<ChannelSink>(outlet_, reference, subscriber);
  if (!subscribe) return detail::remove_remote_subscriber(*state, *sink) ? 1 : 0;
  return detail::add_remote_subscriber(*state, std::move(sink)) ? 1 : 0;
}

void ChannelService::serve_subscribe(const ChannelSubscribePayload& request) {
  if (request.subscriber.kind != ChannelSubscriberRef::task && request.subscriber.kind != ChannelSubscriberRef::channel) {
    throw ProtocolError("channel_subscribe names a subscriber of unknown kind " + std::to_string(request.subscriber.kind));
  }
  const Location& node = request.subscriber.origin;
  if (!request.subscribe || node == core_.self.location || core_.is_online(node)) {
    const std::int64_t result = change_subscription(request.channel, request.subscriber, request.subscribe);
    if (request.request_id != 0) reply(request.reply_to, {request.request_id, result, {}});
    return;
  }
  // The subscriber's node is not linked yet (a third node, or the requester's link still being
  // dialled back): connect first, without holding up this connection.
  if (connecting_subscriptions_.fetch_add(1) >= max_connecting_subscriptions) {
    connecting_subscriptions_.fetch_sub(1);
    log(LogLevel::warning, "picos: too many channel subscribers being connected to; one from ", request.reply_to,
        " refused");
    if (request.request_id != 0) reply(request.reply_to, {request.request_id, 0, {}});
    return;
  }
  core_.spawn_service("net-channel-subscribe", [this, request] {
    std::int64_t result = 0;
    if (core_.connect(request.subscriber.origin, core_.options.connect_timeout)) {
      result = change_subscription(request.channel, request.subscriber, true);
    } else {
      log(LogLevel::info, "picos: channel subscriber at ", request.subscriber.origin, " cannot be reached");
    }
    connecting_subscriptions_.fetch_sub(1);
    if (request.request_id != 0) reply(request.reply_to, {request.request_id, result, {}});
  });
}

void ChannelService::serve_send(ChannelSendPayload request) {
  const std::shared_ptr<detail::ChannelState> state = exports.resolve(request.channel);
  if (state == nullptr) {
    log(LogLevel::info, "picos: message for unknown, closed or forged channel reference ", request.channel,
        " dropped");
    if (request.request_id != 0) reply(request.reply_to, {request.request_id, -1, {}});
    return;
  }
  Message message;
  try {
    message = deserialize(request.message);
  } catch (const SerializationError& error) {
    log(LogLevel::warning, "picos: undecodable message for ", request.channel, " dropped: ", error.what());
    if (request.request_id != 0) reply(request.reply_to, {request.request_id, 0, {}});
    return;
  }
  const Channel channel(state);
  if (request.request_id == 0) {
    channel.send(std::move(message));
    return;
  }
  // Sent here and now when no wait is needed, so a deliver keeps its place among the sender's
  // sends.
  if (request.wanted == 0 || channel.subscriber_count() >= request.wanted) {
    const auto reached = static_cast<std::int64_t>(channel.send(std::move(message)));
    reply(request.reply_to, {request.request_id, reached, {}});
    return;
  }
  if (waiting_deliveries_.fetch_add(1) >= max_waiting_deliveries) {
    waiting_deliveries_.fetch_sub(1);
    log(LogLevel::warning, "picos: too many deliveries waiting for subscribers; one from ", request.reply_to,
        " answered 0");
    reply(request.reply_to, {request.request_id, 0, {}});
    return;
  }
  core_.spawn_service("net-channel-deliver", [this, channel, request = std::move(request),
                                              message = std::move(message)]() mutable {
    std::int64_t reached = 0;
    try {
      reached = static_cast<std::int64_t>(
          channel.deliver(std::move(message), wait_limit(request.timeout_ms), static_cast<std::size_t>(request.wanted)));
    } catch (const std::exception& error) {
      log(LogLevel::warning, "picos: a deliver through ", request.channel, " failed: ", error.what());
    }
    waiting_deliveries_.fetch_sub(1);
    reply(request.reply_to, {request.request_id, reached, {}});
  });
}

void ChannelService::serve_message(const ChannelMessagePayload& notice) {
  if (notice.subscriber.kind != ChannelSubscriberRef::task && notice.subscriber.kind != ChannelSubscriberRef::channel) {
    throw ProtocolError("channel_message names a subscriber of unknown kind " + std::to_string(notice.subscriber.kind));
  }
  std::optional<Task> task;
  std::shared_ptr<detail::ChannelState> channel;
  if (notice.subscriber.kind == ChannelSubscriberRef::task) {
    task = core_.exports.resolve(notice.subscriber.as_task());
  } else {
    channel = exports.resolve(notice.subscriber.as_channel());
  }
  if (!task && channel == nullptr) {
    drop_at_owner(notice.source, notice.subscriber, "has ended or was closed");
    return;
  }
  Message message;
  try {
    message = deserialize(notice.message);
  } catch (const SerializationError& error) {
    log(LogLevel::warning, "picos: undecodable message from ", notice.source, " dropped: ", error.what());
    return;
  }
  if (task) {
    if (!task->send(std::move(message))) drop_at_owner(notice.source, notice.subscriber, "has ended");
    return;
  }
  const ChannelHopScope hops(notice.hops);
  Channel(channel).send(std::move(message));
}

void ChannelService::drop_at_owner(const ChannelReference& source, const ChannelSubscriberRef& subscriber,
                                   const char* why) {
  log(LogLevel::info, "picos: subscriber ", subscriber.name, "/", subscriber.id, " of ", source, " ", why,
      "; asking its owner to drop it");
  const ChannelSubscribePayload request{0, core_.self.location, source, false, subscriber};
  (void)core_.queue_frame(source.origin, encode_frame(FrameKind::channel_subscribe, encode_payload(request)));
}

}  // namespace picos::net
