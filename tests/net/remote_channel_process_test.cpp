// Remote channels across real processes on loopback: the helper net_test_peer owns "peer-news"
// or subscribes to a channel of this process (see test_peer_channels.hpp), and gets killed.
#include "net_support.hpp"
#include "peer_process.hpp"
#include "run_in.hpp"

#include <picos/channel.hpp>
#include <picos/node.hpp>
#include <picos/remote_channel.hpp>

#include <doctest/doctest.h>

#include <csignal>

using namespace net_test;
using picos::Channel;
using picos::Node;
using picos::PeerStatus;
using picos::RemoteChannel;
using picos::Task;
namespace this_task = picos::this_task;

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// [B] The child's next line of output without its newline.
std::string next_line(picos::Subprocess& child) {
  std::string line = child.readline(10s);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

}  // namespace

TEST_CASE("another process subscribes to a channel here; killed with SIGKILL, its subscription is dropped") {
  Node node(loopback_options("owner"));
  picos_test::run_in([&] {
    Channel news("owner-news");
    REQUIRE(news.register_name());
    const Task local = picos::spawn([] {
      while (next_of<std::string>(10s)) {
      }
    });
    REQUIRE(news.subscribe(local));
    const std::string port = std::to_string(node.location().port);
    auto [child, location] = start_helper("subscriber", "test-secret", 100, 1000,
                                          {"subscribe", node.location().host, port, "owner-news"});
    REQUIRE(next_line(child) == "SUBSCRIBED");
    const RemoteChannel channel(node, node.export_channel(news));
    CHECK(channel.deliver(std::string("hello"), 5s, 2) == 2);
    CHECK(next_line(child) == "GOT hello");

    kill_process(child);
    const auto killed = Clock::now();
    while (news.subscriber_count() > 1 && since(killed) < 10s) this_task::sleep(10ms);
    CHECK(news.subscriber_count() == 1);
    MESSAGE("subscription of the killed process dropped after " << since(killed).count() << " ms");
    CHECK(channel.deliver(std::string("after"), 5s) == 1);
    CHECK(news.send(std::string("again")) == 1);
    (void)child.wait(10s);
    local.terminate();
  });
}

TEST_CASE("a channel of another process: transform at the owner, then calls fail within their timeouts once it is killed") {
  Node node(loopback_options("user"));
  picos_test::run_in([&] {
    auto [child, location] = start_helper("owner", "test-secret", 100, 1000);
    node.peer_status(this_task::current());
    REQUIRE(node.peer(location, 5s));
    REQUIRE(next_of<PeerStatus>()->status == PeerStatus::Status::online);
    auto channel = node.locate_channel("peer-news", std::nullopt, 5s);
    REQUIRE(channel);
    CHECK(channel->reference().origin == location);
    const Task self = this_task::current();
    REQUIRE(channel->subscribe(self, 5s));
    CHECK(channel->deliver(std::string("x"), 5s) == 1);
    CHECK(next_of<std::string>() == std::string("peer: x"));

    kill_process(child);
    // A call made before the loss is noticed still returns within its timeout.
    auto start = Clock::now();
    CHECK(channel->deliver(std::string("y"), 2s) == 0);
    CHECK(since(start) < 5s);  // 2 s, plus the second allowed for the answer, plus slack
    auto offline = next_of<PeerStatus>(10s);
    REQUIRE(offline);
    CHECK(offline->status == PeerStatus::Status::offline);
    start = Clock::now();
    CHECK_FALSE(channel->subscribe(self, 2s));
    CHECK(channel->deliver(std::string("z"), 2s) == 0);
    CHECK_FALSE(channel->send(std::string("z")));
    CHECK_FALSE(channel->unsubscribe(self, 2s));
    CHECK(since(start) < 1s);  // the owner is known to be offline: no waiting
    (void)child.wait(10s);
  });
}
