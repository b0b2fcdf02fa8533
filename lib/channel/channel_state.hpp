#pragma once
// What a Channel handle refers to, and the process-wide table of channel names.

#include <picos/channel.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace picos::detail {

struct ChannelState {
  struct Subscriber {
    Task task;                              // set for a task subscriber
    std::shared_ptr<ChannelState> channel;  // set for a channel subscriber
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

// The name table (channel_names.cpp). claim_name() throws std::invalid_argument when taken.
void claim_name(const std::shared_ptr<ChannelState>& state);
void release_name(const ChannelState& state) noexcept;
std::shared_ptr<ChannelState> find_registered(const std::string& name);

}  // namespace picos::detail
