// Subscribers in other processes: the net module adds and removes them through these calls.
#include "channel/channel_state.hpp"

#include <algorithm>
#include <iterator>

namespace picos::detail {

bool add_remote_subscriber(ChannelState& state, std::shared_ptr<RemoteSubscriber> subscriber) {
  return add_subscriber(state, {Task{}, nullptr, std::move(subscriber)});
}

bool remove_remote_subscriber(ChannelState& state, const RemoteSubscriber& subscriber) {
  std::lock_guard<std::mutex> lock(state.mutex);
  return std::erase_if(state.subscribers, [&](const ChannelState::Subscriber& s) {
           return s.remote && s.remote->same_as(subscriber);
         }) != 0;
}

std::size_t drop_remote_if(ChannelState& state, const std::function<bool(const RemoteSubscriber&)>& doomed) {
  // The doomed entries are destroyed after the lock is released: a remote subscriber's destructor
  // is not ours to know.
  std::vector<ChannelState::Subscriber> dropped;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    auto keep = std::stable_partition(state.subscribers.begin(), state.subscribers.end(),
                                      [&](const ChannelState::Subscriber& s) { return !s.remote || !doomed(*s.remote); });
    dropped.assign(std::make_move_iterator(keep), std::make_move_iterator(state.subscribers.end()));
    state.subscribers.erase(keep, state.subscribers.end());
  }
  return dropped.size();
}

}  // namespace picos::detail
