// The process-wide table of channel names: uniqueness and Channel::locate().
#include "channel/channel_state.hpp"

#include <map>

namespace picos::detail {
namespace {

struct NameTable {
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<ChannelState>, std::less<>> channels;
};

NameTable& table() {
  static auto* names = new NameTable;  // never destroyed: channels may outlive static destruction
  return *names;
}

}  // namespace

void claim_name(const std::shared_ptr<ChannelState>& state) {
  NameTable& names = table();
  std::lock_guard<std::mutex> lock(names.mutex);
  auto [slot, inserted] = names.channels.try_emplace(state->name, state);
  if (!inserted) {
    if (auto holder = slot->second.lock()) {
      throw std::invalid_argument("picos: a channel named '" + state->name + "' already exists");
    }
    slot->second = state;  // the previous owner is being destroyed
  }
}

void release_name(const ChannelState& state) noexcept {
  NameTable& names = table();
  std::lock_guard<std::mutex> lock(names.mutex);
  auto slot = names.channels.find(state.name);
  if (slot == names.channels.end()) return;
  auto holder = slot->second.lock();
  if (holder == nullptr || holder.get() == &state) names.channels.erase(slot);
}

std::shared_ptr<ChannelState> find_registered(const std::string& name) {
  std::shared_ptr<ChannelState> state;
  {
    NameTable& names = table();
    std::lock_guard<std::mutex> lock(names.mutex);
    auto slot = names.channels.find(name);
    if (slot == names.channels.end()) return nullptr;
    state = slot->second.lock();
  }
  if (state == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(state->mutex);
  return state->open && state->registered ? state : nullptr;
}

}  // namespace picos::detail

namespace picos {

bool Channel::register_name() const {
  if (!state_) return false;
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->open) return false;
  state_->registered = true;
  return true;
}

bool Channel::unregister_name() const {
  if (!state_) return false;
  std::lock_guard<std::mutex> lock(state_->mutex);
  return std::exchange(state_->registered, false);
}

std::optional<Channel> Channel::locate(const std::string& name, Timeout /*timeout*/) {
  if (auto state = detail::find_registered(name)) return Channel(std::move(state));
  return std::nullopt;
}

}  // namespace picos
