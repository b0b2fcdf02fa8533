// Multi-host tests: nodes on three hosts (network namespaces joined by a bridge, see
// netns_support.hpp) find each other by broadcast discovery and work together across hosts.
// Host 0's node runs in this process (opened inside the namespace); hosts 1 and 2 run
// net_test_peer in "discover" mode. Suite "hosts" (meson test net-hosts); needs root, else each
// test prints why it is skipped.
#include "echo_protocol.hpp"
#include "hosts_support.hpp"
#include "run_in.hpp"

#include <picos/node.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace net_test;
using picos::Delivery;
using picos::Node;
using picos::PeerStatus;
using picos::RemoteMonitorStatus;
using picos::RemoteTask;
namespace this_task = picos::this_task;

namespace {

constexpr auto offline_bound = host_offline_bound;

// A node of this process on lab host `index` that neither pings nor listens for pings: nobody
// learns of it by broadcast.
std::unique_ptr<Node> quiet_node_on(const NetnsLab& lab, int index, std::string name) {
  picos::NodeOptions options = host_options(std::move(name));
  options.discover_peers = false;
  return node_on(lab, index, options);
}

}  // namespace

TEST_SUITE("hosts") {

TEST_CASE("three nodes on three hosts find each other by broadcast discovery") {
  NetnsLab lab(3);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  HostPeer c = peer_on(lab, 2, "c");
  const auto a = node_on(lab, 0, "a");
  CHECK(a->location().host == NetnsLab::address(0));
  CHECK(has_peers(*a, {b.location, c.location}, 10s));
  CHECK(reports(b, "ONLINE", {"a", "c"}, 10s));
  CHECK(reports(c, "ONLINE", {"a", "b"}, 10s));
}

TEST_CASE("nodes listening only on IPv6 addresses of two hosts find each other by IPv6 multicast") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b", NetnsLab::address6(1));
  const auto a = node_on(lab, 0, "a", NetnsLab::address6(0));
  CHECK(a->location().host == NetnsLab::address6(0));
  CHECK(has_peers(*a, {b.location}, 10s));
  CHECK(reports(b, "ONLINE", {"a"}, 10s));
}

TEST_CASE("a node that does not ping is found by the node of the host it sends discover_host pings to") {
  NetnsLab lab(3);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  HostPeer c = peer_on(lab, 2, "c");
  const auto a = quiet_node_on(lab, 0, "a");
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * host_discovery_interval_ms));
  CHECK(a->peers().empty());
  a->discover_host(NetnsLab::address(2));
  CHECK(has_peers(*a, {c.location}, 10s));
  CHECK(reports(c, "ONLINE", {"a"}, 10s));
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * host_discovery_interval_ms));
  CHECK(a->peers() == std::vector<picos::Location>{c.location});  // b never heard of it
}

TEST_CASE("a node that does not ping is found by the other hosts once a peer relays its discovery ping") {
  NetnsLab lab(3);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  HostPeer c = peer_on(lab, 2, "c");
  const auto a = quiet_node_on(lab, 0, "a");
  REQUIRE(a->peer(b.location, 5s));
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * host_discovery_interval_ms));
  CHECK(a->peers() == std::vector<picos::Location>{b.location});  // c has not heard of it
  CHECK(a->relay_discovery(b.location, 5s));
  CHECK(has_peers(*a, {b.location, c.location}, 10s));
  CHECK(reports(c, "ONLINE", {"a"}, 10s));
  CHECK_FALSE(a->relay_discovery(picos::Location{NetnsLab::address(2), 1}, 1s));  // not a peer
}

TEST_CASE("across hosts a registered task is located, sent to, delivered to and monitored to its end") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location}, 10s));
  picos_test::run_in([&] {
    auto echo = a->locate("echo", std::nullopt, 5s);
    REQUIRE(echo);
    CHECK(echo->origin == b.location);
    const RemoteTask self = a->export_task(this_task::current());
    for (int i = 0; i < 10; ++i) REQUIRE(a->send(*echo, EchoRequest{self, echo_text(i)}));
    CHECK(a->deliver(*echo, EchoRequest{self, "last"}, 5s) == Delivery::delivered);
    for (int i = 0; i < 10; ++i) CHECK(next_of<std::string>(5s) == echo_text(i));
    CHECK(next_of<std::string>(5s) == std::string("last"));

    auto worker = a->locate("worker", b.location, 5s);
    REQUIRE(worker);
    REQUIRE(a->monitor(this_task::current(), *worker, 5s));
    CHECK(a->deliver(*worker, std::string("finish"), 5s) == Delivery::delivered);
    auto status = next_of<RemoteMonitorStatus>(5s);
    REQUIRE(status);
    CHECK(status->kind == RemoteMonitorStatus::Kind::finished);
    CHECK(status->value.get<int>() == 42);
  });
}

TEST_CASE("a node killed with SIGKILL on another host is reported offline within the heartbeat bound") {
  NetnsLab lab(2);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location}, 10s));
  picos_test::run_in([&] {
    a->peer_status(this_task::current());
    REQUIRE(status_of("b", PeerStatus::Status::online, 5s));
    auto worker = a->locate("worker", b.location, 5s);
    REQUIRE(worker);
    REQUIRE(a->monitor(this_task::current(), *worker, 5s));
    b.process.kill(SIGKILL);
    const auto killed_at = std::chrono::steady_clock::now();
    CHECK(status_of("b", PeerStatus::Status::offline, offline_bound));
    auto status = next_of<RemoteMonitorStatus>(offline_bound);
    const auto detected_after = std::chrono::steady_clock::now() - killed_at;
    REQUIRE(status);
    CHECK(status->kind == RemoteMonitorStatus::Kind::unreachable);
    CHECK(detected_after < offline_bound);
    MESSAGE("killed host peer reported offline after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(detected_after).count() << " ms");
    (void)b.process.wait(5s);
  });
}

TEST_CASE("a host whose link goes down is reported offline, and found again by discovery when it comes back") {
  NetnsLab lab(3);
  if (!lab_ready(lab)) return;
  HostPeer b = peer_on(lab, 1, "b");
  HostPeer c = peer_on(lab, 2, "c");
  const auto a = node_on(lab, 0, "a");
  REQUIRE(has_peers(*a, {b.location, c.location}, 10s));
  REQUIRE(reports(c, "ONLINE", {"a", "b"}, 10s));
  picos_test::run_in([&] {
    a->peer_status(this_task::current());
    REQUIRE(status_of("b", PeerStatus::Status::online, 5s));
    lab.set_link(1, false);
    const auto down_at = std::chrono::steady_clock::now();
    CHECK(status_of("b", PeerStatus::Status::offline, offline_bound));
    MESSAGE("link down: peer reported offline after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - down_at).count()
            << " ms");
    CHECK(reports(c, "OFFLINE", {"b"}, offline_bound));
    CHECK(reports(b, "OFFLINE", {"a", "c"}, offline_bound));
    lab.set_link(1, true);
    const auto up_at = std::chrono::steady_clock::now();
    CHECK(status_of("b", PeerStatus::Status::online, 10s));
    MESSAGE("link up: peer online again after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - up_at).count()
            << " ms");
    CHECK(reports(c, "ONLINE", {"b"}, 10s));
    CHECK(reports(b, "ONLINE", {"a", "c"}, 10s));
    CHECK(has_peers(*a, {b.location, c.location}, 5s));
  });
}

}  // TEST_SUITE("hosts")
