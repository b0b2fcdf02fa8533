#pragma once
// What a Channel handle refers to, and the process-wide table of channel names.

#include <picos/channel.hpp>
#include <picos/serialization.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace picos::detail {

// A subscriber in another process; the net module implements it (it queues each message for the
// subscriber's node).
class RemoteSubscriber {
 public:
  virtual ~RemoteSubscriber() = default;
  enum class Outcome : std::uint8_t {
    queued,       // on its way: counts as reached
    not_sent,     // this message could not be encoded (logged); the subscriber stays
    unreachable,  // the subscriber can no longer be reached: the channel drops it
  };
  // Passes `message` on without blocking. `encoded` caches serialize(message) for the other
  // remote subscribers of the same send (empty until one of them fills it). Must not throw.
  virtual Outcome forward(const Message& message, std::optional<Bytes>& encoded) noexcept = 0;
  // True when both name the same subscriber (subscribing it again is a no-op).
  [[nodiscard]] virtual bool same_as(const RemoteSubscriber& other) const noexcept = 0;
};

struct ChannelState {
  struct Subscriber {
    Task task;                                // set for a task subscriber
    std::shared_ptr<ChannelState> channel;    // set for a channel subscriber
    std::shared_ptr<RemoteSubscriber> remote;  // set for a subscriber in another process

    // True when both name the same subscriber.
    [[nodiscard]] bool same_as(const Subscriber& other) const noexcept {
      if (channel || other.channel) return channel == other.channel;
      if (remote || other.remote) return remote && other.remote && remote->same_as(*other.remote);
      return task == other.task;
    }
  };
  struct DeliverWaiter {
    Task task;
    std::uint32_t wait_seq;
  };

  ChannelState(std::string name_, ChannelTransform transform_);
  ~ChannelState();
  ChannelState(const ChannelState&) = delete;
  ChannelState& operator=(const ChannelState&) = delete;

  const std::string name;
  mutable std::mutex mutex;
  bool open = true;
  bool registered = false;
  std::shared_ptr<const ChannelTransform> transform;  // null: none
  std::vector<Subscriber> subscribers;
  std::vector<DeliverWaiter> deliver_waiters;

  // Wakes the deliver() calls waiting for subscribers; `waiters` was taken out under the mutex.
  static void wake_deliverers(std::vector<DeliverWaiter> waiters);
};

// Sends through `state` and its hierarchy; returns the tasks reached (channel_send.cpp).
std::size_t send_through(const std::shared_ptr<ChannelState>& state, Message&& message);

// Adds a subscriber unless present (true then too); false when the channel is closed. Wakes the
// deliver() calls waiting for subscribers (channel.cpp).
bool add_subscriber(ChannelState& state, ChannelState::Subscriber subscriber);
// Removes a subscriber; false when it was not subscribed (channel.cpp).
bool remove_subscriber(ChannelState& state, const ChannelState::Subscriber& subscriber);

// Subscriptions of other processes (channel_remote.cpp). add: false when the channel is closed
// (again is a no-op returning true). remove: false when it was not subscribed. drop_remote_if:
// removes every remote subscriber `doomed` accepts and returns how many.
bool add_remote_subscriber(ChannelState& state, std::shared_ptr<RemoteSubscriber> subscriber);
bool remove_remote_subscriber(ChannelState& state, const RemoteSubscriber& subscriber);
std::size_t drop_remote_if(ChannelState& state, const std::function<bool(const RemoteSubscriber&)>& doomed);

// The name table (channel_names.cpp). claim_name() throws std::invalid_argument when taken.
void claim_name(const std::shared_ptr<ChannelState>& state);
void release_name(const ChannelState& state) noexcept;
std::shared_ptr<ChannelState> find_registered(const std::string& name);

}  // namespace picos::detail
