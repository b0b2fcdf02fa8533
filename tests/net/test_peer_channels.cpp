#include "test_peer_channels.hpp"

#include <picos/picos.hpp>

#include <iostream>
#include <stdexcept>
#include <string>

namespace net_test {
namespace {

std::optional<picos::Message> prefix_peer(const std::string& /*channel*/, picos::Message message) {
  if (auto* text = message.get_if<std::string>()) return picos::Message("peer: " + *text);
  return message;
}

void subscribe_at(picos::Node& node, const picos::Location& owner, const std::string& channel_name) {
  using namespace std::chrono_literals;
  picos::Task printer = picos::spawn([] {
    for (;;) {
      picos::Message message = picos::this_task::receive();
      if (auto* text = message.get_if<std::string>()) std::cout << "GOT " << *text << std::endl;
    }
  });
  picos::spawn([&node, owner, channel_name, printer] {
    std::optional<picos::RemoteChannel> channel;
    if (node.peer(owner, 5s)) channel = node.locate_channel(channel_name, owner, 5s);
    const bool subscribed = channel && channel->subscribe(printer, 5s);
    std::cout << (subscribed ? "SUBSCRIBED" : "SUBSCRIBE FAILED") << std::endl;
  });
}

}  // namespace

PeerChannels::PeerChannels(picos::Node& node, std::span<char* const> extra)
    : node_(node), extra_(extra), news_("peer-news", prefix_peer) {
  news_.register_name();
  if (!extra.empty() && (extra.size() != 4 || std::string(extra[0]) != "subscribe")) {
    throw std::invalid_argument("extra arguments: subscribe <host> <port> <channel>");
  }
}

void PeerChannels::start_subscription() {
  if (extra_.empty()) return;
  subscribe_at(node_, picos::Location{extra_[1], static_cast<std::uint16_t>(std::stoi(extra_[2]))}, extra_[3]);
}

}  // namespace net_test
