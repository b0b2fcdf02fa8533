// Channel: creation, subscriptions, transform and closing.
#include "channel/channel_state.hpp"

#include "core/scheduler_core.hpp"

#include <picos/errors.hpp>
#include <picos/log.hpp>

#include <algorithm>
#include <ostream>
#include <stdexcept>

namespace picos {
namespace detail {

ChannelState::ChannelState(std::string name_, ChannelTransform transform_) : name(std::move(name_)) {
  if (transform_) transform = std::make_shared<const ChannelTransform>(std::move(transform_));
}

ChannelState::~ChannelState() { release_name(*this); }

void ChannelState::wake_deliverers(std::vector<DeliverWaiter> waiters) {
  for (DeliverWaiter& waiter : waiters) {
    TaskControl* task = waiter.task.control();
    try {
      task->core->run_or_post([task = std::move(waiter.task), seq = waiter.wait_seq] {
        task.control()->core->wake_if(task.control(), seq, WakeReason::signalled);
      });
    } catch (const SchedulerStopped&) {
      // its scheduler is gone, and the waiting task with it
    }
  }
}

namespace {

// True when `target` can be reached from `from` through channel subscriptions.
bool reaches(const std::shared_ptr<ChannelState>& from, const ChannelState* target) {
  std::vector<std::shared_ptr<ChannelState>> pending{from};
  std::vector<const ChannelState*> seen;
  while (!pending.empty()) {
    std::shared_ptr<ChannelState> current = std::move(pending.back());
    pending.pop_back();
    if (current.get() == target) return true;
    if (std::find(seen.begin(), seen.end(), current.get()) != seen.end()) continue;
    seen.push_back(current.get());
    std::lock_guard<std::mutex> lock(current->mutex);
    for (const auto& subscriber : current->subscribers) {
      if (subscriber.channel) pending.push_back(subscriber.channel);
    }
  }
  return false;
}

const std::string& no_name() {
  static const std::string empty;
  return empty;
}

}  // namespace

bool add_subscriber(ChannelState& state, ChannelState::Subscriber subscriber) {
  std::vector<ChannelState::DeliverWaiter> waiters;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (!state.open) return false;
    const bool present = std::any_of(state.subscribers.begin(), state.subscribers.end(),
                                     [&](const auto& s) { return s.same_as(subscriber); });
    if (present) return true;
    state.subscribers.push_back(std::move(subscriber));
    waiters.swap(state.deliver_waiters);
  }
  ChannelState::wake_deliverers(std::move(waiters));
  return true;
}

bool remove_subscriber(ChannelState& state, const ChannelState::Subscriber& subscriber) {
  std::lock_guard<std::mutex> lock(state.mutex);
  const auto found = std::find_if(state.subscribers.begin(), state.subscribers.end(),
                                  [&](const auto& s) { return s.same_as(subscriber); });
  if (found == state.subscribers.end()) return false;
  state.subscribers.erase(found);
  return true;
}

}  // namespace detail

Channel::Channel(std::string name, ChannelTransform transform) {
  if (name.empty()) throw std::invalid_argument("picos: a channel needs a name");
  auto state = std::make_shared<detail::ChannelState>(std::move(name), std::move(transform));
  detail::claim_name(state);
  state_ = std::move(state);
}

const std::string& Channel::name() const noexcept { return state_ ? state_->name : detail::no_name(); }

bool Channel::is_open() const noexcept {
  if (!state_) return false;
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->open;
}

bool Channel::subscribe(const Task& task, Timeout /*timeout*/) const {
  if (!state_ || !task.is_alive()) return false;
  return detail::add_subscriber(*state_, {task, nullptr, nullptr});
}

bool Channel::subscribe(const Channel& channel, Timeout /*timeout*/) const {
  if (!state_ || !channel.state_ || !channel.is_open()) return false;
  if (channel.state_ == state_ || detail::reaches(channel.state_, state_.get())) {
    throw std::invalid_argument("picos: subscribing channel '" + channel.name() + "' to '" + name() +
                                "' would make a cycle");
  }
  return detail::add_subscriber(*state_, {Task{}, channel.state_, nullptr});
}

bool Channel::unsubscribe(const Task& task, Timeout /*timeout*/) const {
  return state_ && task.valid() && detail::remove_subscriber(*state_, {task, nullptr, nullptr});
}

bool Channel::unsubscribe(const Channel& channel, Timeout /*timeout*/) const {
  return state_ && channel.state_ && detail::remove_subscriber(*state_, {Task{}, channel.state_, nullptr});
}

std::size_t Channel::subscriber_count() const {
  if (!state_) return 0;
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->subscribers.size();
}

void Channel::set_transform(ChannelTransform transform) const {
  if (!state_) return;
  auto shared = transform ? std::make_shared<const ChannelTransform>(std::move(transform)) : nullptr;
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->transform = std::move(shared);
}

void Channel::close() const {
  if (!state_) return;
  std::vector<detail::ChannelState::Subscriber> dropped;
  std::vector<detail::ChannelState::DeliverWaiter> waiters;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!state_->open) return;
    state_->open = false;
    state_->registered = false;
    dropped.swap(state_->subscribers);
    waiters.swap(state_->deliver_waiters);
  }
  detail::release_name(*state_);
  detail::ChannelState::wake_deliverers(std::move(waiters));
}

std::ostream& operator<<(std::ostream& out, const Channel& channel) {
  if (!channel.valid()) return out << "<no channel>";
  return out << "channel:" << channel.name();
}

}  // namespace picos
