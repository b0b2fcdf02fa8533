// UDP discovery on loopback: nodes with discover_peers find each other without `peers`, in one
// process and across processes; a flood of pings stays cheap.
#include "net/discovery_ping.hpp"
#include "net_support.hpp"
#include "run_in.hpp"

#include <picos/node.hpp>
#include <picos/socket.hpp>
#include <picos/subprocess.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>
#include <sstream>
#include <thread>

using namespace net_test;
using picos::Location;
using picos::Node;
using picos::NodeOptions;
namespace this_task = picos::this_task;

namespace {

// A UDP port for one test, so concurrent test runs on this host do not hear each other.
std::uint16_t test_udp_port() {
  static std::mt19937 random(std::random_device{}());
  // Below Linux's ephemeral range (32768 and up), where no other socket takes it by chance.
  return static_cast<std::uint16_t>(20000 + random() % 12000);
}

NodeOptions discovering(std::string name, std::uint16_t udp_port) {
  NodeOptions options = loopback_options(std::move(name));
  options.discover_peers = true;
  options.udp_port = udp_port;
  return options;
}

bool has_peer(const Node& node, const Location& location) {
  const auto peers = node.peers();
  return std::find(peers.begin(), peers.end(), location) != peers.end();
}

// [B] True once `node` has `location` as a peer, within `limit`.
bool wait_for_peer(const Node& node, const Location& location, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!has_peer(node, location)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

picos::Bytes ping_datagram(const Location& announced, const std::string& secret) {
  picos::net::DiscoveryPing ping;
  ping.instance = 77;
  ping.name = "flooder";
  ping.locations = {announced};
  return picos::net::encode_ping(ping, secret);
}

}  // namespace

TEST_CASE("two nodes in one process with discovery on find each other by broadcast and by multicast") {
  for (const bool multicast : {false, true}) {
    CAPTURE(multicast);
    const std::uint16_t port = test_udp_port();
    NodeOptions first_options = discovering("first", port);
    NodeOptions second_options = discovering("second", port);
    first_options.ipv4_multicast = second_options.ipv4_multicast = multicast;
    Node first(first_options);
    Node second(second_options);
    CHECK(wait_for_peer(first, second.location()));
    CHECK(wait_for_peer(second, first.location()));
    CHECK(first.locate_peer("second", 0s) == second.location());
  }
}

TEST_CASE("a node in another process is found by discovery and reports this node online") {
  const char* helper = std::getenv("PICOS_NET_TEST_PEER");
  REQUIRE_MESSAGE(helper != nullptr, "PICOS_NET_TEST_PEER must name the net_test_peer binary");
  const std::uint16_t port = test_udp_port();
  Node node(discovering("tester", port));
  picos_test::run_in([&] {
    picos::SubprocessOptions options;
    options.argv = {helper, "discover", "child", "test-secret", "100", "1000", std::to_string(port), "0", "127.0.0.1"};
    options.pipe_stderr = false;
    picos::Subprocess child = picos::Subprocess::spawn(options);
    std::istringstream line(child.readline(10s));
    std::string word;
    Location location;
    line >> word >> location.host >> location.port;
    REQUIRE(word == "LOCATION");
    CHECK(child.readline(10s) == "ONLINE tester\n");
    CHECK(node.locate_peer("child", 10s) == location);
    auto echo = node.locate("echo", location, 5s);
    CHECK(echo.has_value());
    child.close_stdin();
    CHECK(child.wait(10s) == 0);
  });
}

TEST_CASE("discover_peers() on a node that does not listen for pings makes listening nodes dial it") {
  const std::uint16_t port = test_udp_port();
  Node listener(discovering("listener", port));
  NodeOptions quiet_options = loopback_options("quiet");
  quiet_options.udp_port = port;
  Node quiet(quiet_options);
  std::this_thread::sleep_for(300ms);  // the listener's own start-up burst finds nobody
  CHECK(quiet.peers().empty());
  quiet.discover_peers();
  CHECK(wait_for_peer(listener, quiet.location()));
  CHECK(wait_for_peer(quiet, listener.location()));
}

TEST_CASE("a flood of discovery pings leads to few dials, forged ones to none, and the node keeps working") {
  const std::uint16_t port = test_udp_port();
  Node node(discovering("target", port));
  picos_test::run_in([&] {
    // Two listeners that count the connections discovery opens to them and close each at once
    // (so every dial fails its handshake and backs off).
    std::atomic<int> genuine_dials{0};
    std::atomic<int> forged_dials{0};
    auto genuine = std::make_shared<picos::TcpListener>(picos::TcpListener::bind(picos::SocketAddress::loopback(0)));
    auto forged = std::make_shared<picos::TcpListener>(picos::TcpListener::bind(picos::SocketAddress::loopback(0)));
    auto count = [](std::shared_ptr<picos::TcpListener> listener, std::atomic<int>& dials) {
      return picos::spawn([listener, &dials] {
        try {
          for (;;) {
            (void)listener->accept();
            ++dials;
          }
        } catch (const std::system_error&) {
        }
      });
    };
    picos::Task genuine_counter = count(genuine, genuine_dials);
    picos::Task forged_counter = count(forged, forged_dials);
    const picos::Bytes valid = ping_datagram(Location{"127.0.0.1", genuine->local_address().port()}, "test-secret");
    const picos::Bytes wrong = ping_datagram(Location{"127.0.0.1", forged->local_address().port()}, "not the secret");
    picos::UdpSocket sender = picos::UdpSocket::open();
    const auto target = picos::SocketAddress::loopback(port);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 2000; ++i) {
      for (const auto* datagram : {&valid, &wrong}) {
        (void)sender.sendto(std::string_view(reinterpret_cast<const char*>(datagram->data()), datagram->size()),
                            target, 1s);
      }
      if (i % 100 == 0) this_task::sleep(50ms);  // spread the flood over about a second
    }
    this_task::sleep(300ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    MESSAGE("4000 pings over " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                               << " ms caused " << genuine_dials.load() << " dials (forged: " << forged_dials.load()
                               << ")");
    CHECK(genuine_dials >= 1);
    // One dial in flight per location and exponential back-off from 250 ms: a handful at most.
    CHECK(genuine_dials <= 6);
    CHECK(forged_dials == 0);
    genuine->close();
    forged->close();
    (void)genuine_counter.finish(5s);
    (void)forged_counter.finish(5s);
  });
  Node late(discovering("late", port));
  CHECK(wait_for_peer(node, late.location()));
}
