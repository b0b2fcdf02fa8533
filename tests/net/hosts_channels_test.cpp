// Multi-host tests (suite "hosts"): remote channels between lab hosts (network namespaces, see
// netns_support.hpp). Host 0's node runs in this process; the other hosts run net_test_peer in
// "discover" mode, which owns the registered channel "peer-news" (its transform prefixes
// "peer: " to strings, see test_peer_channels.hpp).
#include "echo_protocol.hpp"
#include "hosts_support.hpp"
#include "run_in.hpp"

#include <picos/channel.hpp>
#include <picos/node.hpp>

#include <doctest/doctest.h>

using namespace net_test;
using picos::RemoteTask;
namespace this_task = picos::this_task;

TEST_SUITE("hosts") {

TEST_CASE("across hosts a channel is located, subscribed by a local task and a third host's task, and deliver counts both") {
  NetnsLab lab(3);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  HostPeer c = peer_on(lab, 2, "c");
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location, c.location}, 10s));
  picos_test::run_in([&] {
    auto news = a->locate_channel("peer-news", b.location, 5s);
    REQUIRE(news);
    CHECK(news->reference().origin == b.location);
    CHECK(news->subscribe(this_task::current(), 5s));
    // c's "echo" task, subscribed by reference: b's node connects to c and fans out there.
    auto echo = a->locate("echo", c.location, 5s);
    REQUIRE(echo);
    CHECK(news->subscribe(*echo, 5s));

    for (int i = 0; i < 20; ++i) CHECK(news->send(std::string("m") + std::to_string(i)));
    for (int i = 0; i < 20; ++i) CHECK(next_of<std::string>(5s) == "peer: m" + std::to_string(i));
    // Both subscribers are reached: this task gets the request itself, and c's echo answers it.
    const RemoteTask self = a->export_task(this_task::current());
    CHECK(news->deliver(EchoRequest{self, "through b to c"}, 5s, 2) == 2);
    auto request = next_of<EchoRequest>(5s);
    REQUIRE(request);
    CHECK(request->text == "through b to c");
    CHECK(next_of<std::string>(5s) == std::string("through b to c"));

    // deliver waits for n subscribers at the owner: three never come, so 0 after the timeout.
    CHECK(news->deliver(std::string("never"), 300ms, 3) == 0);
    CHECK(news->unsubscribe(this_task::current(), 5s));
    CHECK(news->deliver(EchoRequest{self, "only c"}, 5s, 1) == 1);
    CHECK(next_of<std::string>(5s) == std::string("only c"));
  });
}

TEST_CASE("a peer on another host locates a channel of this host, subscribes and receives what is delivered") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  const auto a = node_on(lab, 0, "a");
  picos::Channel news("hosts-news");
  REQUIRE(news.register_name());
  HostPeer b = peer_on(lab, 1, "b", "*", host_heartbeat_timeout_ms,
                       {"subscribe", a->location().host, std::to_string(a->location().port), "hosts-news"});
  REQUIRE(prints(b.process, {"SUBSCRIBED"}, 15s));
  picos_test::run_in([&] {
    CHECK(news.deliver(std::string("hello from host 0"), 5s, 1) == 1);
    CHECK(news.send(std::string("and again")) == 1);
  });
  CHECK(prints(b.process, {"GOT hello from host 0", "GOT and again"}, 10s));
  news.close();
}

}  // TEST_SUITE("hosts")
