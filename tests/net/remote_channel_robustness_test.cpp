// Hostile channel frames from an authenticated peer: a malformed payload or an invalid field
// closes only that connection with a logged reason; an undecodable message is dropped and logged
// while the connection goes on; the node keeps serving its real peers.
#include "net/wire.hpp"
#include "net_support.hpp"
#include "raw_peer.hpp"

#include <picos/channel.hpp>
#include <picos/node.hpp>
#include <picos/picos.hpp>

#include <doctest/doctest.h>

using namespace net_test;
namespace net = picos::net;

TEST_CASE("malformed channel frames from an authenticated peer close only that connection") {
  LogLines log;
  picos::Node owner(loopback_options("owner"));
  picos::Node user(loopback_options("user"));
  picos::Channel news("robust-news");
  REQUIRE(news.register_name());
  const picos::ChannelReference reference = owner.export_channel(news);

  {
    RawPeer raw(owner);
    raw.send(net::FrameKind::channel_subscribe, net::PingPayload{1});  // not a subscribe payload
    CHECK(raw.closed());
    CHECK(log.wait_for("malformed frame payload"));
  }
  {
    RawPeer raw(owner);
    net::ChannelMessagePayload notice;
    notice.source = reference;
    notice.subscriber.kind = 7;
    raw.send(net::FrameKind::channel_message, notice);
    CHECK(raw.closed());
    CHECK(log.wait_for("subscriber of unknown kind 7"));
  }
  {
    RawPeer raw(owner);
    net::ChannelSendPayload request;
    request.channel = reference;
    request.message = {std::byte{1}, std::byte{2}, std::byte{3}};
    raw.send(net::FrameKind::channel_send, request);
    CHECK(log.wait_for("undecodable message for"));
    CHECK(raw.answers_ping());  // a bad message is not a bad frame: the connection goes on
    request.channel.rid ^= 1U;  // forged
    raw.send(net::FrameKind::channel_send, request);
    CHECK(log.wait_for("forged channel reference"));
    CHECK(raw.answers_ping());
  }

  // Real peers are unaffected.
  REQUIRE(user.peer(owner.location(), 5s));
  auto channel = user.locate_channel("robust-news", owner.location(), 5s);
  REQUIRE(channel);
  CHECK(channel->reference() == reference);
  const picos::Task receiver = picos::spawn([] { return picos::this_task::receive(5s).has_value(); });
  REQUIRE(news.subscribe(receiver));
  CHECK(channel->deliver(std::string("still fine"), 5s) == 1);
  CHECK(receiver.value(10s).get<bool>());
}
