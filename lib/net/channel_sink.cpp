#include "net/channel_sink.hpp"

#include "net/node_core.hpp"

#include <picos/log.hpp>

#include <mutex>

namespace picos::net {
namespace {
// Channel sends run to completion without switching tasks, so a thread-local value follows one
// send through the whole local hierarchy below a channel_message.
thread_local std::uint8_t channel_hops = 0;
}  // namespace

std::uint8_t current_channel_hops() noexcept { return channel_hops; }

ChannelHopScope::ChannelHopScope(std::uint8_t hops) noexcept : saved_(channel_hops) { channel_hops = hops; }

ChannelHopScope::~ChannelHopScope() { channel_hops = saved_; }

detail::RemoteSubscriber::Outcome ChannelSink::forward(const Message& message, std::optional<Bytes>& encoded) noexcept {
  std::shared_lock lock(outlet_->mutex);
  detail::NodeCore* core = outlet_->core;
  if (core == nullptr) return Outcome::unreachable;
  const std::uint8_t hops = current_channel_hops();
  if (hops >= max_channel_hops) {
    log(LogLevel::error, "picos: channel ", source_, ": message dropped after passing through ", int{hops},
        " channels of other processes (a cycle of channel subscriptions across processes?)");
    return Outcome::not_sent;
  }
  try {
    if (!encoded) encoded = serialize(message);
    const ChannelMessagePayload payload{source_, target_, static_cast<std::uint8_t>(hops + 1), *encoded};
    Bytes frame = encode_frame(FrameKind::channel_message, encode_payload(payload), core->options.max_frame_size);
    return core->queue_frame(target_.origin, std::move(frame)) ? Outcome::queued : Outcome::unreachable;
  } catch (const std::exception& error) {
    log(LogLevel::error, "picos: channel ", source_, ": cannot pass a message to a subscriber at ", target_.origin,
        ": ", error.what());
    return Outcome::not_sent;
  }
}

bool ChannelSink::same_as(const detail::RemoteSubscriber& other) const noexcept {
  const auto* sink = dynamic_cast<const ChannelSink*>(&other);
  return sink != nullptr && sink->outlet_ == outlet_ && sink->target_ == target_;
}

}  // namespace picos::net
