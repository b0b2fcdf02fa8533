#include "io_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using picos_test::run_in;

TEST_CASE("UDP datagrams travel between two sockets over IPv4 and IPv6 with their sender") {
  for (auto family : {picos::AddressFamily::ipv4, picos::AddressFamily::ipv6}) {
    run_in([family] {
      auto a = picos::UdpSocket::bind(picos::SocketAddress::loopback(0, family));
      auto b = picos::UdpSocket::bind(picos::SocketAddress::loopback(0, family));
      CHECK(a.sendto("ping", b.local_address()) == 4);
      auto [data, from] = b.recvfrom(100, 10s);
      CHECK(data == "ping");
      CHECK(from == a.local_address());
      b.sendto("pong", from);
      CHECK(a.recvfrom(100, 10s).first == "pong");
    });
  }
}

TEST_CASE("a connected UDP socket uses send and recv") {
  run_in([] {
    auto a = picos::UdpSocket::bind(picos::SocketAddress::loopback(0));
    auto b = picos::UdpSocket::bind(picos::SocketAddress::loopback(0));
    a.connect(b.local_address());
    b.connect(a.local_address());
    auto reader = picos::spawn([&b] { return b.recv(100, 10s); });
    picos::this_task::sleep(10ms);
    a.send("hello");
    CHECK(reader.finish(10s).get<std::string>() == "hello");
  });
}
