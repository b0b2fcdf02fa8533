// The hooks NodeCore gives its channel service: creating and detaching it, spawning its tasks and
// handing it the answers to its requests.
#include "net/channel_service.hpp"
#include "net/node_core.hpp"

namespace picos::detail {

std::shared_ptr<net::ChannelService> NodeCore::channels() {
  std::lock_guard lock(channels_mutex_);
  if (channels_ == nullptr && !channels_closed_) channels_ = std::make_shared<net::ChannelService>(*this);
  return channels_;
}

void NodeCore::detach_channels() noexcept {
  std::shared_ptr<net::ChannelService> service;
  {
    std::lock_guard lock(channels_mutex_);
    channels_closed_ = true;
    service = channels_;
  }
  if (service) service->detach();
}

Task NodeCore::spawn_service(const char* name, std::function<void()> body) { return spawn_net(name, std::move(body)); }

}  // namespace picos::detail
