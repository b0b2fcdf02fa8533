// Channel::send() and deliver(): transform, fan out down the hierarchy, count the tasks reached.
#include "channel/channel_state.hpp"

#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>

#include <algorithm>

namespace picos {
namespace detail {
namespace {

// Drops the subscribers that could not take a message (ended tasks, closed channels).
void drop_subscribers(ChannelState& state, const std::vector<ChannelState::Subscriber>& gone) {
  std::lock_guard<std::mutex> lock(state.mutex);
  for (const auto& dead : gone) {
    std::erase_if(state.subscribers, [&](const auto& s) { return s.same_as(dead); });
  }
}

}  // namespace

std::size_t send_through(const std::shared_ptr<ChannelState>& state, Message&& message) {
  std::shared_ptr<const ChannelTransform> transform;
  std::vector<ChannelState::Subscriber> subscribers;
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    if (!state->open) return 0;
    transform = state->transform;
    subscribers = state->subscribers;
  }
  if (transform) {
    try {
      std::optional<Message> changed = (*transform)(state->name, std::move(message));
      if (!changed) return 0;
      message = std::move(*changed);
    } catch (const std::exception& error) {
      log(LogLevel::warning, "channel ", state->name, ": transform failed, message dropped: ", error.what());
      return 0;
    }
  }
  std::size_t reached = 0;
  std::vector<ChannelState::Subscriber> gone;
  std::optional<Bytes> encoded;  // serialized once for all remote subscribers
  for (std::size_t i = 0; i < subscribers.size(); ++i) {
    const ChannelState::Subscriber& subscriber = subscribers[i];
    if (subscriber.remote) {
      // Remote subscribers read the message without taking it, so no copy is made for them.
      switch (subscriber.remote->forward(message, encoded)) {
        case RemoteSubscriber::Outcome::queued: ++reached; break;
        case RemoteSubscriber::Outcome::not_sent: break;
        case RemoteSubscriber::Outcome::unreachable: gone.push_back(subscriber); break;
      }
      continue;
    }
    Message copy = i + 1 == subscribers.size() ? std::move(message) : Message(message);
    if (subscriber.channel) {
      bool open = false;
      {
        std::lock_guard<std::mutex> lock(subscriber.channel->mutex);
        open = subscriber.channel->open;
      }
      if (open) reached += send_through(subscriber.channel, std::move(copy));
      else gone.push_back(subscriber);
    } else if (subscriber.task.send(std::move(copy))) {
      ++reached;
    } else {
      gone.push_back(subscriber);
    }
  }
  if (!gone.empty()) drop_subscribers(*state, gone);
  return reached;
}

}  // namespace detail

std::size_t Channel::send(Message message) const {
  if (!state_) return 0;
  return detail::send_through(state_, std::move(message));
}

std::size_t Channel::deliver(Message message, Timeout timeout, std::size_t n) const {
  if (!state_) return 0;
  if (n > 0) {
    detail::TaskControl& self = detail::SchedulerCore::require_task("Channel::deliver()");
    const std::int64_t deadline = detail::deadline_after(timeout);
    while (true) {
      {
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (!state_->open) return 0;
        if (state_->subscribers.size() >= n) break;
        if (detail::monotonic_expired(deadline) || (!timeout.is_infinite() && timeout.duration().count() == 0)) {
          return 0;
        }
        // park() below numbers its wait self.wait_seq + 1; a wake for an older wait is ignored.
        state_->deliver_waiters.push_back({detail::handle_of(&self), self.wait_seq + 1});
      }
      detail::WakeReason reason = detail::WakeReason::none;
      try {
        reason = self.core->park(detail::WaitKind::sync, deadline);
      } catch (...) {
        std::lock_guard<std::mutex> lock(state_->mutex);
        std::erase_if(state_->deliver_waiters, [&](const auto& w) { return w.task.control() == &self; });
        throw;
      }
      std::lock_guard<std::mutex> lock(state_->mutex);
      std::erase_if(state_->deliver_waiters, [&](const auto& w) { return w.task.control() == &self; });
      if (reason == detail::WakeReason::timed_out && state_->subscribers.size() < n) return 0;
    }
  }
  return detail::send_through(state_, std::move(message));
}

}  // namespace picos
