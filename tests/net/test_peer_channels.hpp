#pragma once
// The channel side of net_test_peer (see test_peer.cpp):
// - it always owns the channel "peer-news", registered, whose transform prefixes "peer: " to
//   strings;
// - with the extra arguments `subscribe <host> <port> <channel>` it connects to the node at
//   host:port, locates <channel> there, subscribes a task that prints "GOT <text>" for each
//   string it receives, and prints "SUBSCRIBED" (or "SUBSCRIBE FAILED").

#include <picos/channel.hpp>
#include <picos/node.hpp>

#include <span>

namespace net_test {

class PeerChannels {
 public:
  // `extra` is the command line after the common arguments of its mode. Registers "peer-news";
  // throws std::invalid_argument for unknown arguments.
  PeerChannels(picos::Node& node, std::span<char* const> extra);
  // Starts the subscription `extra` asked for, if any (after the helper printed its location).
  void start_subscription();

 private:
  picos::Node& node_;
  std::span<char* const> extra_;
  picos::Channel news_;
};

}  // namespace net_test
