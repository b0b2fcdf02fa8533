#pragma once
// A subscriber of another process, as its channel sees it: each message is queued, as a
// channel_message frame, on this node's link to the subscriber's node.

#include "channel/channel_state.hpp"
#include "net/wire.hpp"

#include <cstdint>
#include <memory>
#include <shared_mutex>

namespace picos::detail {
class NodeCore;
}

namespace picos::net {

// Most channels of other processes a message may pass through; beyond it the message is dropped
// (a cycle of channels across processes).
inline constexpr std::uint8_t max_channel_hops = 16;

// The node the sinks send through; `core` becomes null when the node closes, after which every
// sink reports its subscriber unreachable.
struct ChannelOutlet {
  std::shared_mutex mutex;
  detail::NodeCore* core = nullptr;
};

class ChannelSink final : public detail::RemoteSubscriber {
 public:
  ChannelSink(std::shared_ptr<ChannelOutlet> outlet, ChannelReference source, ChannelSubscriberRef target)
      : outlet_(std::move(outlet)), source_(std::move(source)), target_(std::move(target)) {}

  Outcome forward(const Message& message, std::optional<Bytes>& encoded) noexcept override;
  [[nodiscard]] bool same_as(const detail::RemoteSubscriber& other) const noexcept override;

  // True when this sink sends through `outlet` to a subscriber on the node at `node`.
  [[nodiscard]] bool feeds(const ChannelOutlet* outlet, const Location& node) const noexcept {
    return outlet_.get() == outlet && target_.origin == node;
  }
  [[nodiscard]] bool uses(const ChannelOutlet* outlet) const noexcept { return outlet_.get() == outlet; }

 private:
  std::shared_ptr<ChannelOutlet> outlet_;
  ChannelReference source_;
  ChannelSubscriberRef target_;
};

// The number of channels of other processes the message being sent on this thread has passed
// through (0 outside the handling of a channel_message frame).
[[nodiscard]] std::uint8_t current_channel_hops() noexcept;

// Sets current_channel_hops() for the lifetime of the scope.
class ChannelHopScope {
 public:
  explicit ChannelHopScope(std::uint8_t hops) noexcept;
  ~ChannelHopScope();
  ChannelHopScope(const ChannelHopScope&) = delete;
  ChannelHopScope& operator=(const ChannelHopScope&) = delete;

 private:
  std::uint8_t saved_;
};

}  // namespace picos::net
