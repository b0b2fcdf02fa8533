// RemoteChannel: channel calls made through a Node, run here for a channel of this node and sent
// to the owner (channel_* frames) for a channel of another node; Node::export_channel() and
// Node::locate_channel().
#include <picos/node.hpp>
#include <picos/remote_channel.hpp>
#include <picos/serialization.hpp>
#include <picos/this_task.hpp>

#include "net/channel_service.hpp"
#include "net/node_core.hpp"
#include "net/wire.hpp"

#include <algorithm>
#include <limits>
#include <ostream>
#include <stdexcept>

namespace picos {

PICOS_MESSAGE_TYPE(ChannelReference, "picos.channel_reference");

std::string ChannelReference::to_string() const {
  return "channel:" + name + "/" + std::to_string(id) + "@" + origin.to_string();
}

std::ostream& operator<<(std::ostream& out, const ChannelReference& channel) { return out << channel.to_string(); }

std::ostream& operator<<(std::ostream& out, const RemoteChannel& channel) {
  if (!channel.valid()) return out << "<no channel>";
  return out << channel.reference();
}

namespace {

using Subscriber = net::ChannelSubscriberRef;

// How much longer than its timeout a deliver waits for the owner's answer: the owner waits the
// whole timeout for subscribers, and its answer (0 when they did not come) must still arrive, or
// the caller would report 0 for a message the owner may send later.
constexpr auto deliver_answer_grace = std::chrono::seconds(1);

std::uint64_t wire_timeout(Timeout timeout) {
  if (timeout.is_infinite()) return std::numeric_limits<std::uint64_t>::max();
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout.duration()).count();
  return static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0));
}

// [B] Sends the request `make` builds to the owner of a channel and returns the result of its
// channel_reply; std::nullopt when the owner is offline or no answer came in time.
template <class Make>
std::optional<net::ChannelReplyPayload> ask(detail::NodeCore& core, const Location& owner, Timeout timeout, Make make) {
  const std::optional<Timeout> left = core.time_left_once_online(owner, timeout);
  if (!left) return std::nullopt;
  const auto replies = core.request(
      {owner}, *left, [&](std::uint64_t id) { return make(id); }, [](const net::Frame&) { return true; });
  if (replies.empty() || replies.front().kind != net::FrameKind::channel_reply) return std::nullopt;
  return net::decode_payload<net::ChannelReplyPayload>(replies.front().payload);
}

// [B] Adds or removes `subscriber` at the channel `reference` names.
bool change(detail::NodeCore& core, const ChannelReference& reference, const Subscriber& subscriber, bool subscribe,
            Timeout timeout) {
  if (reference.origin == core.self.location) {
    const auto service = core.channels();
    if (service == nullptr) return false;
    // The owner feeds a remote subscriber over its link, so it must have one.
    if (subscribe && subscriber.origin != core.self.location && !core.connect(subscriber.origin, timeout)) return false;
    return service->change_subscription(reference, subscriber, subscribe) == 1;
  }
  const auto answer = ask(core, reference.origin, timeout, [&](std::uint64_t id) {
    const net::ChannelSubscribePayload request{id, core.self.location, reference, subscribe, subscriber};
    return net::encode_frame(net::FrameKind::channel_subscribe, net::encode_payload(request));
  });
  return answer && answer->result == 1;
}

}  // namespace

RemoteChannel::RemoteChannel(Node& node, ChannelReference reference) noexcept
    : node_(&node), reference_(std::move(reference)) {}

bool RemoteChannel::subscribe(const Task& task, Timeout timeout) const {
  if (!valid() || !task.is_alive()) return false;
  return change(*node_->core_, reference_, Subscriber::of(node_->core_->exports.add(task)), true, timeout);
}

bool RemoteChannel::subscribe(const RemoteTask& task, Timeout timeout) const {
  if (!valid() || !task.valid()) return false;
  detail::NodeCore& core = *node_->core_;
  // A task of this node is checked here, so a stale or forged reference fails at once.
  if (task.origin == core.self.location && !core.exports.resolve(task)) return false;
  return change(core, reference_, Subscriber::of(task), true, timeout);
}

bool RemoteChannel::subscribe(const Channel& channel, Timeout timeout) const {
  if (!valid() || !channel.is_open()) return false;
  const ChannelReference exported = node_->export_channel(channel);
  return change(*node_->core_, reference_, Subscriber::of(exported), true, timeout);
}

bool RemoteChannel::unsubscribe(const Task& task, Timeout timeout) const {
  if (!valid() || !task.valid()) return false;
  return change(*node_->core_, reference_, Subscriber::of(node_->core_->exports.add(task)), false, timeout);
}

bool RemoteChannel::unsubscribe(const RemoteTask& task, Timeout timeout) const {
  if (!valid() || !task.valid()) return false;
  return change(*node_->core_, reference_, Subscriber::of(task), false, timeout);
}

bool RemoteChannel::unsubscribe(const Channel& channel, Timeout timeout) const {
  if (!valid() || !channel.valid()) return false;
  const ChannelReference exported = node_->export_channel(channel);
  return change(*node_->core_, reference_, Subscriber::of(exported), false, timeout);
}

bool RemoteChannel::send(const Message& message) const {
  if (!valid()) return false;
  detail::NodeCore& core = *node_->core_;
  if (reference_.origin == core.self.location) {
    const auto service = core.channels();
    const auto state = service ? service->exports.resolve(reference_) : nullptr;
    if (state == nullptr) return false;
    (void)Channel(state).send(message);
    return true;
  }
  const net::ChannelSendPayload request{0, core.self.location, reference_, 0, 0, serialize(message)};
  return core.queue_frame_paced(reference_.origin, net::encode_frame(net::FrameKind::channel_send,
                                                                     net::encode_payload(request),
                                                                     core.options.max_frame_size));
}

std::size_t RemoteChannel::deliver(const Message& message, Timeout timeout, std::size_t n) const {
  if (!valid()) return 0;
  detail::NodeCore& core = *node_->core_;
  if (reference_.origin == core.self.location) {
    const auto service = core.channels();
    const auto state = service ? service->exports.resolve(reference_) : nullptr;
    if (state == nullptr) return 0;
    const Channel channel(state);
    if (n == 0 || this_task::in_task()) return channel.deliver(message, timeout, n);
    // Waiting for subscribers needs a task: a plain thread lets one of the node's tasks wait.
    auto reached = std::make_shared<std::size_t>(0);
    const Task waiter = core.spawn_service("net-channel-deliver", [channel, message, timeout, n, reached] {
      *reached = channel.deliver(message, timeout, n);
    });
    (void)detail::await_task(waiter, Timeout{});
    return *reached;
  }
  const Bytes encoded = serialize(message);
  const Timeout answer_timeout = timeout.is_infinite() ? timeout : Timeout(timeout.duration() + deliver_answer_grace);
  const auto answer = ask(core, reference_.origin, answer_timeout, [&](std::uint64_t id) {
    const net::ChannelSendPayload request{id, core.self.location, reference_, n, wire_timeout(timeout), encoded};
    return net::encode_frame(net::FrameKind::channel_send, net::encode_payload(request), core.options.max_frame_size);
  });
  return answer && answer->result > 0 ? static_cast<std::size_t>(answer->result) : 0;
}

ChannelReference Node::export_channel(const Channel& channel) {
  if (!channel.valid()) throw std::invalid_argument("picos: cannot export an empty channel handle");
  const auto service = core_->channels();
  if (service == nullptr) throw std::logic_error("picos: the node is closing");
  return service->exports.add(channel.state());
}

std::optional<RemoteChannel> Node::locate_channel(const std::string& name, std::optional<Location> where,
                                                  Timeout timeout) {
  const auto service = core_->channels();
  if (service == nullptr) return std::nullopt;
  const bool here_only = where && *where == core_->self.location;
  if (!where || here_only) {
    if (auto channel = detail::find_registered(name)) return RemoteChannel(*this, service->exports.add(channel));
    if (here_only) return std::nullopt;
  }
  std::optional<Location> linked;
  if (where) {
    linked = core_->online_location(*where);
    if (!linked) return std::nullopt;
  }
  const std::optional<net::Frame> reply = core_->ask_peers(
      linked, timeout,
      [&](std::uint64_t id) {
        const net::ChannelLocatePayload request{id, core_->self.location, name};
        return net::encode_frame(net::FrameKind::channel_locate, net::encode_payload(request));
      },
      [](const net::Frame& frame) {
        return frame.kind == net::FrameKind::channel_reply &&
               net::decode_payload<net::ChannelReplyPayload>(frame.payload).result == 1;
      });
  if (reply) return RemoteChannel(*this, net::decode_payload<net::ChannelReplyPayload>(reply->payload).channel);
  return std::nullopt;
}

}  // namespace picos
