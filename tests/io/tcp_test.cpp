#include "io_support.hpp"

#include <picos/picos.hpp>
#include <picos/socket.hpp>

#include <doctest/doctest.h>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

using namespace std::chrono_literals;

using picos_test::run_in;

TEST_CASE("a TCP client and server exchange data in both directions over IPv4 and IPv6") {
  for (auto family : {picos::AddressFamily::ipv4, picos::AddressFamily::ipv6}) {
    run_in([family] {
      auto [client, server] = io_test::tcp_pair(family);
      client.sendall("hello");
      CHECK(server.recvall(5) == "hello");
      server.sendall("world!");
      CHECK(client.recvall(6) == "world!");
      CHECK(server.peer_address() == client.local_address());
      CHECK(client.peer_address().is_ipv6() == (family == picos::AddressFamily::ipv6));
    });
  }
}

TEST_CASE("an echo server serves a client task while both run on one scheduler") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    const auto address = listener.local_address();
    auto server = picos::spawn([listener = std::move(listener)]() mutable {
      auto stream = listener.accept();
      while (true) {
        std::string data = stream.recv(1024);
        if (data.empty()) break;
        stream.sendall(data);
      }
    });
    auto client = picos::TcpStream::connect(address);
    for (int i = 0; i < 100; ++i) {
      const std::string line = "message " + std::to_string(i);
      client.sendall(line);
      CHECK(client.recvall(line.size()) == line);
    }
    client.close();
    server.finish(30s);
  });
}

TEST_CASE("recv returns an empty string at end of stream and recvall returns what arrived") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    client.sendall("abc");
    client.close();
    CHECK(server.recvall(10) == "abc");
    CHECK(server.recv(10).empty());
    CHECK(server.recv(10).empty());
  });
}

TEST_CASE("a half-closed stream still carries data the other way") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    client.sendall("request");
    client.shutdown(picos::ShutdownHow::write);
    CHECK(server.recvall(100) == "request");  // ends at the FIN
    server.sendall("response");
    server.close();
    CHECK(client.recvall(100) == "response");
  });
}

TEST_CASE("recv_line splits the stream into lines and keeps the rest for later calls") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    client.sendall("one\ntwo\nthree");
    client.close();
    CHECK(server.recv_line() == "one\n");
    CHECK(server.recv(3) == "two");
    CHECK(server.recv_line() == "\n");
    CHECK(server.recv_line() == "three");
    CHECK(server.recv_line().empty());
  });
}

TEST_CASE("every blocking socket call reports a timeout as std::errc::timed_out") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    auto expect_timeout = [](auto&& call) {
      try {
        call();
        FAIL("no timeout");
      } catch (const std::system_error& error) {
        CHECK(error.code() == std::errc::timed_out);
      }
    };
    expect_timeout([&] { (void)listener.accept(50ms); });
    auto client = picos::TcpStream::connect(listener.local_address());
    auto server = listener.accept();
    expect_timeout([&] { (void)server.recv(10, 50ms); });
    expect_timeout([&] { (void)server.recvall(10, 0ms); });
    expect_timeout([&] { (void)server.recv_msg(20ms); });
    expect_timeout([&] { (void)server.recv_line(100, 20ms); });
    server.set_timeout(30ms);
    expect_timeout([&] { (void)server.recv(10); });
    auto udp = picos::UdpSocket::bind(picos::SocketAddress::loopback(0));
    expect_timeout([&] { (void)udp.recvfrom(100, 30ms); });
    // A sender whose peer never reads fills the buffers and then times out.
    server.set_timeout(picos::Timeout{});
    const std::string block(1 << 20, 'x');
    expect_timeout([&] {
      for (int i = 0; i < 1000; ++i) client.sendall(block, 100ms);
    });
    // After a timeout the stream still works.
    client.close();
    std::size_t drained = 0;
    while (true) {
      const std::string data = server.recv(1 << 16, 10s);
      if (data.empty()) break;
      drained += data.size();
    }
    CHECK(drained > 0);
  });
}

// Wine 8 closes a socket with a FIN even after SO_LINGER {1, 0} (and with unread data), so no
// reset can be provoked there; the case runs on Linux and on a real Windows kernel.
TEST_CASE("a connection reset by the peer is reported as connection_reset" * doctest::skip(io_test::running_under_wine())) {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    ::linger off{1, 0};  // close with RST
    ::setsockopt(client.native_handle(), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&off), sizeof off);
    client.close();
    try {
      while (!server.recv(100, 10s).empty()) {
      }
      FAIL("no error");
    } catch (const std::system_error& error) {
      CHECK(error.code() == std::errc::connection_reset);
    }
  });
}

TEST_CASE("connecting to a port nobody listens on is refused") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
    const auto address = listener.local_address();
    listener.close();
    CHECK_THROWS_AS(picos::TcpStream::connect(address, 10s), std::system_error);
  });
}

TEST_CASE("closing a socket wakes every task waiting on it with operation_canceled") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    int woken = 0;
    std::vector<picos::Task> readers;
    for (int i = 0; i < 3; ++i) {
      readers.push_back(picos::spawn([&server, &woken] {
        try {
          (void)server.recv(10);
        } catch (const std::system_error& error) {
          CHECK(error.code() == std::errc::operation_canceled);
          ++woken;
        }
      }));
    }
    picos::this_task::sleep(20ms);
    server.close();
    for (auto& task : readers) task.finish(10s);
    CHECK(woken == 3);
    CHECK_FALSE(server.is_open());
    CHECK_THROWS_AS((void)server.recv(1), std::system_error);
  });
}

TEST_CASE("connect by host name resolves without blocking the scheduler") {
  run_in([] {
    auto listener = picos::TcpListener::bind(picos::SocketAddress::any(0, picos::AddressFamily::ipv6));
    const auto port = listener.local_address().port();
    auto addresses = picos::resolve("localhost", port);
    REQUIRE_FALSE(addresses.empty());
    auto client = picos::TcpStream::connect("localhost", port, 30s);
    auto server = listener.accept(30s);
    client.sendall("x");
    CHECK(server.recv(1) == "x");
    CHECK_THROWS_AS(picos::resolve("no-such-host.invalid", 80), std::system_error);
  });
}

TEST_CASE("a socket used from a plain thread blocks that thread") {
  auto listener = picos::TcpListener::bind(picos::SocketAddress::loopback(0));
  std::thread peer([address = listener.local_address()] {
    auto stream = picos::TcpStream::connect(address, 10s);
    stream.sendall("from a thread");
    stream.shutdown();
    CHECK(stream.recvall(2, 10s) == "ok");
  });
  auto stream = listener.accept(10s);
  CHECK(stream.recvall(100, 10s) == "from a thread");
  stream.sendall("ok");
  CHECK(stream.recv(1, 10s).empty());  // the peer shut its side down
  peer.join();
  auto udp = picos::UdpSocket::bind(picos::SocketAddress::loopback(0));
  try {
    (void)udp.recvfrom(10, 10ms);
    FAIL("no timeout");
  } catch (const std::system_error& error) {
    CHECK(error.code() == std::errc::timed_out);
  }
}

TEST_CASE("blocking mode blocks the scheduler thread but still works inside a task") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    server.set_blocking(true);
    client.sendall("abc");
    CHECK(server.recvall(3, 10s) == "abc");
  });
}

TEST_CASE("socket options can be set and read") {
  run_in([] {
    auto [client, server] = io_test::tcp_pair();
    client.set_no_delay(true);
    CHECK(client.option(IPPROTO_TCP, TCP_NODELAY) != 0);
    client.set_option(SOL_SOCKET, SO_KEEPALIVE, 1);
    CHECK(client.option(SOL_SOCKET, SO_KEEPALIVE) != 0);
  });
}

TEST_CASE("tasks in compact stack mode can use stack buffers for socket I/O") {
  run_in(picos_test::with_mode(picos::StackMode::compact), [] {
    // The body is itself a compact task: what other tasks use must not live on its stack.
    auto listener = std::make_shared<picos::TcpListener>(picos::TcpListener::bind(picos::SocketAddress::loopback(0)));
    const auto address = listener->local_address();
    std::vector<picos::Task> tasks;
    tasks.push_back(picos::spawn([listener] {
      auto stream = listener->accept(30s);
      char buffer[64];
      for (int i = 0; i < 20; ++i) {
        const std::size_t n = stream.recv_into(buffer, 30s);
        if (n == 0) break;
        stream.sendall(std::string_view(buffer, n));
      }
    }));
    tasks.push_back(picos::spawn([address] {
      auto client = picos::TcpStream::connect(address, 30s);
      for (int i = 0; i < 20; ++i) {
        const std::string text = "round " + std::to_string(i);
        client.sendall(text);
        char reply[64];
        std::size_t got = 0;
        while (got < text.size()) got += client.recv_into(std::span<char>(reply + got, text.size() - got), 30s);
        CHECK(std::string_view(reply, got) == text);
      }
    }));
    for (auto& task : tasks) task.finish(60s);
  });
}
